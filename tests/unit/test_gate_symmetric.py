"""The gate of symmetric stacks: each stack proceeds only to activate its own region, through the lease."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from failover.config import Env
from failover.infra.lease import Activation, Lease
from failover.models import FailoverRequest, Outcome, Source, Trigger
from failover.steps.validate import SHARED_COOLDOWN, Gate

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


def test_the_cooldown_is_shared_through_the_lease_so_no_stack_acts_twice_for_one_incident(world: Any) -> None:
    # Given an execution (exec-1 above) activated us-west-2 and released the lease, recording it; this
    # stack's own table knows nothing of it (another stack of the plan could have run it)
    lease = Lease(world.plan.settings.lease, world.clients)
    holder = next(v.item for v in lease.read("web") if v.item.get("owner"))
    assert lease.release("web", holder["owner"], int(holder["token"]), Activation("secondary", "us-west-2", "inc-1"))
    assert "last_failover_epoch" not in world.sites["us-west-2"].store.group_state_and_settings("web")[0]
    # When the alarm of the same outage starts another execution
    late = gate(world, "us-west-2").evaluate(request("inc-1-late"), owner="exec-3")
    # Then the gate, granted the lease, finds the group's last activation within the cooldown and stands down
    assert late.decision.outcome == Outcome.SKIP
    shared = next(c for c in late.decision.checks if c.name == SHARED_COOLDOWN)
    assert shared.ok is False and shared.values["last_activation"]["activated_incident"] == "inc-1"
    assert late.decision.reason.startswith("the stack in us-west-2 activated secondary for incident inc-1")
    # and it gives the lease back: a person may still fail over within the cooldown
    assert late.decision.lease_token is None
    assert not any(v.item.get("owner") for v in lease.read("web"))
    manual = gate(world, "us-west-2").evaluate(
        FailoverRequest(request_id="by-hand", group="web", source=Source.MANUAL, requested_by="sre@example.com"),
        owner="exec-4",
    )
    assert next(c for c in manual.decision.checks if c.name == SHARED_COOLDOWN).ok is True
