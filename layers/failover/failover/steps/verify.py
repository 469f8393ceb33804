"""The stage cursor: record a stage's action results, verify the stage, move to the next one.

The state machine keeps one ``cursor`` object; ``record`` and ``verify`` each return a new one:

- ``index``, ``stage``: the stage being run (``{"name", "actions": [{"name", "type"}]}``);
- ``attempt``: verification attempts made for this stage;
- ``completed``: every ``ActionResult`` so far, in order (what changed and how to undo it);
- ``verifications``: every ``Verification`` so far; ``verification`` the latest;
- ``failed`` / ``failure``: an action failed or verification was exhausted, and why;
- ``done``: the last stage is verified.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from failover.actions import build_action
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.models import ActionResult, ActionStatus, Check, FailoverRequest, Verification, parse_input
from failover.plan import Plan
from failover.steps.validate import context_for, stages_for


class Cursor(BaseModel):
    model_config = ConfigDict(extra="ignore")
    index: int = 0
    stage: dict[str, Any]
    attempt: int = 0
    completed: list[dict[str, Any]] = Field(default_factory=list)
    verifications: list[dict[str, Any]] = Field(default_factory=list)
    verification: dict[str, Any] | None = None
    failed: bool = False
    failure: str | None = None
    done: bool = False


class ProgressInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    operation: str
    cursor: Cursor
    request: FailoverRequest
    results: list[dict[str, Any]] = Field(default_factory=list)
    execution_id: str | None = None


def record(payload: Any, plan: Plan, store: Store | None) -> dict[str, Any]:
    data: ProgressInput = parse_input(payload, ProgressInput)
    cursor = data.cursor
    stage_name = cursor.stage.get("name")
    results = [ActionResult.model_validate(r) for r in data.results]
    failed = [r for r in results if r.status == ActionStatus.FAILED]
    cursor.completed = cursor.completed + [r.to_json() for r in results]
    cursor.failed = bool(failed)
    cursor.failure = (
        f"stage '{stage_name}': " + "; ".join(f"{r.name} failed: {r.detail}" for r in failed) if failed else None
    )
    cursor.attempt = 0
    cursor.verification = None
    if store is not None and data.request.incident_id:
        changed = sum(1 for r in results if r.status == ActionStatus.CHANGED)
        store.add_event(
            data.request.incident_id,
            "stage_failed" if failed else "stage_applied",
            cursor.failure or f"stage '{stage_name}': {len(results)} action(s), {changed} changed",
            stage=stage_name,
        )
    return cursor.model_dump(mode="json")


def verify(payload: Any, plan: Plan, clients: Clients, store: Store | None) -> dict[str, Any]:
    data: ProgressInput = parse_input(payload, ProgressInput)
    cursor = data.cursor
    group = plan.group(data.request.group)
    stages = stages_for(group)
    stage_name = str(cursor.stage.get("name"))
    attempt = cursor.attempt + 1
    max_attempts = group.verification.attempts
    stage_results = [c for c in cursor.completed if c.get("stage") == stage_name]
    dry_run = bool(data.request.dry_run) or (
        bool(stage_results) and all(c.get("status") == ActionStatus.DRY_RUN for c in stage_results)
    )
    checks: list[Check] = []
    if dry_run:
        checks.append(
            Check(name=f"stage '{stage_name}'", ok=True, detail="DRY RUN: nothing was changed, nothing to verify")
        )
    else:
        ctx = context_for(group, data.request, clients, dry_run=False)
        ctx.stage = stage_name
        for stage, name, spec in group.iter_actions():
            if stage.name != stage_name:
                continue
            checks.extend(build_action(spec, name).safe_verify(ctx))
    ok = all(c.ok for c in checks if c.blocking)
    retry = not ok and attempt < max_attempts
    verification = Verification(
        ok=ok, attempt=attempt, max_attempts=max_attempts, stage=stage_name, checks=checks, retry=retry
    )
    cursor.attempt = attempt
    cursor.verification = verification.to_json()
    cursor.verifications = [*cursor.verifications, verification.to_json()]
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
    if store is not None and data.request.incident_id:
        store.add_event(
            data.request.incident_id,
            "verified" if ok else ("verify_retry" if retry else "verify_failed"),
            f"stage '{stage_name}' attempt {attempt}/{max_attempts}: " + ("verified" if ok else "not yet"),
            checks=[c.to_json() for c in checks],
        )
    return cursor.model_dump(mode="json")
