"""Choosing the target among several standbys: order, health, RPO budget and capacity, and refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from failover.checks.targets import CHOICE_CHECK, choose_target
from failover.config import get_env
from failover.errors import PlanError
from failover.models import Direction, FailoverRequest, Outcome, Source, Trigger
from failover.plan import load_plan_text
from failover.steps.validate import Gate

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "three-region.yaml"


@pytest.fixture
def three() -> Iterator[Any]:
    """The three-region world with the primary down and its trigger firing."""
    from failoverctl.sim.world import World

    with World(PLAN) as world:
        group = world.plan.group("shop")
        world.set_alarm("shop-primary-health", "us-east-1", "ALARM")
        world.set_side_health(group, "primary", 0.0)
        yield world


def request() -> FailoverRequest:
    return FailoverRequest(
        request_id="r-1",
        incident_id="shop-failover-test",
        group="shop",
        source=Source.ALARM,
        trigger=Trigger(alarm_name="shop-primary-health", region="us-east-1", state="ALARM"),
    )


def decide(world: Any) -> Any:
    return Gate(world.plan, get_env(), world.clients, world.store).evaluate(request(), owner="exec-1").decision


def choice_of(decision: Any) -> Any:
    return next(c for c in decision.checks if c.name == CHOICE_CHECK)


def break_side(world: Any, key: str) -> None:
    group = world.plan.group("shop")
    world.set_side_health(group, key, 5.0)
    for alarm in group.side(key).alarms:
        world.set_alarm(alarm.name, alarm.region, "ALARM")


def test_the_first_standby_that_can_take_the_group_is_chosen(three: Any) -> None:
    decision = decide(three)
    assert decision.outcome == Outcome.PROCEED
    assert (decision.source_side, decision.target_side) == ("primary", "secondary")
    choice = choice_of(decision)
    assert choice.ok and choice.values["chosen"] == "secondary" and choice.values["passed_over"] == []
    # the second standby was not even looked at: the first one qualified
    assert [c["side"] for c in choice.values["candidates"]] == ["secondary"]


def test_an_unhealthy_first_standby_is_passed_over_with_its_reason(three: Any) -> None:
    break_side(three, "secondary")
    decision = decide(three)
    assert decision.outcome == Outcome.PROCEED
    assert decision.target_side == "eu-west-1"
    passed = choice_of(decision).values["passed_over"]
    assert [p["side"] for p in passed] == ["secondary"]
    assert passed[0]["name"] == "us-west-2" and "shop-usw2-5xx" in passed[0]["reasons"][0]
    assert "eu-west-1" in decision.reason


def test_a_first_standby_over_the_rpo_budget_is_passed_over(three: Any) -> None:
    group = three.plan.group("shop")
    three.set_replication_lag(group, 31.0, side="secondary")  # budget 30 s
    decision = decide(three)
    assert decision.outcome == Outcome.PROCEED
    assert decision.target_side == "eu-west-1"
    passed = choice_of(decision).values["passed_over"][0]
    assert passed["lag_seconds"] == pytest.approx(31.0)
    assert "RPO budget" in passed["reasons"][0]
    lag = next(c for c in decision.checks if c.name == "replication lag within RPO budget")
    assert lag.values["region"] == "eu-west-1" and lag.ok


def test_a_first_standby_that_cannot_take_the_load_is_passed_over(three: Any) -> None:
    from failoverctl.sim.extensions import inventory
    from failoverctl.sim.readiness import EC2_VCPU_QUOTA

    # the fleet scales to 4 x t3.micro (2 vCPUs each): 8 vCPUs; us-west-2 allows 4, eu-west-1 allows 64
    inventory.set_quota(three.sim, "us-west-2", "ec2", EC2_VCPU_QUOTA, 4, "Running On-Demand Standard")
    inventory.set_quota(three.sim, "eu-west-1", "ec2", EC2_VCPU_QUOTA, 64, "Running On-Demand Standard")
    decision = decide(three)
    assert decision.target_side == "eu-west-1"
    passed = choice_of(decision).values["passed_over"][0]
    assert passed["side"] == "secondary" and "quota is 4" in passed["capacity"][0]


def test_when_no_standby_qualifies_the_first_healthy_one_is_chosen_and_the_gate_asks_a_person(three: Any) -> None:
    group = three.plan.group("shop")
    three.set_replication_lag(group, 45.0, side="secondary")
    three.set_replication_lag(group, 50.0, side="eu-west-1")
    decision = decide(three)
    assert decision.target_side == "secondary"
    choice = choice_of(decision)
    assert choice.ok is False and choice.blocking is False
    assert [c["side"] for c in choice.values["candidates"]] == ["secondary", "eu-west-1"]
    assert decision.outcome == Outcome.APPROVAL  # on_rpo_breach: approval
    assert "replication lag over the RPO budget" in decision.reason


def test_every_standby_unhealthy_refuses_and_names_each_reason(three: Any) -> None:
    break_side(three, "secondary")
    break_side(three, "eu-west-1")
    decision = decide(three)
    assert decision.outcome == Outcome.SKIP
    assert decision.lock_owner is None
    assert "no standby is healthy" in decision.reason
    assert "shop-usw2-5xx" in decision.reason and "shop-euw1-5xx" in decision.reason
    choice = choice_of(decision)
    assert choice.ok is False and choice.values["chosen"] is None
    assert [p["side"] for p in choice.values["passed_over"]] == ["secondary", "eu-west-1"]


def test_a_failback_returns_from_the_active_standby(three: Any) -> None:
    group = three.plan.group("shop")
    three.set_side_health(group, "primary", 100.0)
    choice = choose_target(group, Direction.FAILBACK, "eu-west-1", three.clients)
    assert (choice.source, choice.target) == ("eu-west-1", "primary")


def test_traffic_on_an_unhealthy_further_standby_is_not_moved_between_standbys(three: Any) -> None:
    group = three.plan.group("shop")
    break_side(three, "eu-west-1")
    choice = choose_target(group, Direction.FAILOVER, "eu-west-1", three.clients)
    assert choice.target is None and "fail back to the primary first" in choice.reason


# ------------------------------------------------------------------ the plan


STAGES = """    stages:
      - name: dns
        actions:
          - type: route53_records
            hosted_zone_id: Z1
            record_name: app.example.com
            primary: {values: [a.example.com]}
            secondary: {values: [b.example.com]}
"""

TWO_SIDED = (
    """
groups:
  - name: web
    primary: {name: a, region: us-east-1}
    secondary: {name: b, region: us-west-2}
"""
    + STAGES
)

THREE_SIDED = (
    """
groups:
  - name: web
    primary: {name: a, region: us-east-1}
    standbys:
      - {name: b, region: us-west-2}
      - {name: c, region: eu-west-1}
"""
    + STAGES
    + "            STANDBYS\n"
)


def test_a_two_sided_group_means_what_it_always_meant() -> None:
    group = load_plan_text(TWO_SIDED).group("web")
    assert group.standbys == [group.secondary]
    assert group.side_keys() == ["primary", "secondary"]
    assert group.sides_for("failover") == ("primary", "secondary")
    assert group.sides_for("failback") == ("secondary", "primary")


def test_standbys_list_the_secondary_first_and_name_the_others() -> None:
    group = load_plan_text(THREE_SIDED.replace("STANDBYS", "standbys: {c: {values: [c.example.com]}}")).group("web")
    assert group.secondary.name == "b"
    assert group.side_keys() == ["primary", "secondary", "c"]
    assert group.side("c").region == "eu-west-1"
    _stage, _name, spec = next(group.iter_actions())
    narrowed = spec.for_standby("c")
    assert narrowed.secondary.values == ["c.example.com"] and narrowed.primary == spec.primary
    assert spec.for_standby("secondary") is spec


@pytest.mark.parametrize(
    ("standbys", "message"),
    [
        ("", "missing: c"),
        ("standbys: {c: {values: [c.example.com]}, d: {values: [d.example.com]}}", "not a standby of the group: d"),
    ],
)
def test_an_action_must_give_settings_for_every_further_standby(standbys: str, message: str) -> None:
    with pytest.raises(PlanError) as err:
        load_plan_text(THREE_SIDED.replace("STANDBYS", standbys))
    assert message in err.value.message


def test_secondary_and_a_different_first_standby_conflict() -> None:
    first = "secondary: {name: b, region: us-west-2}"
    text = TWO_SIDED.replace(first, first + "\n    standbys: [{name: x, region: eu-west-1}]")
    with pytest.raises(PlanError) as err:
        load_plan_text(text)
    assert "not both" in err.value.message


def test_a_further_standby_may_not_take_a_reserved_name() -> None:
    text = THREE_SIDED.replace("{name: c, region: eu-west-1}", "{name: mixed, region: eu-west-1}").replace(
        "STANDBYS", "standbys: {mixed: {values: [c.example.com]}}"
    )
    with pytest.raises(PlanError) as err:
        load_plan_text(text)
    assert "reserved" in err.value.message
