"""The verify step: record a stage's action results, verify the stage, move the cursor to the next one.

The state machine keeps one ``Cursor`` in the execution state (``failover.state``); ``record`` and
``verify`` each return the state with the cursor moved on.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from failover.actions import build_action
from failover.actions.context import chosen_standby, context_for
from failover.actions.escalation import AWAITING_APPROVAL
from failover.errors import InvalidInputError
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.models import ActionResult, ActionStatus, Check, Verification, parse_input
from failover.plan import Plan
from failover.state import Cursor, EscalationWait, ExecutionState


class VerifyInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    operation: Literal["record", "verify"]
    state: ExecutionState
    execution_id: str | None = None


def _read(payload: Any) -> tuple[ExecutionState, Cursor]:
    data: VerifyInput = parse_input(payload, VerifyInput)
    if data.state.cursor is None:
        raise InvalidInputError("input does not match the contract: state.cursor: the run has not begun")
    return data.state, data.state.cursor


def record(payload: Any, plan: Plan, store: Store | None) -> dict[str, Any]:
    """Add the stage's action results (``stage_results``, from the ``Map``) to the cursor."""
    state, cursor = _read(payload)
    stage_name = cursor.stage.name
    results = list(state.stage_results or [])
    failed = [r for r in results if r.status == ActionStatus.FAILED]
    waiting = [r for r in failed if r.error == AWAITING_APPROVAL and r.escalation is not None]
    if waiting and len(waiting) == len(failed):
        return _await_escalation(state, cursor, results, waiting, store)
    cursor.escalation = None
    cursor.completed = [*cursor.completed, *results]
    cursor.failed = bool(failed)
    cursor.failure = (
        f"stage '{stage_name}': " + "; ".join(f"{r.name} failed: {r.detail}" for r in failed) if failed else None
    )
    cursor.attempt = 0
    cursor.verification = None
    state.cursor = cursor
    if store is not None and state.request.incident_id:
        changed = sum(1 for r in results if r.status == ActionStatus.CHANGED)
        store.add_event(
            state.request.incident_id,
            "stage_failed" if failed else "stage_applied",
            cursor.failure or f"stage '{stage_name}': {len(results)} action(s), {changed} changed",
            stage=stage_name,
        )
    return state.to_json()


def _await_escalation(
    state: ExecutionState, cursor: Cursor, results: list[ActionResult], waiting: list[ActionResult], store: Store | None
) -> dict[str, Any]:
    """Keep the stage's other results; the waiting actions run again once a person has answered."""
    names = {r.name for r in waiting}
    cursor.completed = [*cursor.completed, *(r for r in results if r.name not in names)]
    cursor.escalation = EscalationWait(
        stage=cursor.stage.name, actions={r.name: r.escalation for r in waiting if r.escalation is not None}
    )
    cursor.stage = cursor.stage.model_copy(update={"actions": [a for a in cursor.stage.actions if a.name in names]})
    cursor.failed, cursor.failure = False, None
    state.cursor = cursor
    if store is not None and state.request.incident_id:
        store.add_event(
            state.request.incident_id,
            "escalation_requested",
            f"stage '{cursor.stage.name}': " + "; ".join(f"{r.name}: {r.detail}" for r in waiting),
            stage=cursor.stage.name,
            escalations={r.name: r.escalation.to_json() for r in waiting if r.escalation is not None},
        )
    return state.to_json()


def verify(payload: Any, plan: Plan, clients: Clients, store: Store | None) -> dict[str, Any]:
    """Check that the stage took effect; on success move to the next stage (or mark the run done)."""
    state, cursor = _read(payload)
    request = state.request
    group = plan.group(request.group)
    stages = state.gate.run.stages if state.gate else []
    stage_name = cursor.stage.name
    attempt = cursor.attempt + 1
    max_attempts = group.verification.attempts
    stage_results = [c for c in cursor.completed if c.stage == stage_name]
    dry_run = bool(request.dry_run) or (
        bool(stage_results) and all(c.status == ActionStatus.DRY_RUN for c in stage_results)
    )
    checks: list[Check] = []
    if dry_run:
        checks.append(
            Check(name=f"stage '{stage_name}'", ok=True, detail="DRY RUN: nothing was changed, nothing to verify")
        )
    else:
        standby = chosen_standby(state.gate.decision if state.gate else None)
        ctx = context_for(group, request, clients, dry_run=False, stage=stage_name, standby=standby)
        for stage, name, spec in group.iter_actions():
            if stage.name != stage_name:
                continue
            checks.extend(build_action(spec, name, standby).safe_verify(ctx))
    ok = all(c.ok for c in checks if c.blocking)
    retry = not ok and attempt < max_attempts
    verification = Verification(
        ok=ok, attempt=attempt, max_attempts=max_attempts, stage=stage_name, checks=checks, retry=retry
    )
    cursor.attempt = attempt
    cursor.verification = verification
    cursor.verifications = [*cursor.verifications, verification]
    if ok:
        if cursor.index + 1 < len(stages):
            cursor.index += 1
            cursor.stage = stages[cursor.index]
            cursor.attempt = 0
        else:
            cursor.done = True
    elif not retry:
        failing = "; ".join(c.detail for c in checks if c.blocking and not c.ok)
        cursor.failure = f"verification of stage '{stage_name}' failed after {attempt} attempt(s): {failing}"
    state.cursor = cursor
    if store is not None and request.incident_id:
        store.add_event(
            request.incident_id,
            "verified" if ok else ("verify_retry" if retry else "verify_failed"),
            f"stage '{stage_name}' attempt {attempt}/{max_attempts}: " + ("verified" if ok else "not yet"),
            checks=[c.to_json() for c in checks],
        )
    return state.to_json()
