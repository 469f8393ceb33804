"""Aurora global databases between any two regions, and the errors RDS documents for their preconditions."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.rds.models import rds_backends
from tests.unit.actions.helpers import ACCOUNT, global_cluster_spec, make_ctx, seeded

from failover.models import ActionStatus
from failoverctl.sim.extensions import aurora as aurora_ext

EU_WEST, EU_CENTRAL = "eu-west-1", "eu-central-1"
SPEC, PRIMARY_ARN, SECONDARY_ARN = global_cluster_spec(
    "aurora_global", "orders-global", (EU_WEST, "orders-euw1"), (EU_CENTRAL, "orders-euc1")
)


def _code(err: pytest.ExceptionInfo[ClientError]) -> str:
    return str(err.value.response["Error"]["Code"])


def _status(err: pytest.ExceptionInfo[ClientError]) -> int:
    return int(err.value.response["ResponseMetadata"]["HTTPStatusCode"])


def test_a_global_database_with_its_primary_outside_us_east_1_switches_over(sim: Any) -> None:
    # Given a global database whose primary is in eu-west-1 and secondary in eu-central-1
    action = seeded(sim, SPEC)
    ctx = make_ctx(primary_region=EU_WEST, secondary_region=EU_CENTRAL)
    assert action.observe(ctx).side == "primary"

    # When failing over
    result = action.run(ctx)

    # Then the eu-central-1 cluster writes, switched over from its own region, and verification agrees
    assert result.status == ActionStatus.CHANGED
    assert [c.region for c in sim.calls if c.api == "rds.SwitchoverGlobalCluster"] == [EU_CENTRAL]
    assert aurora_ext.writer_arn("orders-global") == SECONDARY_ARN
    assert all(check.ok for check in action.verify(ctx))


def test_create_global_cluster_takes_a_source_in_any_region(sim: Any) -> None:
    rds = boto3.client("rds", region_name="ap-southeast-2")
    arn = rds.create_db_cluster(
        DBClusterIdentifier="syd", Engine="aurora-postgresql", MasterUsername="u", MasterUserPassword="password-1"
    )["DBCluster"]["DBClusterArn"]

    created = rds.create_global_cluster(GlobalClusterIdentifier="apac", SourceDBClusterIdentifier=arn)

    assert created["GlobalCluster"]["GlobalClusterMembers"] == [{"DBClusterArn": arn, "IsWriter": True}]
    described = boto3.client("rds", region_name="us-east-1").describe_global_clusters(GlobalClusterIdentifier="apac")
    assert described["GlobalClusters"][0]["GlobalClusterMembers"][0]["DBClusterArn"] == arn
    with pytest.raises(ClientError) as again:
        rds.create_global_cluster(GlobalClusterIdentifier="apac", SourceDBClusterIdentifier=arn)
    assert _code(again) == "GlobalClusterAlreadyExistsFault"
    with pytest.raises(ClientError) as member:
        rds.create_global_cluster(GlobalClusterIdentifier="apac-2", SourceDBClusterIdentifier=arn)
    assert _code(member) == "InvalidDBClusterStateFault"
    with pytest.raises(ClientError) as missing:
        rds.create_global_cluster(
            GlobalClusterIdentifier="apac-3",
            SourceDBClusterIdentifier=f"arn:aws:rds:ap-southeast-2:{ACCOUNT}:cluster:nowhere",
        )
    assert (_code(missing), _status(missing)) == ("DBClusterNotFoundFault", 404)


def test_switchover_to_a_cluster_that_is_not_a_secondary_is_refused(sim: Any) -> None:
    # Given the global database, and a standalone cluster in the secondary region
    seeded(sim, SPEC)
    rds = boto3.client("rds", region_name=EU_CENTRAL)
    stray = rds.create_db_cluster(
        DBClusterIdentifier="stray", Engine="aurora-postgresql", MasterUsername="u", MasterUserPassword="password-1"
    )["DBCluster"]["DBClusterArn"]

    # When switching over to it, to the current primary, or to a cluster that does not exist
    with pytest.raises(ClientError) as not_member:
        rds.switchover_global_cluster(GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=stray)
    with pytest.raises(ClientError) as primary:
        rds.switchover_global_cluster(GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=PRIMARY_ARN)
    with pytest.raises(ClientError) as missing:
        rds.switchover_global_cluster(
            GlobalClusterIdentifier="orders-global",
            TargetDbClusterIdentifier=f"arn:aws:rds:{EU_CENTRAL}:{ACCOUNT}:cluster:nowhere",
        )

    # Then RDS's documented errors, and the writer has not moved
    assert _code(not_member) == "InvalidDBClusterStateFault"
    assert "not a secondary" in str(not_member.value)
    assert _code(primary) == "InvalidDBClusterStateFault"
    assert (_code(missing), _status(missing)) == ("DBClusterNotFoundFault", 404)
    assert aurora_ext.writer_arn("orders-global") == PRIMARY_ARN


def test_switchover_needs_an_available_global_cluster_and_members(sim: Any) -> None:
    seeded(sim, SPEC)
    rds = boto3.client("rds", region_name=EU_CENTRAL)

    aurora_ext.set_status("orders-global", "modifying")
    with pytest.raises(ClientError) as busy:
        rds.switchover_global_cluster(GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=SECONDARY_ARN)
    aurora_ext.set_status("orders-global", "available")
    rds_backends[ACCOUNT][EU_WEST].clusters["orders-euw1"].status = "inaccessible-encryption-credentials"
    with pytest.raises(ClientError) as impaired:
        rds.switchover_global_cluster(GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=SECONDARY_ARN)
    with pytest.raises(ClientError) as unknown:
        rds.switchover_global_cluster(GlobalClusterIdentifier="nowhere", TargetDbClusterIdentifier=SECONDARY_ARN)
    with pytest.raises(ClientError) as both:
        rds.failover_global_cluster(
            GlobalClusterIdentifier="orders-global",
            TargetDbClusterIdentifier=SECONDARY_ARN,
            AllowDataLoss=True,
            Switchover=True,
        )

    assert _code(busy) == "InvalidGlobalClusterStateFault"
    assert _code(impaired) == "InvalidGlobalClusterStateFault"
    assert (_code(unknown), _status(unknown)) == ("GlobalClusterNotFoundFault", 404)
    assert _code(both) == "InvalidParameterCombination"
    assert aurora_ext.writer_arn("orders-global") == PRIMARY_ARN
    # a failover that allows data loss still promotes the secondary while the old writer is impaired
    rds.failover_global_cluster(
        GlobalClusterIdentifier="orders-global", TargetDbClusterIdentifier=SECONDARY_ARN, AllowDataLoss=True
    )
    assert aurora_ext.writer_arn("orders-global") == SECONDARY_ARN
