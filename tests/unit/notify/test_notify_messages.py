"""The incident view: every phase from the sample states, and robustness to partial state."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from failover.steps.notify.messages import PHASES, Incident
from failoverctl.preview.sample import EXECUTION_ID, sample_group, sample_state

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def incident(phase: str, state: dict[str, Any] | None = None, **kwargs: Any) -> Incident:
    state = sample_state(phase, NOW) if state is None else state
    return Incident.from_state(phase, state, sample_group(), EXECUTION_ID, "us-east-1", now=NOW, **kwargs)


@pytest.mark.parametrize(
    ("phase", "status", "severity"),
    [
        ("started", "STARTED", "warning"),
        ("approval", "APPROVAL NEEDED", "warning"),
        ("succeeded", "SUCCEEDED", "info"),
        ("failed", "FAILED", "critical"),
        ("skipped", "REFUSED", "warning"),
        ("denied", "DENIED", "warning"),
        ("recovered", "RECOVERED", "info"),
    ],
)
def test_every_phase_has_a_status_word_severity_and_next_steps(phase: str, status: str, severity: str) -> None:
    # Given the sample state at a phase, When the incident is built
    view = incident(phase)
    # Then it says what happened, how bad it is and what to do
    assert view.status == status
    assert view.severity == severity
    assert view.group == "web"
    assert view.next_steps
    assert status in view.headline
    assert view.summary


def test_started_shows_trigger_checks_route_elapsed_and_links() -> None:
    view = incident("started")
    assert view.trigger.alarm_name == "web-primary-health"
    assert "Threshold Crossed" in (view.trigger.reason or "")
    assert len(view.checks) == 8
    assert all(c.ok for c in view.checks)
    assert view.source_side == "primary us-east-1"
    assert view.target_side == "secondary us-west-2"
    assert view.elapsed_seconds == pytest.approx(252)
    assert view.rto_objective_seconds == 600
    assert view.elapsed_text == "4m 12s of 10m 00s RTO objective (42%, within)"
    labels = {link.label: link.url for link in view.links}
    assert labels["Step Functions execution"].startswith(
        "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/v2/executions/details/arn:aws:states:"
    )
    assert labels["CloudWatch alarm"].endswith("#alarmsV2:alarm/web-primary-health")
    assert labels["Runbook"] == "https://wiki.example.com/runbooks/web-failover"


def test_elapsed_over_the_rto_objective_says_so() -> None:
    state = sample_state("failed", NOW)
    state["request"]["trigger"]["time"] = (NOW - timedelta(minutes=25)).isoformat()
    view = incident("failed", state)
    assert "OVER" in view.elapsed_text
    assert "250%" in view.elapsed_text


def test_failed_shows_actions_verification_error_and_mention() -> None:
    view = incident("failed")
    assert [a.status for a in view.actions] == ["changed"]
    assert view.actions[0].stage == "dns"
    assert view.verification is not None
    assert view.verification.ok is False
    assert view.error is not None
    assert view.error.error == "VerificationFailed"
    assert view.mention == "<!subteam^S012ONCALL>"
    assert "A person must take over" in view.next_steps[0]


def test_a_lambda_error_cause_is_unwrapped() -> None:
    state = sample_state("failed", NOW)
    state["error"] = {
        "Error": "ActionError",
        "Cause": json.dumps({"errorMessage": "Route 53 said no", "errorType": "ActionError", "stackTrace": ["..."]}),
    }
    view = incident("failed", state)
    assert view.error is not None
    assert view.error.cause == "Route 53 said no"
    assert "stackTrace" not in view.to_text()


def test_skipped_by_the_gate_says_refused() -> None:
    view = incident("skipped")
    assert view.skip_kind == "refused"
    assert view.status == "REFUSED"
    assert "refused" in view.summary
    assert view.mention == "<!subteam^S012ONCALL>"


def test_skipped_because_already_on_target_says_nothing_to_do() -> None:
    state = sample_state("skipped", NOW)
    decision = state["gate"]["decision"]
    decision.update(active_side="secondary", reason="already on the secondary side: nothing to do")
    decision["checks"] = [{"name": "not already on target", "ok": False, "detail": "already", "blocking": False}]
    view = incident("skipped", state)
    assert (view.skip_kind, view.status, view.severity) == ("noop", "NOTHING TO DO", "info")
    assert view.mention is None
    assert view.next_steps == ["No action needed."]


def test_skipped_because_the_trigger_cleared_is_nothing_to_do() -> None:
    state = sample_state("skipped", NOW)
    state["gate"]["decision"]["checks"] = [
        {"name": "automation enabled", "ok": True, "detail": "on"},
        {"name": "trigger still firing", "ok": False, "detail": "web-primary-health is OK"},
    ]
    assert incident("skipped", state).skip_kind == "noop"


def test_denied_by_timeout_says_so() -> None:
    state = sample_state("denied", NOW)
    state["approval"] = {"approved": False, "timed_out": True, "by": "timeout", "policy": "abort"}
    view = incident("denied", state)
    assert view.status == "APPROVAL TIMED OUT"
    assert "in time" in view.summary


def test_started_after_approval_says_who_approved() -> None:
    state = sample_state("started", NOW)
    state["approval"] = {"approved": True, "by": "slack:U012ABCDEF (jane)", "at": "2026-03-01T11:59:00Z"}
    view = incident("started", state)
    assert "Approved by slack:U012ABCDEF (jane)" in view.summary
    assert "approved by slack:U012ABCDEF (jane)" in view.to_text()


@pytest.mark.parametrize("phase", PHASES)
def test_dry_run_is_said_everywhere(phase: str) -> None:
    state = sample_state(phase, NOW)
    state["request"]["dry_run"] = True
    view = incident(phase, state)
    assert view.dry_run
    assert view.headline.startswith("[DRY RUN]")
    assert "DRY RUN" in view.summary
    assert "DRY RUN" in view.to_text()
    assert "DRY RUN" in view.subject()


def test_dry_run_from_the_decision_counts_too() -> None:
    state = sample_state("started", NOW)
    state["gate"]["decision"]["dry_run"] = True
    assert incident("started", state).dry_run


def _without(state: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    state = copy.deepcopy(state)
    node: Any = state
    for key in path[:-1]:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict):
        node.pop(path[-1], None)
    return state


PATHS = [
    ("request",),
    ("request", "trigger"),
    ("request", "group"),
    ("request", "trigger", "time"),
    ("request", "received_at"),
    ("gate",),
    ("gate", "decision"),
    ("gate", "decision", "checks"),
    ("gate", "run"),
    ("cursor",),
    ("cursor", "completed"),
    ("cursor", "verification"),
    ("error",),
    ("timing",),
    ("approval",),
]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("path", PATHS, ids=".".join)
def test_any_missing_key_still_gives_a_message(phase: str, path: tuple[str, ...]) -> None:
    view = incident(phase, _without(sample_state(phase, NOW), path))
    assert view.headline
    assert view.summary
    assert view.to_text()


@pytest.mark.parametrize(
    "state",
    [
        {},
        None,
        {"request": "garbage", "gate": 3, "cursor": [], "error": "boom", "approval": 7},
        {"request": {"trigger": {"time": "not a time"}, "group": 5, "dry_run": "yes"}},
        {"gate": {"decision": {"checks": ["x", None, {"name": None, "ok": "maybe"}], "outcome": 1}}},
        {"cursor": {"completed": [None, 1, {"status": None}], "verification": {"checks": "x", "attempt": "two"}}},
        {"error": {"Cause": "{not json"}},
        {"error": {"Error": "X", "Cause": {"nested": True}}},
    ],
)
def test_malformed_state_never_raises(state: Any) -> None:
    for phase in [*PHASES, "something-new"]:
        view = Incident.from_state(phase, state, None, None, None, now=NOW)
        assert view.to_text()
        assert json.dumps(view.to_machine())


def test_without_a_plan_group_the_state_alone_is_enough() -> None:
    view = Incident.from_state("started", sample_state("started", NOW), None, EXECUTION_ID, None, now=NOW)
    assert view.group == "web"
    assert view.rto_objective_seconds is None
    assert view.elapsed_text == "4m 12s"
    assert view.source_side == "primary"
    assert view.target_side == "secondary"


def test_links_follow_the_partition_of_the_execution() -> None:
    arn = "arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:Sm:x"
    view = Incident.from_state("started", {}, None, arn, None, now=NOW)
    assert view.links[0].url.startswith("https://us-gov-west-1.console.amazonaws-us-gov.com/states/")


def test_subject_is_printable_ascii_within_100_characters() -> None:
    state = sample_state("failed", NOW)
    state["request"]["group"] = "g" * 300
    subject = incident("failed", state).subject()
    assert len(subject) <= 100
    assert all(32 <= ord(c) < 127 for c in subject)


def test_machine_form_cuts_long_lists_and_keeps_counts() -> None:
    state = sample_state("failed", NOW)
    state["gate"]["decision"]["checks"] = [{"name": f"c{i}", "ok": True, "detail": "x" * 10} for i in range(1000)]
    data = incident("failed", state).to_machine(max_items=50)
    assert len(data["checks"]) == 50
    assert data["checks_total"] == 1000
    assert data["truncated"] is True
    assert data["schema"] == "failover.notification/1"
