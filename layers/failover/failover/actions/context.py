"""The ``ActionContext`` of one request: which way, between which sides and regions, with which clients."""

from __future__ import annotations

from failover.actions.base import ActionContext
from failover.infra.clients import Clients
from failover.models import Direction, FailoverRequest
from failover.plan import Group


def context_for(
    group: Group,
    request: FailoverRequest,
    clients: Clients,
    *,
    dry_run: bool,
    stage: str | None = None,
    approved: bool = False,
) -> ActionContext:
    source, target = group.sides_for(request.direction)
    return ActionContext(
        direction=Direction(request.direction),
        source=source,
        target=target,
        source_region=group.side(source).region,
        target_region=group.side(target).region,
        clients=clients,
        dry_run=dry_run,
        stage=stage,
        group=group.name,
        incident_id=request.incident_id,
        request=request.to_json(),
        approved=approved,
    )
