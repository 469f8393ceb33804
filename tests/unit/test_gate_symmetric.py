"""The gate of symmetric stacks: each stack proceeds only to activate its own region, through the lease."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from failover.config import Env
from failover.infra.lease import Lease
from failover.models import FailoverRequest, Outcome, Source, Trigger
from failover.steps.validate import Gate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def world() -> Iterator[Any]:
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "symmetric.yaml", region="us-west-2") as w:
        group = w.plan.group("web")
        w.set_alarm("web-primary-probe", "us-west-2", "ALARM")
        w.set_side_health(group, "primary", 0.0)
        yield w


def gate(world: Any, region: str) -> Gate:
    site = world.sites[region]
    env = Env.model_validate(site.env)
    return Gate(world.plan, env, world.clients, site.store)


def request(incident: str) -> FailoverRequest:
    return FailoverRequest(
        request_id=incident,
        incident_id=incident,
        group="web",
        source=Source.ALARM,
        trigger=Trigger(alarm_name="web-primary-probe", region="us-west-2", state="ALARM"),
    )


def test_the_stack_outside_the_target_region_stands_down_and_takes_no_lease(world: Any) -> None:
    # Given the primary is down, When the us-east-1 stack's gate sees a failover to us-west-2
    result = gate(world, "us-east-1").evaluate(request("inc-east"), owner="exec-east")
    # Then it stands down, saying which stack acts instead, before any lock or rate slot
    assert result.decision.outcome == Outcome.SKIP
    assert result.decision.reason.startswith("standing down: the target side secondary is in us-west-2")
    names = [c.name for c in result.decision.checks]
    assert names[-1] == "target is this stack's region" and "group lock" not in names
    lease = Lease(world.plan.settings.lease, world.clients)
    assert not any(v.item.get("owner") for v in lease.read("web"))


def test_the_target_regions_stack_proceeds_with_a_lease_token_and_a_second_execution_is_refused(world: Any) -> None:
    west = gate(world, "us-west-2")
    first = west.evaluate(request("inc-1"), owner="exec-1")
    assert first.decision.outcome == Outcome.PROCEED
    assert (first.decision.lock_owner, first.decision.lease_token) == ("exec-1", 1)
    second = west.evaluate(request("inc-2"), owner="exec-2")
    assert second.decision.outcome == Outcome.SKIP
    lock = next(c for c in second.decision.checks if c.name == "group lock")
    assert lock.ok is False and lock.values["owner"] == "exec-1" and lock.values["token"] == 1
    assert second.decision.lease_token is None
