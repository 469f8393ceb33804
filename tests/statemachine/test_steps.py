"""The steps the state machine calls, one by one: execute, record, verify and finalize on the execution state.

The state machine tests (``test_branches.py``) run them through the real definition; these call each
step directly with the ``ExecutionState`` the previous one returned, so a failure names the step.
"""

from __future__ import annotations

from typing import Any

import pytest

from failover.config import get_env
from failover.errors import InvalidInputError, PlanError
from failover.models import ActionStatus, FailoverRequest, Source, Trigger, iso
from failover.state import ExecutionState
from failover.steps.execute import execute
from failover.steps.finalize import finalize
from failover.steps.validate import validate
from failover.steps.verify import record, verify

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:sm:web-failover-steps"


@pytest.fixture
def firing(world: Any) -> Any:
    group = world.plan.group("web")
    world.set_alarm("web-primary-health", "us-east-1", "ALARM")
    world.set_side_health(group, "primary", 0.0)
    return world


def validated(world: Any, *, dry_run: bool = False, outcome: str = "proceed") -> dict[str, Any]:
    request = FailoverRequest(
        request_id="r-1",
        incident_id="web-failover-steps",
        group="web",
        source=Source.ALARM,
        trigger=Trigger(alarm_name="web-primary-health", region="us-east-1", state="ALARM", time=iso()),
        dry_run=dry_run,
    )
    state = {"request": request.to_json(), "timing": {"confirmation_seconds": 0}, "approval": None}
    out = validate({"state": state, "execution_id": EXECUTION}, world.plan, get_env(), world.clients, world.store)
    assert out["gate"]["decision"]["outcome"] == outcome
    return {**out, "cursor": (out["gate"].get("run") or {}).get("cursor")}


def run_stage(world: Any, state: dict[str, Any]) -> dict[str, Any]:
    """What the state machine's Map and Record Stage do with the stage under the cursor."""
    stage = state["cursor"]["stage"]
    results = [
        execute(
            {
                "action": action,
                "stage": stage["name"],
                "request": state["request"],
                "decision": state["gate"]["decision"],
                "approval": state["approval"],
            },
            world.plan,
            world.clients,
            world.store,
        ).to_json()
        for action in stage["actions"]
    ]
    return record({"operation": "record", "state": {**state, "stage_results": results}}, world.plan, world.store)


def test_validate_returns_the_state_with_its_gate_and_keeps_what_it_does_not_know(firing: Any) -> None:
    state = validated(firing)
    again = ExecutionState.model_validate(state)
    assert again.gate is not None
    assert [s.name for s in again.gate.run.stages] == ["dns"]
    assert state["approval"] is None  # a key the state machine reads stays, even when empty
    # a proceed decision goes into the timeline beside the first stage, with the started notice
    assert state["gate"]["decision"]["outcome"] == "proceed"
    assert [e["kind"] for e in firing.store.timeline("web-failover-steps")] == []


def test_validate_records_a_skip_in_the_timeline_itself(firing: Any) -> None:
    firing.set_side_health(firing.plan.group("web"), "secondary", 0.0)
    validated(firing, outcome="skip")
    assert [e["kind"] for e in firing.store.timeline("web-failover-steps")] == ["decision"]


def test_execute_changes_once_and_records_it(firing: Any) -> None:
    state = validated(firing)
    item = {
        "action": state["cursor"]["stage"]["actions"][0],
        "stage": "dns",
        "request": state["request"],
        "decision": state["gate"]["decision"],
        "approval": None,
    }
    first = execute(item, firing.plan, firing.clients, firing.store)
    second = execute(item, firing.plan, firing.clients, firing.store)
    assert first.status == ActionStatus.CHANGED
    assert first.undo
    assert second.status == ActionStatus.UNCHANGED
    assert [e["kind"] for e in firing.store.timeline("web-failover-steps")].count("action") == 2


def test_execute_in_a_dry_run_changes_nothing(firing: Any) -> None:
    state = validated(firing, dry_run=True)
    item = {"action": state["cursor"]["stage"]["actions"][0], "stage": "dns", "request": state["request"]}
    result = execute({**item, "decision": state["gate"]["decision"]}, firing.plan, firing.clients, firing.store)
    assert result.status == ActionStatus.DRY_RUN
    assert firing.active_side(firing.plan.group("web")) == "primary"


def test_execute_refuses_an_action_the_plan_does_not_have(firing: Any) -> None:
    state = validated(firing)
    item = {"action": {"name": "nope", "type": "route53_records"}, "stage": "dns", "request": state["request"]}
    with pytest.raises(PlanError, match="no action 'nope'"):
        execute(item, firing.plan, firing.clients, firing.store)


def test_record_marks_a_failed_action_and_the_stage_stops(firing: Any) -> None:
    state = validated(firing)
    failed = {
        "action": "route53_records",
        "name": "web-dns",
        "stage": "dns",
        "target": "app",
        "status": "failed",
        "detail": "AccessDenied: no",
    }
    out = record({"operation": "record", "state": {**state, "stage_results": [failed]}}, firing.plan, firing.store)
    cursor = out["cursor"]
    assert cursor["failed"] is True
    assert cursor["failure"] == "stage 'dns': web-dns failed: AccessDenied: no"
    assert [c["name"] for c in cursor["completed"]] == ["web-dns"]
    assert firing.store.timeline("web-failover-steps")[-1]["kind"] == "stage_failed"


def test_verify_after_the_change_finishes_the_run(firing: Any) -> None:
    state = run_stage(firing, validated(firing))
    assert state["cursor"]["failed"] is False
    out = verify({"operation": "verify", "state": state}, firing.plan, firing.clients, firing.store)
    cursor = out["cursor"]
    assert cursor["verification"]["ok"] is True
    assert cursor["attempt"] == 1
    assert cursor["done"] is True
    assert len(cursor["verifications"]) == 1


def test_verify_before_the_change_asks_for_another_attempt(firing: Any) -> None:
    state = validated(firing)  # nothing applied: traffic is still on the primary
    out = verify({"operation": "verify", "state": state}, firing.plan, firing.clients, firing.store)
    cursor = out["cursor"]
    assert cursor["verification"]["ok"] is False
    assert cursor["verification"]["retry"] is True
    assert cursor["done"] is False
    assert cursor["failure"] is None


def test_verify_without_a_cursor_is_refused(firing: Any) -> None:
    state = validated(firing)
    del state["cursor"]
    with pytest.raises(InvalidInputError, match="cursor"):
        verify({"operation": "verify", "state": state}, firing.plan, firing.clients, firing.store)


def test_finalize_records_the_target_and_the_time_to_recovery(firing: Any) -> None:
    state = run_stage(firing, validated(firing))
    state = verify({"operation": "verify", "state": state}, firing.plan, firing.clients, firing.store)
    summary = finalize({"outcome": "succeeded", "execution_id": EXECUTION, "state": state}, firing.plan, firing.store)
    recovery = ExecutionState.model_validate(state).time_to_recovery(succeeded=True)
    assert summary["time_to_recovery_seconds"] == recovery is not None
    assert summary["changes"] == 1
    assert summary["lock_released"] is True
    assert firing.store.group_state("web")["active_side"] == "secondary"
    assert firing.store.lock("web") == {}


def test_finalize_of_a_dry_run_moves_nothing_and_has_no_recovery_time(firing: Any) -> None:
    state = run_stage(firing, validated(firing, dry_run=True))
    state = verify({"operation": "verify", "state": state}, firing.plan, firing.clients, firing.store)
    summary = finalize({"outcome": "succeeded", "execution_id": EXECUTION, "state": state}, firing.plan, firing.store)
    assert summary["dry_run"] is True
    assert summary["time_to_recovery_seconds"] is None
    assert firing.store.group_state("web").get("active_side") in (None, "primary")


def test_finalize_of_a_failed_run_after_a_change_says_traffic_may_be_split(firing: Any) -> None:
    state = run_stage(firing, validated(firing))
    state["error"] = {"Error": "VerificationFailed", "Cause": "still on the primary"}
    summary = finalize({"outcome": "failed", "execution_id": EXECUTION, "state": state}, firing.plan, firing.store)
    assert summary["reason"] == "all checks passed: failing over from primary to secondary"
    assert summary["error"] == "VerificationFailed"
    assert summary["time_to_recovery_seconds"] is None
    assert firing.store.group_state("web")["active_side"] == "mixed"
