"""aurora_capacity: raise the target cluster's Serverless v2 minimum and readers before traffic; never lower them."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from pydantic import ValidationError
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, fail_over, make_ctx, parse_spec, seeded

from failover.actions.aurora_capacity import size_rank
from failover.models import ActionStatus

SIDE = {"serverless_v2": {"min_acu": 8, "max_acu": 64}, "readers": {"count": 2, "instance_class": "db.r6g.xlarge"}}
SPEC = {
    "type": "aurora_capacity",
    "primary": {"cluster_identifier": "orders-use1", "region": PRIMARY_REGION, **SIDE},
    "secondary": {"cluster_identifier": "orders-usw2", "region": SECONDARY_REGION, **SIDE},
}


def _cluster(region: str, identifier: str) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("rds", region).describe_db_clusters(DBClusterIdentifier=identifier)[
        "DBClusters"
    ][0]
    return found


def _instances(region: str, identifier: str) -> dict[str, str]:
    found = boto3.client("rds", region).describe_db_instances(
        Filters=[{"Name": "db-cluster-id", "Values": [identifier]}]
    )["DBInstances"]
    return {i["DBInstanceIdentifier"]: i["DBInstanceClass"] for i in found}


def test_failover_raises_the_standby_clusters_capacity(sim: Any) -> None:
    # Given the standby cluster scales 0.5-8 ACU with one small reader of the action's name
    action = seeded(sim, SPEC)
    assert _instances(SECONDARY_REGION, "orders-usw2") == {
        "orders-usw2-writer": "db.serverless",
        "orders-usw2-failover-1": "db.t3.medium",
    }
    # When failing over
    result = fail_over(action)

    # Then it scales 8-64 ACU, the small reader is resized and a second one added; the writer is untouched
    assert _cluster(SECONDARY_REGION, "orders-usw2")["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": 8.0,
        "MaxCapacity": 64.0,
    }
    assert _instances(SECONDARY_REGION, "orders-usw2") == {
        "orders-usw2-writer": "db.serverless",
        "orders-usw2-failover-1": "db.r6g.xlarge",
        "orders-usw2-failover-2": "db.r6g.xlarge",
    }
    assert [u["api"] for u in result.undo] == ["rds.ModifyDBCluster", "rds.ModifyDBInstance", "rds.DeleteDBInstance"]
    assert result.undo[0]["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 8.0}
    assert result.undo[1]["DBInstanceClass"] == "db.t3.medium"
    assert result.region == SECONDARY_REGION
    assert action.observe(make_ctx()).side == "secondary"


def test_second_run_and_dry_run_change_nothing(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dry = action.run(make_ctx(dry_run=True))
    assert dry.status == ActionStatus.DRY_RUN
    assert len(dry.changes) == 3
    assert _instances(SECONDARY_REGION, "orders-usw2")["orders-usw2-failover-1"] == "db.t3.medium"
    action.run(make_ctx())
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED


def test_capacity_above_the_plan_is_never_lowered(sim: Any) -> None:
    # Given a standby already at 16-128 ACU with two large readers of other names
    action = seeded(sim, SPEC)
    rds = boto3.client("rds", SECONDARY_REGION)
    rds.modify_db_cluster(
        DBClusterIdentifier="orders-usw2",
        ServerlessV2ScalingConfiguration={"MinCapacity": 16, "MaxCapacity": 128},
        ApplyImmediately=True,
    )
    for name in ("reporting-1", "reporting-2"):
        rds.create_db_instance(
            DBInstanceIdentifier=name,
            DBClusterIdentifier="orders-usw2",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.4xlarge",
        )

    # Then nothing changes: more than enough is enough, and the small reader of the action's name stays
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert _cluster(SECONDARY_REGION, "orders-usw2")["ServerlessV2ScalingConfiguration"]["MinCapacity"] == 16.0
    assert _instances(SECONDARY_REGION, "orders-usw2")["orders-usw2-failover-1"] == "db.t3.medium"


def test_small_readers_it_does_not_own_are_left_alone(sim: Any) -> None:
    # Given readers named by the plan's prefix, and a small reader of another name
    readers = {"count": 2, "instance_class": "db.r6g.large", "identifier_prefix": "standby-"}
    action = seeded(sim, SPEC | {"secondary": SPEC["secondary"] | {"readers": readers}})
    boto3.client("rds", SECONDARY_REGION).create_db_instance(
        DBInstanceIdentifier="legacy-reader",
        DBClusterIdentifier="orders-usw2",
        Engine="aurora-postgresql",
        DBInstanceClass="db.t3.small",
    )

    # When failing over, then only the prefix's readers are resized or created
    action.run(make_ctx())
    instances = _instances(SECONDARY_REGION, "orders-usw2")
    assert (instances["standby-1"], instances["standby-2"]) == ("db.r6g.large", "db.r6g.large")
    assert instances["legacy-reader"] == "db.t3.small"


def test_a_cluster_that_is_not_available_is_refused(sim: Any) -> None:
    action = seeded(sim, SPEC)
    boto3.client("rds", SECONDARY_REGION).stop_db_cluster(DBClusterIdentifier="orders-usw2")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "not available" in result.detail
    assert _instances(SECONDARY_REGION, "orders-usw2")["orders-usw2-failover-1"] == "db.t3.medium"


def test_verify_sees_the_capacity_and_the_readers(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert [c.ok for c in action.safe_verify(make_ctx())] == [True, False, False]
    action.run(make_ctx())
    after = action.safe_verify(make_ctx())
    assert all(c.ok for c in after), after
    assert after[2].values == {"available": 2, "expected": 2}


def test_instance_sizes_are_ordered() -> None:
    classes = ["db.t3.micro", "db.t3.medium", "db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge", "db.r6g.16xlarge"]
    assert [size_rank(c) for c in classes] == sorted(size_rank(c) for c in classes)
    assert len({size_rank(c) for c in classes}) == len(classes)
    assert size_rank("db.serverless") > size_rank("db.r6g.24xlarge")


@pytest.mark.parametrize(
    "side",
    [
        {},  # neither serverless_v2 nor readers
        {"serverless_v2": {"min_acu": 0.3}},  # not a step of 0.5
        {"serverless_v2": {"min_acu": 16, "max_acu": 8}},
        {"readers": {"count": 0, "instance_class": "db.r6g.large"}},
        {"readers": {"count": 1, "instance_class": "r6g.large"}},
    ],
)
def test_a_side_that_says_nothing_or_nonsense_is_rejected(side: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_spec(SPEC | {"secondary": {"cluster_identifier": "orders-usw2", "region": SECONDARY_REGION, **side}})


def test_it_depends_on_the_target_regions_rds_control_plane() -> None:
    from failover.actions import build_action

    deps = build_action(parse_spec(SPEC), "db").dependencies(make_ctx())
    assert {(d.service, d.api, d.region) for d in deps} == {
        ("rds", "ModifyDBCluster", SECONDARY_REGION),
        ("rds", "CreateDBInstance / ModifyDBInstance", SECONDARY_REGION),
    }
