"""The local AWS's reset: each sample event meets the freshly built world, whatever ran before it,
with the metrics AWS publishes every minute as of now.

An earlier invocation can change the plan's resources for real (the execute function's sample input
switches web's DNS record to us-west-2); a reset that only forgot the incidents left that behind, so
the next event found web "already on the secondary side: nothing to do".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tests.conftest import load_event

ROOT = Path(__file__).resolve().parents[2]


def settled(world: Any) -> dict[str, Any]:
    from failoverctl.local.server import snapshot

    for _ in range(300):
        now = snapshot(world)
        if not any(e["status"] == "RUNNING" for e in now["executions"]):
            return now
        time.sleep(0.2)
    raise AssertionError("an execution is still running")


def record_target(world: Any) -> str:
    """Where web's record ``app.example.com`` points now."""
    r53 = world.clients.get("route53")
    zone = world.plan.group("web").stages[0].actions[0].hosted_zone_id
    sets = r53.list_resource_record_sets(HostedZoneId=zone, StartRecordName="app.example.com")["ResourceRecordSets"]
    return str(next(s for s in sets if s["Name"] == "app.example.com.")["ResourceRecords"][0]["Value"])


def test_reset_restores_the_world_an_earlier_invocation_changed() -> None:
    from failoverctl.local.server import reset
    from failoverctl.sim.checkpoint import Checkpoint
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        initial = Checkpoint.take(world)
        primary = record_target(world)
        # Given the execute function switched web's record
        switched = world.lambdas.invoke("ExecuteFunction", load_event("function_execute_input"))
        assert switched.error is None and switched.result["status"] == "changed"
        assert record_target(world) != primary
        # When the local AWS is reset
        reset(world, initial)
        # Then the record serves the primary again
        assert record_target(world) == primary
        # And an open AWS Health issue for EC2 in us-east-1 fails web over, as on a fresh world
        started = world.lambdas.invoke("TriggerFunction", load_event("health_account_specific_issue"))
        assert started.error is None and started.result["status"] == "started"
        assert settled(world)["message_subjects"] == [
            "Failover STARTED: web (primary us-east-1 -> secondary us-west-2)",
            "Failover SUCCEEDED: web (primary us-east-1 -> secondary us-west-2)",
        ]
        # And a second reset (the checkpoint is not changed by a restore) forgets that failover too:
        # no execution, incident or message, web active on its primary, its record on the primary
        reset(world, initial)
        after = settled(world)
        assert (after["executions"], after["message_subjects"]) == ([], [])
        assert not any(r.startswith("INCIDENT#") or "|CLAIM#" in r for r in after["records"])
        assert world.store.group_state("web").get("active_side") == "primary"
        assert record_target(world) == primary


def lag_samples(world: Any, group: str) -> int:
    """How many replication lag datapoints of ``group`` the last five minutes hold."""
    from datetime import UTC, datetime, timedelta

    rep = world.plan.group(group).replication
    namespace, metric, _ = rep.resolved()
    now = datetime.now(UTC)
    points = world.clients.get("cloudwatch", rep.region).get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in rep.dimensions.items()],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
        Period=3600,
        Statistics=["SampleCount"],
    )["Datapoints"]
    return int(sum(p["SampleCount"] for p in points))


def test_reset_publishes_the_replication_lag_as_of_now() -> None:
    from failover.checks.replication_lag import replication_lag
    from failoverctl.local.server import reset
    from failoverctl.sim.checkpoint import Checkpoint
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        initial = Checkpoint.take(world)
        # Given the one datapoint the world seeded when it was built (it leaves the look-back window
        # of the lag check after a few minutes of serving)
        assert lag_samples(world, "api") == 1
        # When the local AWS is reset
        reset(world, initial)
        # Then the lag is published again, as AWS does every minute, and the check proves it
        assert lag_samples(world, "api") == 2
        check = replication_lag(world.plan.group("api"), world.clients)
        assert check.ok, check.detail
