"""The RTO estimate: every number follows from the plan's settings."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from failover.plan import Group, load_plan, parse_plan
from failoverctl.planning import rto

EXAMPLE = Path(__file__).resolve().parents[2] / "plans" / "example.yaml"

#: the example plan's web group as the numbers below assume it (the shipped example may grow)
PLAN_YAML = (Path(__file__).resolve().parents[1] / "plans" / "web.yaml").read_text()


def example_data() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PLAN_YAML)
    return data


def group_from(change: Any = None) -> Group:
    data = copy.deepcopy(example_data())
    if change:
        change(data["groups"][0])
    return parse_plan(data).groups[0]


def part(est: rto.RtoEstimate, name: str) -> float:
    return next(c.seconds for c in est.components if c.name == name)


def rds_action(name: str, seconds: float | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "rds_instance_failover",
        "name": name,
        "region": "us-west-2",
        "db_instance_identifier": "db1",
        "primary": {"availability_zone": "us-west-2a"},
        "secondary": {"availability_zone": "us-west-2b"},
    }
    if seconds is not None:
        action["typical_seconds"] = seconds
    return action


def test_the_shipped_example_plan_is_estimated() -> None:
    from failover.plan import load_plan

    estimates = rto.estimate_plan(load_plan(EXAMPLE))
    assert [e.group for e in estimates]
    for est in estimates:
        assert est.total_seconds == sum(c.seconds for c in est.components) > 0


def test_example_plan_breakdown_adds_up() -> None:
    # Given the web group
    est = rto.estimate(group_from())
    # Then each part follows from its setting and the total is their sum
    assert part(est, "detection") == 30 * 3 + 60 * 1
    assert part(est, "confirmation") == 60
    assert part(est, "stage dns") == 60  # route53_records: INSYNC within 60 s
    assert part(est, "dns ttl") == 60
    assert est.total_seconds == sum(c.seconds for c in est.components)
    assert est.objective_seconds == 600
    assert est.meets_objective is True
    assert est.margin_seconds == 600 - est.total_seconds
    assert est.dominant.name == "detection"
    assert est.dominant_setting == "detection.health_check_interval_seconds"
    assert any("stage dns (web-dns)" in step for step in est.critical_path)


def test_fast_health_checks_cut_exactly_sixty_seconds() -> None:
    # Given the same group with 30-second and with 10-second health checks (threshold 3)
    slow = rto.estimate(group_from())

    def fast(g: dict[str, Any]) -> None:
        g["detection"]["health_check_interval_seconds"] = 10

    quick = rto.estimate(group_from(fast))
    # Then the estimate drops by (30 - 10) x 3 = 60 s
    assert slow.total_seconds - quick.total_seconds == 60
    # And the suggestion for the slow group is exactly that change, with those seconds
    assert slow.suggestion is not None
    assert slow.suggestion.setting == "detection.health_check_interval_seconds"
    assert (slow.suggestion.current, slow.suggestion.proposed) == (30, 10)
    assert slow.suggestion.saves_seconds == 60


@pytest.mark.parametrize(
    ("section", "key", "value", "delta"),
    [
        ("detection", "health_check_failure_threshold", 5, 2 * 30),
        ("detection", "alarm_evaluation_periods", 3, 2 * 60),
        ("detection", "alarm_period_seconds", 120, 60),
        ("detection", "dns_ttl_seconds", 300, 240),
        ("safety", "confirmation_seconds", 180, 120),
    ],
)
def test_each_setting_moves_the_estimate_by_its_own_amount(section: str, key: str, value: int, delta: int) -> None:
    base = rto.estimate(group_from())

    def change(g: dict[str, Any]) -> None:
        g[section][key] = value

    assert rto.estimate(group_from(change)).total_seconds - base.total_seconds == delta


def test_actions_in_a_stage_run_in_parallel_and_stages_in_sequence() -> None:
    def two_stages(g: dict[str, Any]) -> None:
        g["stages"].append({"name": "db", "actions": [rds_action("db-a", 40), rds_action("db-b", 100)]})
        g["stages"].append({"name": "app", "actions": [rds_action("app-a", 30)]})

    base = rto.estimate(group_from())
    est = rto.estimate(group_from(two_stages))
    db = next(s for s in est.stages if s.name == "db")
    # the db stage costs its slowest action, not the sum
    assert db.seconds == 100
    assert db.critical_action == "db-b"
    assert part(est, "stage db") == 100
    assert part(est, "stage app") == 30
    # two more stages: 100 + 30 s of actions, 1 s orchestration each, and the app stage's verification
    # waits one whole 15 s interval for a 30 s change (2 checks: 0 extra); db: 7 checks x 15 = 105 (5 extra)
    assert db.verify_attempts == 7
    assert part(est, "verification") == 5
    assert est.total_seconds - base.total_seconds == 100 + 30 + 2 * rto.PER_STAGE_ALLOWANCE_SECONDS + 5


def test_plan_override_beats_the_action_class_figure() -> None:
    def override(g: dict[str, Any]) -> None:
        g["stages"][0]["actions"][0]["typical_seconds"] = 25

    est = rto.estimate(group_from(override))
    action = est.stages[0].actions[0]
    assert (action.seconds, action.source) == (25, "plan")
    assert part(est, "stage dns") == 25


def test_the_action_types_figure_is_used_without_an_override() -> None:
    est = rto.estimate(group_from())
    action = est.stages[0].actions[0]
    assert (action.seconds, action.source) == (rto.TYPICAL_SECONDS["route53_records"], "action type")


def test_every_action_type_has_a_typical_time() -> None:
    from failover.actions import REGISTRY

    assert set(rto.TYPICAL_SECONDS) == set(REGISTRY)
    assert all(seconds > 0 for seconds in rto.TYPICAL_SECONDS.values())


def test_a_plan_without_dns_actions_has_no_dns_ttl_part() -> None:
    def rds(g: dict[str, Any]) -> None:
        g["stages"] = [{"name": "db", "actions": [rds_action("db")]}]

    est = rto.estimate(group_from(rds))
    assert est.stages[0].actions[0].seconds == 120  # Multi-AZ DB instance failover: 60-120 s
    assert "dns ttl" not in [c.name for c in est.components]


def test_record_ttl_longer_than_the_detection_ttl_is_the_one_counted() -> None:
    def long_ttl(g: dict[str, Any]) -> None:
        g["stages"][0]["actions"][0]["ttl"] = 300

    est = rto.estimate(group_from(long_ttl))
    ttl = next(c for c in est.components if c.name == "dns ttl")
    assert ttl.seconds == 300
    assert ttl.setting == "stages.dns.web-dns.ttl"
    lower = next(s for s in est.suggestions if s.setting == "stages.dns.web-dns.ttl")
    assert lower.saves_seconds == 300 - 30


def test_verification_waits_for_the_next_check_and_warns_when_it_gives_up_too_early() -> None:
    def slow_checks(g: dict[str, Any]) -> None:
        g["stages"][0]["actions"][0]["typical_seconds"] = 10
        g["verification"] = {"attempts": 1, "interval_seconds": 15}

    est = rto.estimate(group_from(slow_checks))
    # a 10 s change is seen by the first check, 15 s after the stage: 5 s beyond the action
    assert part(est, "verification") == 5
    assert est.warnings == []

    def too_few(g: dict[str, Any]) -> None:
        g["verification"] = {"attempts": 2, "interval_seconds": 15}

    warned = rto.estimate(group_from(too_few))
    assert any("raise verification.attempts" in w for w in warned.warnings)


def test_alarm_only_group_detects_by_the_alarm_period() -> None:
    def no_health_checks(g: dict[str, Any]) -> None:
        g["primary"]["health_checks"] = []
        g["detection"]["alarm_period_seconds"] = 60
        g["detection"]["alarm_evaluation_periods"] = 2

    est = rto.estimate(group_from(no_health_checks))
    assert part(est, "detection") == 120
    # the best cut: a 10-second high-resolution alarm saves (60 - 10) x 2 periods
    assert est.suggestion is not None
    assert est.suggestion.setting == "detection.alarm_period_seconds"
    assert est.suggestion.saves_seconds == 100
    periods = next(s for s in est.suggestions if s.setting == "detection.alarm_evaluation_periods")
    assert periods.saves_seconds == 60
    # health checks are not suggested to a group that has none
    assert all(not s.setting.startswith("detection.health_check") for s in est.suggestions)


def test_missing_the_objective_is_reported_with_a_negative_margin() -> None:
    def tight(g: dict[str, Any]) -> None:
        g["rto_objective_seconds"] = 200

    est = rto.estimate(group_from(tight))
    assert est.meets_objective is False
    assert est.margin_seconds == 200 - est.total_seconds < 0


def test_approval_always_is_named_as_uncounted() -> None:
    def always(g: dict[str, Any]) -> None:
        g["safety"]["approval"]["mode"] = "always"

    assert any("approval" in w for w in rto.estimate(group_from(always)).warnings)


def test_estimate_plan_for_one_group_or_unknown_group() -> None:
    from failover.errors import UnknownGroupError

    plan = parse_plan(example_data())
    assert [e.group for e in rto.estimate_plan(plan)] == ["web"]
    assert [e.group for e in rto.estimate_plan(plan, "web")] == ["web"]
    with pytest.raises(UnknownGroupError):
        rto.estimate_plan(plan, "nope")


def corroborated_web() -> Group:
    return load_plan(EXAMPLE.parent / "corroborated.yaml").group("web")


def test_a_group_with_signals_has_the_corroborated_case_beside_the_worst_case() -> None:
    # Given the corroborated plan's web group: a 120 s confirmation, the gate looking every 10 s
    group = corroborated_web()
    est = rto.estimate(group)
    # Then the worst case waits the whole confirmation, the corroborated case one interval
    confirmation = next(c for c in est.components if c.name == "confirmation")
    assert confirmation.seconds == 120
    assert est.corroborated is not None
    assert est.corroborated.confirmation_seconds == 10
    assert est.corroborated.total_seconds == est.total_seconds - 110
    assert est.corroborated.saves_seconds == 110
    assert est.corroborated.meets_objective is (est.corroborated.total_seconds <= group.rto_objective_seconds)


def test_the_corroborated_case_moves_with_the_signals_interval_and_not_without_signals() -> None:
    group = corroborated_web()
    assert group.signals is not None
    slower = group.model_copy(update={"signals": group.signals.model_copy(update={"interval_seconds": 30})})
    base, slow = rto.estimate(group), rto.estimate(slower)
    assert base.corroborated is not None and slow.corroborated is not None
    assert slow.corroborated.total_seconds - base.corroborated.total_seconds == 20
    assert slow.total_seconds == base.total_seconds  # the worst case does not depend on the interval
    assert rto.estimate(group.model_copy(update={"signals": None})).corroborated is None
