"""The finalize step: close an incident: record the outcome and the active side, release what the execution holds."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from failover.errors import StaleLeaseError
from failover.infra import metrics as fmetrics
from failover.infra.clients import Clients
from failover.infra.lease import Activation, fence_for, lease_for
from failover.infra.store import Store
from failover.models import AUTOMATIC_SOURCES, Decision, iso, parse_input
from failover.observability import logger
from failover.plan import Plan
from failover.state import ExecutionState


class FinalizeInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    outcome: Literal["succeeded", "failed", "skipped", "denied"]
    execution_id: str
    state: ExecutionState


def finalize(
    payload: Any, plan: Plan, store: Store, *, clients: Clients | None = None, report_bucket: str | None = None
) -> dict[str, Any]:
    data: FinalizeInput = parse_input(payload, FinalizeInput)
    state = data.state
    request = state.request
    decision = state.decision
    completed = state.completed
    incident_id = request.incident_id or data.execution_id.rsplit(":", 1)[-1]
    group = plan.group(request.group)
    dry_run = bool((decision and decision.dry_run) or request.dry_run)
    target = (decision and decision.target_side) or group.sides_for(request.direction)[1]
    outcome = data.outcome

    changed = state.changed()
    fence = None
    if clients is not None:
        fence = fence_for(plan.settings.lease, clients, group.name, decision, group.safety.lock_ttl_seconds)
    stale: str | None = None
    try:
        _record_sides(store.fenced(fence), group.name, state, incident_id, target, outcome=outcome, dry_run=dry_run)
    except StaleLeaseError as err:
        # a newer holder owns the group now: its record stands, this execution only closes its incident
        stale = err.message
    one_way = store.one_way(group.name)

    released = store.release_lock(group.name, data.execution_id)
    lease = lease_for(plan.settings.lease, clients) if clients is not None else None
    if lease is not None and decision is not None and decision.lease_token is not None:
        # what this holder changed is the group's last activation, for every stack's cooldown
        activation = None
        if changed and not dry_run and stale is None:
            activation = Activation(target, group.side(target).region, incident_id)
        released = lease.release(group.name, data.execution_id, decision.lease_token, activation)
    if outcome in ("skipped", "denied") or dry_run:
        store.release_rate_slot(incident_id)
    if request.source in AUTOMATIC_SOURCES and outcome != "succeeded":
        # let the next alarm transition open a new incident rather than join this closed one
        store.release_claim(group.name, str(request.direction), incident_id)

    trigger_time = request.trigger.time or request.received_at
    ttr = state.time_to_recovery(succeeded=outcome == "succeeded")
    error = state.error
    summary = {
        "incident_id": incident_id,
        "execution_id": data.execution_id,
        "group": group.name,
        "direction": str(request.direction),
        "source": str(request.source),
        "outcome": outcome,
        "dry_run": dry_run,
        "reason": (decision and decision.reason) or (error and error.cause) or "",
        "error": error.error if error else None,
        "changes": len(changed),
        "actions": len(completed),
        "trigger_time": trigger_time,
        "finished_at": iso(),
        "time_to_recovery_seconds": ttr,
        "rto_objective_seconds": group.rto_objective_seconds,
        "lock_released": released,
        "one_way": one_way,
        "stale_lease": stale,
    }
    if report_bucket and clients is not None:
        summary["report"] = _write_report(
            report_bucket,
            group.name,
            incident_id,
            state,
            store,
            clients,
            group.rto_objective_seconds,
            data.execution_id,
        )
    store.put_incident(group.name, incident_id, request.received_at, summary)
    store.add_event(incident_id, "closed", f"incident closed: {outcome}", summary=summary)
    fmetrics.count(_metric_outcome(outcome, decision), group.name, incident_id=incident_id)
    if ttr is not None:
        fmetrics.time_to_recovery(group.name, ttr, incident_id=incident_id)
    logger.info("incident closed", extra=summary)
    return summary


def _write_report(
    bucket: str,
    group: str,
    incident_id: str,
    state: ExecutionState,
    store: Store,
    clients: Clients,
    rto: int,
    execution_id: str,
) -> dict[str, str] | None:
    """The evidence pack (Markdown and HTML) in the report bucket; best effort, never fails the close."""
    from botocore.exceptions import BotoCoreError, ClientError

    from failover.report import write_report

    try:
        return write_report(
            bucket,
            f"reports/{group}/{incident_id}",
            state.to_json(),
            store.timeline(incident_id),
            clients=clients,
            execution={"executionArn": execution_id},
            rto_objective_seconds=rto,
        )
    except (ClientError, BotoCoreError) as err:
        logger.warning("incident report not written", extra={"bucket": bucket, "error": str(err)})
        return None


def _record_sides(
    store: Store, group: str, state: ExecutionState, incident_id: str, target: str, *, outcome: str, dry_run: bool
) -> None:
    """The group's state after the run: the side that serves, and the one-way actions it made."""
    decision = state.decision
    if outcome == "succeeded" and not dry_run:
        store.set_active(group, target, incident_id, failover=True)
    elif outcome == "skipped" and decision and decision.checks and decision.active_side == target:
        store.set_active(group, target, incident_id, failover=False)
    elif outcome == "failed" and state.changed() and not dry_run:
        # some changes were made and the run stopped: traffic may be split; the failure notification
        # lists each change and its undo (the automation never rolls back on its own)
        store.set_active(group, "mixed", incident_id, failover=False)
    _record_one_way(store, group, state, incident_id, target, outcome=outcome, dry_run=dry_run)


def _record_one_way(
    store: Store, group: str, state: ExecutionState, incident_id: str, target: str, *, outcome: str, dry_run: bool
) -> None:
    """Record the one-way actions this run made; a run that reached a side again forgets what left it."""
    if dry_run:
        return
    decision = state.decision
    source = (decision and decision.source_side) or ("secondary" if target == "primary" else "primary")
    if outcome == "succeeded":
        store.clear_one_way(group, target)
    for result in state.changed():
        if result.one_way:
            store.record_one_way(
                group,
                {
                    "name": result.name,
                    "action": result.action,
                    "target": result.target,
                    "from_side": source,
                    "to_side": target,
                    "incident_id": incident_id,
                    "at": result.finished_at,
                    "reprotect": result.one_way,
                },
            )


def _metric_outcome(outcome: str, decision: Decision | None) -> str:
    """``refused`` when the gate said no for safety; ``skipped`` when there was nothing to do."""
    if outcome != "skipped":
        return outcome
    refusals = [
        c
        for c in (decision.checks if decision else [])
        if c.ok is False and c.blocking and c.name != "trigger still firing"
    ]
    return "refused" if refusals else "skipped"
