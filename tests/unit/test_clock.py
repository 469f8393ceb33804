"""The drill's virtual clock: the seconds of a run with the plan's real waits, from the run's record."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from failover.plan import Group, load_plan
from failoverctl.planning.rto import estimate
from failoverctl.sim.clock import simulate

ROOT = Path(__file__).resolve().parents[2]


def web() -> Group:
    return load_plan(ROOT / "plans" / "example.yaml").group("web")


def run_record(
    *,
    source: str = "health_check",
    outcome: str = "proceed",
    verifications: list[tuple[int, bool]] | None = None,
    status: str = "changed",
    dry_run: bool = False,
    approval: dict[str, Any] | None = None,
    done: bool = True,
) -> dict[str, Any]:
    """A finished run of the web group's one stage, as the execution's output holds it."""
    stage = {"name": "dns", "actions": [{"name": "web-dns", "type": "route53_records"}]}
    attempts = verifications if verifications is not None else [(1, True)]
    checks = [{"ok": ok, "attempt": n, "max_attempts": 10, "stage": "dns"} for n, ok in attempts]
    state: dict[str, Any] = {
        "request": {"request_id": "r1", "group": "web", "source": source, "dry_run": dry_run},
        "gate": {
            "decision": {"outcome": outcome, "reason": "all checks passed", "dry_run": dry_run},
            "run": {
                "stage_count": 1,
                "verify_attempts": 10,
                "approval_on_timeout": "abort",
                "cursor": {"stage": stage},
                "stages": [stage],
            },
        },
        "cursor": {
            "stage": stage,
            "completed": [
                {
                    "action": "route53_records",
                    "name": "web-dns",
                    "stage": "dns",
                    "target": "t",
                    "status": status,
                    "detail": "",
                }
            ]
            if outcome != "skip"
            else [],
            "verifications": checks if outcome != "skip" else [],
            "done": done and outcome != "skip",
        },
    }
    if approval is not None:
        state["approval"] = approval
    return state


def test_given_the_example_web_group_when_its_run_is_on_the_clock_then_each_figure_is_the_plans_waits() -> None:
    # detection 30 s x 3 + alarm 60 s = 150; delivery 2 + trigger 1; confirmation 60; validate 1
    # -> decision 214; stage 1 + execute 1 -> change 216; route53_records takes 60 s, checked every 15 s -> 276
    clock = simulate(web(), run_record())
    assert clock is not None
    assert clock.seconds.model_dump() == {"decision": 214.0, "first_change": 216.0, "recovery": 276.0}
    assert clock.plan_rto_seconds == estimate(web()).total_seconds == 338.0
    assert clock.rto_objective_seconds == 600
    assert clock.meets_objective is True
    assert [t.event for t in clock.ticks] == [
        "failure",
        "detected",
        "started",
        "confirmed",
        "decision",
        "change",
        "verified",
    ]


def test_given_a_longer_confirmation_when_simulated_then_every_figure_moves_by_exactly_the_difference() -> None:
    group = web()
    slower = group.model_copy(update={"safety": group.safety.model_copy(update={"confirmation_seconds": 90})})
    base, slow = simulate(group, run_record()), simulate(slower, run_record())
    assert base is not None and slow is not None
    for key in ("decision", "first_change", "recovery"):
        assert getattr(slow.seconds, key) - getattr(base.seconds, key) == 30


def test_given_a_metric_alarm_when_simulated_then_detection_is_the_alarm_alone() -> None:
    clock = simulate(web(), run_record(source="alarm"))
    assert clock is not None and clock.seconds.decision == 214.0 - 90  # no health-check evaluation


def test_given_a_person_asks_when_simulated_then_no_detection_and_no_confirmation() -> None:
    clock = simulate(web(), run_record(source="manual"))
    assert clock is not None
    assert clock.seconds.decision == 4.0  # delivery 2 + trigger 1 + validate 1
    assert "confirmed" not in [t.event for t in clock.ticks]


def test_given_failed_attempts_when_simulated_then_each_costs_an_interval_and_the_pass_comes_after_them() -> None:
    # the change needs 60 s (4 checks of 15 s); a drill whose first 5 attempts failed passes at the 6th: 90 s
    clock = simulate(web(), run_record(verifications=[(n, False) for n in range(1, 6)] + [(6, True)]))
    assert clock is not None and clock.seconds.first_change is not None
    assert clock.seconds.recovery == clock.seconds.first_change + 6 * 15
    assert sum(t.event == "verification" for t in clock.ticks) == 5


def test_given_verification_never_passes_when_simulated_then_there_is_no_recovery() -> None:
    clock = simulate(web(), run_record(verifications=[(n, False) for n in range(1, 11)], done=False))
    assert clock is not None
    assert clock.seconds.recovery is None
    assert clock.meets_objective is None


def test_given_a_dry_run_when_simulated_then_nothing_changed_and_no_recovery() -> None:
    clock = simulate(web(), run_record(status="dry_run", dry_run=True))
    assert clock is not None
    assert clock.seconds.first_change is None and clock.seconds.recovery is None
    assert any("dry run" in n for n in clock.notes)


def test_given_a_skip_when_simulated_then_only_the_decision_has_a_time() -> None:
    clock = simulate(web(), run_record(outcome="skip"))
    assert clock is not None
    assert clock.seconds.model_dump() == {"decision": 214.0, "first_change": None, "recovery": None}


def test_given_an_approval_that_timed_out_when_simulated_then_the_plans_timeout_is_waited() -> None:
    clock = simulate(web(), run_record(outcome="approval", approval={"timed_out": True}, done=False))
    assert clock is not None
    approval = next(t for t in clock.ticks if t.event == "approval")
    assert approval.at == 214.0 + web().safety.approval.timeout_seconds


@pytest.mark.parametrize("record", [{}, {"request": "not a request"}])
def test_given_no_request_when_simulated_then_there_is_no_clock(record: dict[str, Any]) -> None:
    assert simulate(web(), record) is None
