"""Notify: one message per phase to SNS and Slack. Best effort: a notification never fails a failover."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.approval import create_approval, signing_key
from failover.deps import default_deps
from failover.models import parse_input
from failover.observability import logger, metrics, trace_handler
from failover.state import ExecutionState
from failover.steps.notify.service import deliver, record_started_decision


def process(event: Any) -> dict[str, Any]:
    deps = default_deps()
    phase = str(event.get("phase", "")) if isinstance(event, dict) else ""
    state = event.get("state") if isinstance(event, dict) else None
    state = state if isinstance(state, dict) else {}
    approval = None
    if phase == "approval":
        # the approval request must reach people, or the execution would wait for nothing:
        # errors here are raised so the state machine's failure path reports them
        waiting: ExecutionState = parse_input(state, ExecutionState)
        group = deps.plan.group(waiting.request.group)
        timeout = waiting.timing.approval_timeout_seconds if waiting.timing else None
        approval = create_approval(
            deps.store,
            signing_key(deps.env.approval_secret_arn, clients=deps.clients),
            task_token=str(event["task_token"]),
            execution_id=str(event.get("execution_id")),
            group=group.name,
            timeout_seconds=int(timeout or group.safety.approval.timeout_seconds),
            base_url=deps.env.approval_url,
        )
    records = deliver(
        phase,
        state,
        env=deps.env,
        clients=deps.clients,
        plan=deps.plan,
        approval=approval,
        execution_id=event.get("execution_id") if isinstance(event, dict) else None,
        store=deps.store,
    )
    if phase == "started":
        record_started_decision(deps.store, state)
    return {
        "phase": phase,
        "records": [r.to_json() for r in records],
        "approval_id": approval.approval_id if approval else None,
    }


@logger.inject_lambda_context(correlation_id_path="state.request.incident_id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
