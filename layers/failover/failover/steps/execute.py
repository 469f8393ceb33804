"""The execute step: carry out one action of a stage, record it in the timeline, return its ``ActionResult``."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from failover.actions import build_action
from failover.actions.context import chosen_standby, context_for
from failover.errors import PlanError
from failover.infra.clients import Clients
from failover.infra.lease import fence_for
from failover.infra.store import Store
from failover.models import ActionResult, Decision, FailoverRequest, parse_input
from failover.observability import logger
from failover.plan import Plan
from failover.state import ActionRef, ApprovalAnswer, EscalationWait


class ExecuteInput(BaseModel):
    """One item of the state machine's ``Map``: the action, its stage, and the parts of the state it needs."""

    model_config = ConfigDict(extra="ignore")
    action: ActionRef
    stage: str
    request: FailoverRequest
    decision: Decision | None = None
    approval: ApprovalAnswer | None = None
    #: the stage's escalations that waited for a person, with the answer (``$.cursor.escalation``)
    escalation: EscalationWait | None = None
    execution_id: str | None = None


def execute(
    payload: Any, plan: Plan, clients: Clients, store: Store | None, *, force_dry_run: bool = False
) -> ActionResult:
    data: ExecuteInput = parse_input(payload, ExecuteInput)
    group = plan.group(data.request.group)
    spec = next((s for st, n, s in group.iter_actions() if n == data.action.name and st.name == data.stage), None)
    if spec is None:
        raise PlanError(f"group '{group.name}' has no action '{data.action.name}' in stage '{data.stage}'")
    dry_run = bool((data.decision and data.decision.dry_run) or data.request.dry_run or force_dry_run)
    standby = chosen_standby(data.decision)
    ctx = context_for(
        group,
        data.request,
        clients,
        dry_run=dry_run,
        stage=data.stage,
        action=data.action.name,
        escalation=data.escalation,
        standby=standby,
    )
    action = build_action(spec, data.action.name, standby)
    fence = fence_for(plan.settings.lease, clients, group.name, data.decision, group.safety.lock_ttl_seconds)
    if fence is not None:
        fence()  # a stale holder stops here (StaleLeaseError), before its change
    result = action.run(ctx)
    logger.info(
        "action finished",
        extra={"group": group.name, "action": result.name, "status": result.status, "detail": result.detail},
    )
    if store is not None and data.request.incident_id:
        store.add_event(
            data.request.incident_id,
            "action",
            f"{data.stage}/{result.name}: {result.status}: {result.detail}",
            result=result.to_json(),
        )
    return result
