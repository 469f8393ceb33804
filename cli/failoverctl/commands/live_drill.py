"""``failoverctl drill --live --dry-run``: a rehearsal on the deployed stack's own state machine."""

from __future__ import annotations

import argparse
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from failover.models import Direction, FailoverRequest, Source, Trigger, iso
from failover.state import ExecutionState
from failoverctl.deployed import (
    OpsError,
    connect,
    execution_state,
    group_model,
    guarded,
    history_events,
    known_groups,
    load_local_plan,
    require_group,
    wait,
)
from failoverctl.output import emit_json


def _drill_name(group: str, direction: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{group}-{direction}-drill-{stamp}-{uuid.uuid4().hex[:6]}"[:80]


def _outcome_view(final: dict[str, Any]) -> dict[str, Any]:
    state = ExecutionState.salvage(final)
    decision = state.decision if state else None
    verification = state.cursor.verification if state and state.cursor else None
    return {
        "decision": {
            "outcome": decision.outcome if decision else None,
            "reason": decision.reason if decision else None,
            "checks": [c.to_json() for c in decision.checks] if decision else [],
        },
        "actions": [
            a.model_dump(mode="json", include={"name", "action", "target", "status", "detail"})
            for a in (state.completed if state else [])
        ],
        "verified": verification.ok if verification else None,
        "error": final.get("error"),
    }


def run_live_drill(args: argparse.Namespace) -> int:
    """Rehearse on the deployed stack: start its state machine with a dry-run request, wait, print the outcome.

    Reads from ``args``: ``group`` (required), ``dry_run`` (must be true), and optionally ``stack``,
    ``region``, ``plan``, ``json``, ``direction`` (default failover) and ``timeout`` (seconds, default 600).
    Exit 0 when the execution succeeded, 1 when it failed or is still running at the timeout, 2 when it
    cannot start.
    """
    return _live_drill(args)


@guarded
def _live_drill(args: argparse.Namespace) -> int:
    if not getattr(args, "dry_run", False):
        raise OpsError(
            "a live drill runs only with --dry-run (for a real failover use: failoverctl failover --group G)",
            code="DryRunRequired",
        )
    group = getattr(args, "group", None)
    if not group:
        raise OpsError("a live drill needs --group G", code="GroupRequired")
    direction = str(getattr(args, "direction", None) or Direction.FAILOVER)
    timeout = int(getattr(args, "timeout", None) or 600)
    stack = connect(args)
    plan = load_local_plan(args, stack)
    require_group(group, known_groups(stack, plan))
    model = group_model(plan, group)
    name = _drill_name(group, direction)
    request = FailoverRequest(
        request_id=uuid.uuid4().hex,
        incident_id=name,
        group=group,
        direction=Direction(direction),
        source=Source.DRILL,
        trigger=Trigger(reason="failoverctl drill --live --dry-run", time=iso()),
        dry_run=True,
        requested_by=stack.identity(),
        reason="live drill (dry run)",
    )
    timing = {
        "confirmation_seconds": 0,
        "verify_interval_seconds": model.verification.interval_seconds if model else 15,
        "approval_timeout_seconds": model.safety.approval.timeout_seconds if model else 900,
    }
    sfn = stack.sfn()
    started = sfn.start_execution(
        stateMachineArn=stack.output("StateMachineArn"),
        name=name,
        input=json.dumps({"request": request.to_json(), "timing": timing}),
    )
    arn = started["executionArn"]
    if not getattr(args, "json", False):
        print(f"live drill (dry run) of group {group}: execution {name}")
    deadline = time.monotonic() + timeout
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution.get("status") != "RUNNING" or time.monotonic() >= deadline:
            break
        wait(2.0)
    status = str(execution.get("status"))
    state = execution_state(execution, history_events(stack, arn))
    outcome = _outcome_view(state)
    result = {"execution": arn, "name": name, "status": status, "dry_run": True, **outcome}
    if getattr(args, "json", False):
        emit_json(result)
    else:
        decision = outcome["decision"]
        print(f"status: {status}")
        print(f"decision: {decision['outcome']}: {decision['reason']}")
        for check in decision["checks"]:
            print(f"  [{'ok' if check.get('ok') else 'FAIL'}] {check.get('name')}: {check.get('detail')}")
        for action in outcome["actions"]:
            print(f"  {action['name']} ({action['action']}): {action['status']}: {action['detail']}")
        if outcome["verified"] is not None:
            print(f"verified: {'yes' if outcome['verified'] else 'no'}")
        if status == "RUNNING":
            print(f"still running after {timeout} s: failoverctl report {name} --stack {stack.name}")
    return 0 if status == "SUCCEEDED" else 1
