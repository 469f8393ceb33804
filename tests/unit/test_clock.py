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
    assert clock.seconds.model_dump() == {
        "decision": 214.0,
        "first_change": 216.0,
        "recovery": 276.0,
        "reasons": {},
    }
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
    assert clock.seconds.reasons == {"recovery": "verification did not pass on the target"}
    assert clock.meets_objective is None


def test_given_a_dry_run_when_simulated_then_nothing_changed_and_no_recovery() -> None:
    clock = simulate(web(), run_record(status="dry_run", dry_run=True))
    assert clock is not None
    assert clock.seconds.first_change is None and clock.seconds.recovery is None
    assert any("dry run" in n for n in clock.notes)
    assert clock.seconds.reasons["first_change"] == clock.seconds.reasons["recovery"] == "a dry run moves no traffic"


def test_given_a_skip_when_simulated_then_only_the_decision_has_a_time() -> None:
    clock = simulate(web(), run_record(outcome="skip"))
    assert clock is not None
    assert clock.seconds.model_dump(exclude={"reasons"}) == {"decision": 214.0, "first_change": None, "recovery": None}
    assert clock.seconds.reasons == {
        "first_change": "the gate skipped: all checks passed",
        "recovery": "the gate skipped: all checks passed",
    }


def test_given_an_approval_that_timed_out_when_simulated_then_the_plans_timeout_is_waited() -> None:
    clock = simulate(web(), run_record(outcome="approval", approval={"timed_out": True}, done=False))
    assert clock is not None
    approval = next(t for t in clock.ticks if t.event == "approval")
    assert approval.at == 214.0 + web().safety.approval.timeout_seconds


@pytest.mark.parametrize("record", [{}, {"request": "not a request"}])
def test_given_no_request_when_simulated_then_there_is_no_clock(record: dict[str, Any]) -> None:
    assert simulate(web(), record) is None


def corroborated() -> Group:
    return load_plan(ROOT / "plans" / "corroborated.yaml").group("web")


def with_signals_clock(record: dict[str, Any], waited: int, looks: int) -> dict[str, Any]:
    """The run as the gate left it: its signals' clock (plan seconds) beside the decision."""
    clock = {"period_seconds": 120, "interval_seconds": 10, "waited_seconds": waited, "looks": looks}
    record["gate"]["corroboration"] = clock
    record["timing"] = {"corroboration": {**clock, "next_wait_seconds": 0}}
    return record


def test_given_a_quorum_at_the_first_look_when_simulated_then_the_decision_comes_one_interval_after_the_start() -> None:
    # detection 10 s x 3 + alarm 10 s x 3 = 60; delivery 2 + trigger 1; one look after 10 s; validate 1 -> 74
    clock = simulate(corroborated(), with_signals_clock(run_record(), waited=10, looks=1))
    assert clock is not None
    assert clock.seconds.decision == 74.0
    confirmed = next(t for t in clock.ticks if t.event == "confirmed")
    assert "looked at the signals 1 time(s)" in confirmed.detail and "10 s of the 120 s" in confirmed.detail


def test_given_a_lone_probe_when_simulated_then_the_gate_waited_the_whole_period_before_it_decided() -> None:
    quorum = simulate(corroborated(), with_signals_clock(run_record(), waited=10, looks=1))
    lone = simulate(corroborated(), with_signals_clock(run_record(outcome="skip"), waited=120, looks=12))
    assert quorum is not None and lone is not None and quorum.seconds.decision is not None
    assert lone.seconds.decision == quorum.seconds.decision + 110 == 184.0
    assert lone.seconds.first_change is None and "skipped" in lone.seconds.reasons["first_change"]


def test_given_signals_but_no_clock_in_the_state_when_simulated_then_the_whole_period_counts() -> None:
    # an execution started without the signals' clock looks once, after the whole confirmation period
    clock = simulate(corroborated(), run_record())
    assert clock is not None and clock.seconds.decision == 184.0


def escalated(record: dict[str, Any], approved_by: str | None) -> dict[str, Any]:
    record["cursor"]["completed"][0]["escalation"] = {
        "tried": "rds.SwitchoverGlobalCluster",
        "refused": "InvalidGlobalClusterStateFault",
        "impaired": "the primary cluster is unavailable",
        "path": "rds.FailoverGlobalCluster with AllowDataLoss",
        "policy": "approval",
        "outcome": "escalated" if approved_by else "denied",
        "approved_by": approved_by,
    }
    return record


ESCALATED_STATES = ["Wait For Confirmation", "Validate Request", "Run Stage", "Request Escalation Approval"]


def test_given_an_escalation_a_person_approved_when_simulated_then_it_costs_only_the_stages_second_run() -> None:
    plain = simulate(web(), run_record(), ESCALATED_STATES[:3])
    clock = simulate(web(), escalated(run_record(), "oncall@example.com"), ESCALATED_STATES)
    assert plain is not None and clock is not None
    assert plain.seconds.first_change is not None and clock.seconds.first_change is not None
    assert clock.seconds.first_change == plain.seconds.first_change + 1  # the stage runs again
    escalation = next(t for t in clock.ticks if t.event == "escalation")
    assert "oncall@example.com" in escalation.detail
    assert "the approver's own time is not counted" in clock.notes


def test_given_an_escalation_nobody_answered_when_simulated_then_the_approval_timeout_is_waited() -> None:
    states = [*ESCALATED_STATES, "Escalation Timed Out"]
    clock = simulate(web(), escalated(run_record(status="failed"), None), states)
    assert clock is not None
    escalation = next(t for t in clock.ticks if t.event == "escalation")
    assert escalation.at == 214.0 + 1 + 1 + web().safety.approval.timeout_seconds  # stage and execute first
    assert clock.seconds.first_change is None and clock.seconds.recovery is None
    assert clock.seconds.reasons["first_change"] == "no action changed anything: web-dns failed"
