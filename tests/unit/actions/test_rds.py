"""rds_instance_failover, rds_cluster_failover, rds_promote_replica."""

from __future__ import annotations

from typing import Any

import boto3
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, fail_over, make_ctx, seeded

from failover.models import ActionStatus

INSTANCE = {
    "type": "rds_instance_failover",
    "region": PRIMARY_REGION,
    "db_instance_identifier": "orders-db",
    "primary": {"availability_zone": "us-east-1a"},
    "secondary": {"availability_zone": "us-east-1b"},
}
CLUSTER = {
    "type": "rds_cluster_failover",
    "region": PRIMARY_REGION,
    "db_cluster_identifier": "orders-cluster",
    "primary": {"instance_identifier": "orders-1"},
    "secondary": {"instance_identifier": "orders-2"},
}
REPLICA = {
    "type": "rds_promote_replica",
    "primary": {"identifier": "ledger", "region": PRIMARY_REGION},
    "secondary": {"identifier": "ledger-replica", "region": SECONDARY_REGION},
}


def _az(identifier: str) -> str:
    rds = boto3.client("rds", PRIMARY_REGION)
    return str(rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["AvailabilityZone"])


# ---------------------------------------------------------------- Multi-AZ DB instance


def test_instance_failover_moves_the_writer_to_the_target_zone(sim: Any) -> None:
    # Given the writer runs in the primary's zone
    action = seeded(sim, INSTANCE)
    # When failing over
    result = fail_over(action)

    # Then a reboot with failover moved it, and the undo is another forced failover
    assert _az("orders-db") == "us-east-1b"
    assert result.undo[0]["ForceFailover"] is True
    assert all(c.ok for c in action.safe_verify(make_ctx()))


def test_instance_failover_of_a_single_az_instance_fails(sim: Any) -> None:
    # Given a Single-AZ instance
    boto3.client("rds", PRIMARY_REGION).create_db_instance(
        DBInstanceIdentifier="single",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        MasterUsername="u",
        MasterUserPassword="password-1",
        AvailabilityZone="us-east-1a",
    )
    action = seeded(sim, INSTANCE | {"db_instance_identifier": "single"})

    # When failing over, then it fails saying why, without a reboot
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "not Multi-AZ" in result.detail
    assert sim.count_calls("rds.RebootDBInstance") == 0


def test_instance_missing_is_a_failed_result(sim: Any) -> None:
    # Given a plan naming an instance that does not exist
    action = seeded(sim, INSTANCE)
    action.spec = action.spec.model_copy(update={"db_instance_identifier": "nope"})

    # When failing over, then the result fails with RDS's error and verification fails
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "DBInstanceNotFound"
    assert not any(c.ok for c in action.safe_verify(make_ctx()))


# ---------------------------------------------------------------- DB cluster


def test_cluster_failover_to_the_named_instance(sim: Any) -> None:
    # Given orders-1 is the writer
    action = seeded(sim, CLUSTER)
    assert not all(c.ok for c in action.safe_verify(make_ctx()))

    # When failing over
    result = fail_over(action)

    # Then orders-2 writes; the undo fails back to orders-1
    assert action.observe(make_ctx()).side == "secondary"
    assert result.undo[0]["TargetDBInstanceIdentifier"] == "orders-1"
    assert all(c.ok for c in action.safe_verify(make_ctx()))


# ---------------------------------------------------------------- replica promotion


def test_promote_instance_replica(sim: Any) -> None:
    # Given ledger-replica (us-west-2) replicates ledger (us-east-1)
    action = seeded(sim, REPLICA)
    assert not all(c.ok for c in action.safe_verify(make_ctx()))

    # When failing over
    result = fail_over(action)

    # Then the replica is a standalone writer; the undo says a promotion cannot be reversed
    assert result.region == SECONDARY_REGION
    assert "cannot be reversed" in result.undo[0]["note"]
    assert all(c.ok for c in action.safe_verify(make_ctx()))
    assert action.observe(make_ctx()).side == "mixed"  # both writable until the old one is rebuilt


def test_promote_cluster_replica(sim: Any) -> None:
    spec = {
        "type": "rds_promote_replica",
        "primary": {"identifier": "ledger-c", "region": PRIMARY_REGION, "kind": "cluster"},
        "secondary": {"identifier": "ledger-c-replica", "region": SECONDARY_REGION, "kind": "cluster"},
    }
    action = seeded(sim, spec)
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert all(c.ok for c in action.safe_verify(make_ctx()))
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
