"""The safety gate at its thresholds: just under, at, and just over each limit."""

from __future__ import annotations

import time
from typing import Any

import pytest

from failover.config import get_env
from failover.models import FailoverRequest, Outcome, Source, Trigger
from failover.steps.validate import Gate


def request(group: str = "web", source: str = "alarm", alarm: str | None = None, **kw: Any) -> FailoverRequest:
    return FailoverRequest(
        request_id="r-1",
        incident_id=f"{group}-failover-test",
        group=group,
        source=Source(source),
        trigger=Trigger(alarm_name=alarm or f"{group}-primary-health", region="us-east-1", state="ALARM"),
        **kw,
    )


def evaluate(world: Any, req: FailoverRequest, owner: str = "exec-1") -> Any:
    return Gate(world.plan, get_env(), world.clients, world.store).evaluate(req, owner=owner)


def check(result: Any, name: str) -> Any:
    return next(c for c in result.decision.checks if c.name == name)


@pytest.fixture
def firing(world: Any) -> Any:
    for g in world.plan.groups:
        world.set_alarm(f"{g.name}-primary-health", "us-east-1", "ALARM")
        world.set_side_health(g, "primary", 0.0)
    return world


def test_all_checks_pass_and_every_check_is_reported(firing: Any) -> None:
    result = evaluate(firing, request())
    assert result.decision.outcome == Outcome.PROCEED
    names = [c.name for c in result.decision.checks]
    assert names == [
        "automation enabled",
        "trigger still firing",
        "target side healthy",
        "cooldown",
        "not already on target",
        "replication lag within RPO budget",
        "approval policy",
        "group lock",
        "global rate limit",
    ]
    assert result.decision.lock_owner == "exec-1"
    assert result.to_json()["run"]["stages"] == [
        {"name": "dns", "actions": [{"name": "web-dns", "type": "route53_records"}]}
    ]


@pytest.mark.parametrize(("percent", "ok"), [(43.75, False), (50.0, True), (56.25, True)])
def test_target_quorum_at_its_threshold(firing: Any, percent: float, ok: bool) -> None:
    group = firing.plan.group("web")  # quorum 50% of 16 checkers: 7 is under, 8 is at, 9 is over
    firing.set_side_health(group, "secondary", percent)
    result = evaluate(firing, request())
    target = check(result, "target side healthy")
    assert target.ok is ok
    assert result.decision.outcome == (Outcome.PROCEED if ok else Outcome.SKIP)
    hc = next(iter(target.values["health_checks"].values()))
    assert hc["checkers"] == 16 and hc["healthy"] == round(16 * percent / 100)


def test_target_alarm_in_alarm_refuses(firing: Any) -> None:
    firing.set_alarm("web-secondary-5xx", "us-west-2", "ALARM")
    result = evaluate(firing, request())
    assert result.decision.outcome == Outcome.SKIP
    assert "web-secondary-5xx" in check(result, "target side healthy").detail


@pytest.mark.parametrize(
    ("lag", "outcome"), [(4.999, Outcome.PROCEED), (5.0, Outcome.PROCEED), (5.001, Outcome.APPROVAL)]
)
def test_replication_lag_at_the_rpo_budget(firing: Any, lag: float, outcome: Outcome) -> None:
    group = firing.plan.group("api")  # budget 5 s, Aurora lag metric in milliseconds
    firing.set_replication_lag(group, lag)
    result = evaluate(firing, request("api"))
    lag_check = check(result, "replication lag within RPO budget")
    assert lag_check.values["lag_seconds"] == pytest.approx(lag)
    assert lag_check.values["budget_seconds"] == 5.0
    assert result.decision.outcome == outcome


def test_no_lag_datapoint_means_the_lag_cannot_be_proven(firing: Any) -> None:
    from moto.cloudwatch.models import cloudwatch_backends

    cloudwatch_backends["123456789012"]["us-west-2"].metric_data.clear()
    result = evaluate(firing, request("api"))
    assert check(result, "replication lag within RPO budget").ok is False
    assert result.decision.outcome == Outcome.APPROVAL


@pytest.mark.parametrize(("ago_offset", "ok"), [(-1, False), (0, True), (1, True)])
def test_cooldown_at_its_threshold(firing: Any, ago_offset: int, ok: bool) -> None:
    cooldown = firing.plan.group("web").safety.cooldown_seconds
    firing.store.table.put_item(
        Item={
            "pk": "GROUP#web",
            "sk": "STATE",
            "active_side": "primary",
            "last_failover_epoch": int(time.time()) - cooldown - ago_offset,
        }
    )
    result = evaluate(firing, request())
    assert check(result, "cooldown").ok is ok
    assert result.decision.outcome == (Outcome.PROCEED if ok else Outcome.SKIP)


def test_cooldown_does_not_stop_a_person(firing: Any) -> None:
    firing.store.set_active("web", "primary", "earlier", failover=True)
    result = evaluate(firing, request(source="manual"))
    assert result.decision.outcome == Outcome.PROCEED
    assert "a person asked" in check(result, "cooldown").detail


def test_pause_stops_automation_but_not_a_person(firing: Any) -> None:
    firing.store.set_paused(None, True, "jane", "game day")
    auto = evaluate(firing, request())
    assert auto.decision.outcome == Outcome.SKIP
    assert "game day" in auto.decision.reason
    manual = evaluate(firing, request(source="manual"), owner="exec-2")
    assert manual.decision.outcome == Outcome.PROCEED


def test_the_trigger_must_still_be_firing(firing: Any) -> None:
    firing.set_alarm("web-primary-health", "us-east-1", "OK")
    result = evaluate(firing, request())
    assert result.decision.outcome == Outcome.SKIP
    assert check(result, "trigger still firing").values["state"] == "OK"


def test_a_held_lock_refuses_a_second_failover_of_the_group(firing: Any) -> None:
    first = evaluate(firing, request(), owner="exec-1")
    second = evaluate(firing, request(), owner="exec-2")
    assert first.decision.outcome == Outcome.PROCEED
    assert second.decision.outcome == Outcome.SKIP
    assert "exec-1" in second.decision.reason


def test_rate_limit_sends_the_third_failover_to_a_person(firing: Any) -> None:
    outcomes = [evaluate(firing, request(g), owner=f"exec-{g}").decision.outcome for g in ("web", "admin", "api")]
    assert outcomes == [Outcome.PROCEED, Outcome.PROCEED, Outcome.APPROVAL]


def test_dry_runs_do_not_count_towards_the_rate_limit(firing: Any) -> None:
    for g in ("web", "admin"):
        assert evaluate(firing, request(g, dry_run=True), owner=f"d-{g}").decision.dry_run is True
    assert evaluate(firing, request("api"), owner="exec-api").decision.outcome == Outcome.PROCEED


def test_already_on_target_is_a_no_op(firing: Any) -> None:
    from failover.actions import build_action
    from failover.actions.context import context_for

    group = firing.plan.group("web")
    ctx = context_for(group, request(), firing.clients, dry_run=False)
    for _stage, name, spec in group.iter_actions():
        build_action(spec, name).run(ctx)
    result = evaluate(firing, request())
    assert result.decision.outcome == Outcome.SKIP
    assert result.decision.active_side == "secondary"
    assert firing.store.lock("web") == {}  # a no-op takes no lock


def test_automatic_failback_is_off_unless_the_plan_allows_it(firing: Any) -> None:
    result = evaluate(firing, request(direction="failback"))
    assert result.decision.outcome == Outcome.SKIP
    assert "automatic failback is off" in result.decision.reason
