"""docdb_global_cluster: DocumentDB switchover; failover with data loss only when allowed and approved."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.unit.actions.helpers import (
    PRIMARY_REGION,
    SECONDARY_REGION,
    fail_over,
    global_cluster_spec,
    make_ctx,
    parse_spec,
    seeded,
)

from failover.actions import build_action
from failover.models import ActionStatus
from failoverctl.sim.extensions import docdb as docdb_ext

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
    # When failing over
    result = fail_over(action)

    # Then DocumentDB (not RDS) switched over, from the target region, with no data loss
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
    result = action.run(make_ctx(approved=True))
    assert (result.status, result.error) == (ActionStatus.FAILED, "DataLossNotAllowed")
    assert "allow_data_loss" in result.detail
    assert docdb_ext.writer_arn(sim, "catalog-global") == PRIMARY_ARN


def test_allowed_and_approved_data_loss_fails_over(sim: Any) -> None:
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    docdb_ext.set_cluster_status(sim, PRIMARY_ARN, "inaccessible-encryption-credentials")
    assert action.run(make_ctx()).status == ActionStatus.FAILED  # not approved
    result = action.run(make_ctx(approved=True))
    assert result.status == ActionStatus.CHANGED
    assert sim.state[docdb_ext.DATA_LOSS] == [{"from": PRIMARY_ARN, "to": SECONDARY_ARN}]


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


def test_it_depends_on_the_target_regions_docdb_control_plane() -> None:
    action = build_action(parse_spec(SPEC), "catalog")
    [dep] = action.dependencies(make_ctx())
    assert (dep.plane, dep.service, dep.api, dep.region) == (
        "control",
        "docdb",
        "SwitchoverGlobalCluster",
        SECONDARY_REGION,
    )
