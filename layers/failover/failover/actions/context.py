"""The ``ActionContext`` of one request: which way, between which sides and regions, with which clients."""

from __future__ import annotations

from failover.actions.base import ActionContext
from failover.infra.clients import Clients
from failover.models import Decision, Direction, FailoverRequest
from failover.plan import Group
from failover.state import EscalationWait


def standby_of(source: str | None, target: str | None) -> str:
    """The standby of a (source, target) pair: whichever side is not the primary."""
    return (target if target != "primary" else source) or "secondary"


def chosen_standby(decision: Decision | None) -> str:
    """The standby in the pair the gate chose: the target of a failover, the source of a failback."""
    if decision is None:
        return "secondary"
    return standby_of(decision.source_side, decision.target_side)


def role_of(key: str) -> str:
    """The role a side plays in an action's spec narrowed to its pair: ``primary`` or ``secondary``."""
    return "primary" if key == "primary" else "secondary"


def context_for(
    group: Group,
    request: FailoverRequest,
    clients: Clients,
    *,
    dry_run: bool,
    stage: str | None = None,
    action: str | None = None,
    escalation: EscalationWait | None = None,
    standby: str = "secondary",
) -> ActionContext:
    """The context of ``request`` on ``group`` between the primary and ``standby``; for ``action``, its
    escalation so far in the run, if any."""
    source, target = group.sides_for(request.direction, standby)
    ctx = ActionContext(
        direction=Direction(request.direction),
        source=role_of(source),
        target=role_of(target),
        source_region=group.side(source).region,
        target_region=group.side(target).region,
        clients=clients,
        dry_run=dry_run,
        stage=stage,
        group=group.name,
        incident_id=request.incident_id,
        request=request.to_json(),
        escalation_policy=group.safety.escalation_policy,
        standby=standby,
    )
    earlier = escalation.actions.get(action) if escalation is not None and action is not None else None
    if escalation is not None and earlier is not None and escalation.stage == stage:
        ctx.escalation_earlier = earlier
        answer = escalation.answer
        if answer is not None:
            ctx.escalation_approved = bool(answer.approved) and not answer.timed_out
            ctx.escalation_approved_by = answer.by or ("nobody: the approval timed out" if answer.timed_out else None)
    return ctx
