"""elasticache_global_datastore: promote the target region's replication group; verify the new primary."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, fail_over, make_ctx, parse_spec, seeded

from failover.actions import build_action
from failover.models import ActionStatus
from failoverctl.sim.extensions import elasticache_global as elasticache_ext

GLOBAL = "ldgnf-sessions"
SPEC = {
    "type": "elasticache_global_datastore",
    "global_replication_group_id": GLOBAL,
    "primary": {"replication_group_id": "sessions-use1", "region": PRIMARY_REGION},
    "secondary": {"replication_group_id": "sessions-usw2", "region": SECONDARY_REGION},
}


def test_failover_promotes_the_target_regions_replication_group(sim: Any) -> None:
    # Given the us-east-1 replication group is the datastore's primary
    action = seeded(sim, SPEC)
    assert [c.ok for c in action.safe_verify(make_ctx())] == [False, True]

    # When failing over
    result = fail_over(action)

    # Then the us-west-2 group is primary, promoted through us-west-2's API, and verified
    assert elasticache_ext.primary_of(sim, GLOBAL) == ("sessions-usw2", SECONDARY_REGION)
    assert [c.region for c in sim.calls if c.api == "elasticache.FailoverGlobalReplicationGroup"] == [SECONDARY_REGION]
    assert result.undo == [
        {
            "api": "elasticache.FailoverGlobalReplicationGroup",
            "region": PRIMARY_REGION,
            "GlobalReplicationGroupId": GLOBAL,
            "PrimaryRegion": PRIMARY_REGION,
            "PrimaryReplicationGroupId": "sessions-use1",
        }
    ]
    assert all(c.ok for c in action.safe_verify(make_ctx()))
    assert action.observe(make_ctx()).side == "secondary"


def test_failback_promotes_the_primary_regions_group_again(sim: Any) -> None:
    action = seeded(sim, SPEC)
    action.run(make_ctx())
    assert action.run(make_ctx("primary")).status == ActionStatus.CHANGED
    assert elasticache_ext.primary_of(sim, GLOBAL) == ("sessions-use1", PRIMARY_REGION)


def test_a_busy_datastore_is_refused_before_the_call(sim: Any) -> None:
    action = seeded(sim, SPEC)
    elasticache_ext.set_status(sim, GLOBAL, "modifying")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "modifying" in result.detail
    assert sim.count_calls("elasticache.FailoverGlobalReplicationGroup") == 0


def test_the_simulated_api_returns_elasticaches_errors(sim: Any) -> None:
    seeded(sim, SPEC)
    client = boto3.client("elasticache", SECONDARY_REGION)

    def code(**params: Any) -> str:
        with pytest.raises(ClientError) as err:
            client.failover_global_replication_group(**params)
        return str(err.value.response["Error"]["Code"])

    current = {"GlobalReplicationGroupId": GLOBAL, "PrimaryRegion": PRIMARY_REGION}
    assert code(**current, PrimaryReplicationGroupId="sessions-use1") == "InvalidParameterValue"
    assert code(**current, PrimaryReplicationGroupId="elsewhere") == "InvalidParameterValue"
    assert (
        code(GlobalReplicationGroupId="ldgnf-none", PrimaryRegion=SECONDARY_REGION, PrimaryReplicationGroupId="x")
        == "GlobalReplicationGroupNotFoundFault"
    )
    elasticache_ext.set_status(sim, GLOBAL, "modifying")
    assert (
        code(GlobalReplicationGroupId=GLOBAL, PrimaryRegion=SECONDARY_REGION, PrimaryReplicationGroupId="sessions-usw2")
        == "InvalidGlobalReplicationGroupState"
    )
    members = client.describe_global_replication_groups(GlobalReplicationGroupId=GLOBAL)["GlobalReplicationGroups"][0]
    assert "Members" not in members  # only with ShowMemberInfo, as ElastiCache answers


def test_it_depends_on_the_target_regions_elasticache_control_plane() -> None:
    [dep] = build_action(parse_spec(SPEC), "sessions").dependencies(make_ctx("primary"))
    assert (dep.plane, dep.service, dep.region) == ("control", "elasticache", PRIMARY_REGION)
