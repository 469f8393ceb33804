"""docdb_global_cluster: DocumentDB switchover; failover with data loss only when allowed, as the policy says."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.unit.actions.helpers import (
    PRIMARY_REGION,
    SECONDARY_REGION,
    global_cluster_spec,
    make_ctx,
    parse_spec,
    put_lag,
    seeded,
)

from failover.actions import build_action
from failover.actions.escalation import NOT_ALLOWED
from failover.models import ActionStatus
from failoverctl.sim.extensions import docdb as docdb_ext
from failoverctl.sim.extensions.outage import impair_region

ACCOUNT = "210987654321"  # DocumentDB lives in the extension: any account's ARNs work unchanged
SPEC, PRIMARY_ARN, SECONDARY_ARN = global_cluster_spec(
    "docdb_global_cluster",
    "catalog-global",
    (PRIMARY_REGION, "catalog-use1"),
    (SECONDARY_REGION, "catalog-usw2"),
    account=ACCOUNT,
)


def test_switchover_through_the_docdb_api_of_the_target_region(sim: Any) -> None:
    # Given the primary cluster writes and both are available
    action = seeded(sim, SPEC)
    assert action.observe(make_ctx()).side == "primary"

    # When failing over
    result = action.run(make_ctx())

    # Then DocumentDB (not RDS) switched over, from the target region, with no data loss
    assert result.status == ActionStatus.CHANGED
    assert "no data loss" in result.detail
    assert [c.region for c in sim.calls if c.api == "docdb.SwitchoverGlobalCluster"] == [SECONDARY_REGION]
    assert sim.count_calls("rds.SwitchoverGlobalCluster") == 0
    assert docdb_ext.writer_arn(sim, "catalog-global") == SECONDARY_ARN
    assert result.undo == [
        {
            "api": "docdb.SwitchoverGlobalCluster",
            "region": PRIMARY_REGION,
            "GlobalClusterIdentifier": "catalog-global",
            "TargetDbClusterIdentifier": PRIMARY_ARN,
        }
    ]
    assert all(c.ok for c in action.safe_verify(make_ctx()))


def test_second_run_dry_run_and_failback(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert action.run(make_ctx(dry_run=True)).status == ActionStatus.DRY_RUN
    assert docdb_ext.writer_arn(sim, "catalog-global") == PRIMARY_ARN
    assert action.run(make_ctx()).status == ActionStatus.CHANGED
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert action.run(make_ctx("primary")).status == ActionStatus.CHANGED
    assert docdb_ext.writer_arn(sim, "catalog-global") == PRIMARY_ARN


def test_an_impaired_writer_without_permission_for_data_loss_fails_saying_why(sim: Any) -> None:
    action = seeded(sim, SPEC)
    docdb_ext.set_cluster_status(sim, PRIMARY_ARN, "inaccessible-encryption-credentials")
    result = action.run(make_ctx(escalation="automatic"))
    assert (result.status, result.error) == (ActionStatus.FAILED, NOT_ALLOWED)
    assert "allow_data_loss" in result.detail
    assert result.escalation is not None and result.escalation.tried == "docdb.SwitchoverGlobalCluster"
    assert result.escalation.refused.startswith("InvalidGlobalClusterStateFault")
    assert docdb_ext.writer_arn(sim, "catalog-global") == PRIMARY_ARN


def test_an_impaired_writer_region_escalates_to_a_data_loss_failover_with_the_lag_estimate(sim: Any) -> None:
    # Given the writer's region is impaired, the plan allows data loss and the target lags 1.5 s
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    impair_region(sim, PRIMARY_REGION)
    put_lag("AWS/DocDB", "GlobalClusterReplicationLag", "catalog-usw2", 1500.0)

    # When the group's policy is to escalate automatically
    result = action.run(make_ctx(escalation="automatic"))

    # Then the switchover was tried and refused, and the failover with data loss promoted the target
    assert result.status == ActionStatus.CHANGED
    assert sim.count_calls("docdb.SwitchoverGlobalCluster") == 1
    assert sim.state[docdb_ext.DATA_LOSS] == [{"from": PRIMARY_ARN, "to": SECONDARY_ARN}]
    assert result.escalation is not None
    assert (result.escalation.outcome, result.escalation.estimated_data_loss_seconds) == ("escalated", 1.5)
    assert "GlobalClusterReplicationLag" in result.escalation.estimate
    assert result.one_way is not None and PRIMARY_ARN in result.one_way


def test_a_target_that_is_not_available_is_refused(sim: Any) -> None:
    action = seeded(sim, SPEC)
    docdb_ext.set_cluster_status(sim, SECONDARY_ARN, "upgrading")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "not ready" in result.detail


def test_the_simulated_api_returns_documentdbs_errors(sim: Any) -> None:
    seeded(sim, SPEC)
    docdb = boto3.client("docdb", SECONDARY_REGION)
    with pytest.raises(ClientError) as missing:
        docdb.describe_global_clusters(GlobalClusterIdentifier="nope")
    assert missing.value.response["Error"]["Code"] == "GlobalClusterNotFoundFault"
    with pytest.raises(ClientError) as current:
        docdb.switchover_global_cluster(GlobalClusterIdentifier="catalog-global", TargetDbClusterIdentifier=PRIMARY_ARN)
    assert current.value.response["Error"]["Code"] == "InvalidDBClusterStateFault"
    impair_region(sim, PRIMARY_REGION)
    with pytest.raises(ClientError) as impaired:
        docdb.switchover_global_cluster(
            GlobalClusterIdentifier="catalog-global", TargetDbClusterIdentifier=SECONDARY_ARN
        )
    assert impaired.value.response["Error"]["Code"] == "InvalidGlobalClusterStateFault"
    assert PRIMARY_ARN in impaired.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as both:
        docdb.failover_global_cluster(
            GlobalClusterIdentifier="catalog-global",
            TargetDbClusterIdentifier=SECONDARY_ARN,
            AllowDataLoss=True,
            Switchover=True,
        )
    assert both.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as unknown:
        docdb.describe_db_clusters(DBClusterIdentifier="nope")
    assert unknown.value.response["Error"]["Code"] == "DBClusterNotFoundFault"


def test_a_refused_switchover_is_a_failed_result(sim: Any) -> None:
    action = seeded(sim, SPEC)
    sim.inject("docdb.SwitchoverGlobalCluster", "error", code="InvalidGlobalClusterStateFault")
    result = action.run(make_ctx())
    assert (result.status, result.error) == (ActionStatus.FAILED, "InvalidGlobalClusterStateFault")


def test_it_depends_on_the_target_regions_docdb_control_plane() -> None:
    action = build_action(parse_spec(SPEC), "catalog")
    [dep] = action.dependencies(make_ctx())
    assert (dep.plane, dep.service, dep.api, dep.region) == (
        "control",
        "docdb",
        "SwitchoverGlobalCluster",
        SECONDARY_REGION,
    )
