"""One-way doors: traffic returns to a side a one-way action left only once that side is re-protected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from failover.checks.reprotection import NAME, reprotection
from failover.config import get_env
from failover.models import FailoverRequest, Outcome, Source, Trigger
from failover.steps.validate import Gate

ROOT = Path(__file__).resolve().parents[2]
PROMOTION = {
    "name": "orders-db",
    "action": "rds_promote_replica",
    "from_side": "primary",
    "to_side": "secondary",
    "incident_id": "orders-failover-1",
    "reprotect": "recreate orders-db as a replica of orders-db-replica",
}


@pytest.fixture
def promoted(tmp_path: Path) -> Iterator[Any]:
    """The orders group failed over by promoting its replica; automatic failback allowed by the plan."""
    from failoverctl.scenarios.base import already_failed_over
    from failoverctl.sim.world import World

    doc = yaml.safe_load((ROOT / "plans" / "replica-promotion.yaml").read_text())
    doc["groups"][0]["safety"]["failback"] = {"mode": "automatic", "healthy_for_seconds": 60}
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc))
    with World(path) as world:
        group = world.plan.group("orders")
        already_failed_over(world, group, None)  # type: ignore[arg-type]
        world.store.set_active("orders", "secondary", "orders-failover-1", failover=False)
        world.store.record_one_way("orders", PROMOTION)
        world.set_side_health(group, "primary", 100.0)
        yield world


def failback(source: str) -> FailoverRequest:
    return FailoverRequest(
        request_id="r-1",
        incident_id="orders-failback-test",
        group="orders",
        direction="failback",
        source=Source(source),
        trigger=Trigger(alarm_name="orders-primary-health", region="us-east-1", state="OK"),
    )


def decide(world: Any, source: str) -> Any:
    return Gate(world.plan, get_env(), world.clients, world.store).evaluate(failback(source), owner="exec-1").decision


def test_an_automatic_failback_to_an_unprotected_side_is_refused_with_the_reason(promoted: Any) -> None:
    decision = decide(promoted, "alarm")
    assert decision.outcome == Outcome.SKIP
    assert "refusing to send traffic back" in decision.reason
    assert "re-protection needs: recreate orders-db" in decision.reason
    [found] = [c for c in decision.checks if c.name == NAME]
    assert found.ok is False
    assert found.values["actions"]["orders-db"]["replication_source"] is None


def test_a_person_s_failback_to_an_unprotected_side_needs_approval(promoted: Any) -> None:
    decision = decide(promoted, "manual")
    assert decision.outcome == Outcome.APPROVAL
    assert "standalone writer, not a replica" in decision.reason


@pytest.mark.parametrize(("lag", "ok"), [(30.5, False), (30.0, True)])
def test_a_rebuilt_replica_counts_once_its_lag_is_proven_within_the_budget(promoted: Any, lag: float, ok: bool) -> None:
    # Given the old writer rebuilt as a replica of the promoted one, but no ReplicaLag reported yet
    rds_w = promoted.clients.get("rds", "us-west-2")
    arn = rds_w.describe_db_instances(DBInstanceIdentifier="orders-db-replica")["DBInstances"][0]["DBInstanceArn"]
    rds_e = promoted.clients.get("rds", "us-east-1")
    rds_e.delete_db_instance(DBInstanceIdentifier="orders-db", SkipFinalSnapshot=True)
    rds_e.create_db_instance_read_replica(DBInstanceIdentifier="orders-db", SourceDBInstanceIdentifier=arn)
    # Then the check says catching up is not proven
    decision = decide(promoted, "alarm")
    [found] = [c for c in decision.checks if c.name == NAME]
    assert found.ok is False and "catching up is not proven" in found.detail
    # When the lag is reported just over, or at, the budget (30 s)
    promoted.clients.get("cloudwatch", "us-east-1").put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "ReplicaLag",
                "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": "orders-db"}],
                "Value": lag,
            }
        ],
    )
    # Then it counts only within the budget, and the failback goes ahead only then
    decision = decide(promoted, "alarm")
    found = next(c for c in decision.checks if c.name == NAME)
    assert found.ok is ok, found.detail
    assert found.values["actions"]["orders-db"]["lag_seconds"] == lag
    assert (decision.outcome == Outcome.SKIP and "refusing to send traffic back" in decision.reason) is not ok


def test_no_entry_for_the_side_means_no_check(promoted: Any) -> None:
    group = promoted.plan.group("orders")
    assert reprotection(group, [PROMOTION], "secondary", promoted.clients) is None
    assert reprotection(group, [], "primary", promoted.clients) is None


def test_the_store_keeps_one_entry_per_action_and_forgets_a_side_traffic_returned_to(promoted: Any) -> None:
    store = promoted.store
    store.record_one_way("orders", {**PROMOTION, "incident_id": "orders-failover-2"})
    assert [e["incident_id"] for e in store.one_way("orders")] == ["orders-failover-2"]
    store.clear_one_way("orders", "secondary")
    assert len(store.one_way("orders")) == 1
    store.clear_one_way("orders", "primary")
    assert store.one_way("orders") == []


class _GlobalClusters:
    def __init__(self, members: list[dict[str, Any]], status: str = "available") -> None:
        self.found = {"GlobalClusterIdentifier": "g", "Status": status, "GlobalClusterMembers": members}

    def get(self, service: str, region: str) -> Any:
        return self

    def describe_global_clusters(self, **_: Any) -> dict[str, Any]:
        return {"GlobalClusters": [self.found]}


@pytest.mark.parametrize(
    ("members", "status", "ok", "says"),
    [
        ([], "available", False, "not a member"),
        ([{"DBClusterArn": "arn-p", "IsWriter": True}], "available", False, "is the writer"),
        (
            [{"DBClusterArn": "arn-p", "IsWriter": False, "SynchronizationStatus": "pending-resync"}],
            "available",
            False,
            "not in sync",
        ),
        ([{"DBClusterArn": "arn-p", "IsWriter": False}], "failing-over", False, "not in sync"),
        (
            [{"DBClusterArn": "arn-p", "IsWriter": False, "SynchronizationStatus": "connected"}],
            "available",
            True,
            "secondary of g again",
        ),
    ],
)
def test_a_global_cluster_failover_with_data_loss_needs_the_old_writer_back_in_sync(
    members: list[dict[str, Any]], status: str, ok: bool, says: str
) -> None:
    from failover.plan import load_plan_text

    doc = yaml.safe_load((ROOT / "plans" / "replica-promotion.yaml").read_text())
    doc["groups"][0]["stages"][0]["actions"] = [
        {
            "type": "aurora_global",
            "name": "orders-aurora",
            "global_cluster_identifier": "g",
            "allow_data_loss": True,
            "primary": {"cluster_arn": "arn-p", "region": "us-east-1"},
            "secondary": {"cluster_arn": "arn-s", "region": "us-west-2"},
        }
    ]
    group = load_plan_text(yaml.safe_dump(doc), "plan.yaml").group("orders")
    entry = {**PROMOTION, "name": "orders-aurora", "action": "aurora_global"}
    found = reprotection(group, [entry], "primary", _GlobalClusters(members, status))  # type: ignore[arg-type]
    assert found is not None
    assert found.ok is ok
    assert says in found.detail
