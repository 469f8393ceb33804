"""Escalation: when an action's planned path is refused because the side being left is impaired.

A planned path (an Aurora or DocumentDB global switchover) needs the side being left to take part;
when that side is impaired AWS refuses it, and only the unplanned path (a global-cluster failover
with ``AllowDataLoss``) can promote the target, losing the writes that had not replicated. Whether
the action takes it is the group's ``safety.escalation`` policy, for actions whose plan entry allows
it (``allow_data_loss: true``):

- ``automatic``: the unplanned path runs at once;
- ``approval``: the action stops with ``EscalationAwaitingApproval``; the state machine asks a
  person (the message carries the data-loss estimate) and runs the action again with the answer:
  approved, the unplanned path runs; denied or unanswered, the action fails with ``EscalationDenied``;
- ``never``: the action fails with ``EscalationNotAllowed``.

Every outcome carries an ``Escalation`` record: what was tried, why it was refused, the unplanned
path, the policy, the estimated data loss (the target's replication lag) and the one-way door the
unplanned path opens. The planned call is made once per run: a rerun after the answer reuses the
refusal it recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import ActionContext, Done
from failover.checks.replication_lag import datapoints
from failover.errors import THROTTLING_CODES
from failover.infra.clients import Clients
from failover.models import ActionStatus, Escalation, EscalationOutcome

AWAITING_APPROVAL = "EscalationAwaitingApproval"
DENIED = "EscalationDenied"
NOT_ALLOWED = "EscalationNotAllowed"


@dataclass(frozen=True)
class LagMetric:
    """A CloudWatch metric of the target's replication lag (the writes a failover would lose)."""

    namespace: str
    name: str
    seconds_per_unit: float


@dataclass(frozen=True)
class Unplanned:
    """What an action knows about its planned path and the unplanned one.

    ``impaired`` says why the side being left is impaired when a probe found it so (None when it
    looked healthy: the planned path is tried, and a refusal with one of ``blocked_codes`` that names
    the side being left counts as impaired too).
    """

    planned: str
    tried: str
    impaired: str | None
    blocked_codes: tuple[str, ...]
    source: str
    path: str
    allowed: bool
    #: what the plan would need to allow the unplanned path (shown when it does not)
    allow_hint: str
    estimate: Callable[[], tuple[float | None, str]]
    one_way: str
    region: str
    undo: list[dict[str, Any]]


def estimate_lag(
    clients: Clients, region: str, metrics: tuple[LagMetric, ...], dimensions: dict[str, str]
) -> tuple[float | None, str]:
    """(seconds, where from): the newest datapoint of the first metric that has one; None when none has.

    Read in the target's region, where the secondary cluster publishes its lag; a metric that cannot
    be read counts as having no datapoint.
    """
    dims = ", ".join(f"{k}={v}" for k, v in sorted(dimensions.items()))
    for metric in metrics:
        try:
            points = datapoints(clients, region, metric.namespace, metric.name, dimensions)
        except (ClientError, BotoCoreError):
            continue
        if points:
            point = points[-1]
            seconds = round(float(point["Maximum"]) * metric.seconds_per_unit, 3)
            at = point["Timestamp"].isoformat()
            return seconds, f"{metric.namespace} {metric.name} of {dims} in {region} at {at}"
    names = " or ".join(m.name for m in metrics)
    return None, f"no {names} datapoint of {dims} in {region} in the last 300 s"


def refusal(err: ClientError) -> str:
    """``Code: Message`` of a refusal; throttling and server errors are raised again (they are retried)."""
    code = err.response.get("Error", {}).get("Code", "")
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code in THROTTLING_CODES or status >= 500:
        raise err
    return f"{code}: {err.response.get('Error', {}).get('Message', '')}"


def escalate(
    ctx: ActionContext,
    unplanned: Unplanned,
    attempt: Callable[[], str],
    run_unplanned: Callable[[], str],
) -> Done:
    """Try the planned path (``attempt``) once; when AWS refuses it, follow the group's escalation policy."""

    def planned(status: ActionStatus, detail: str) -> Done:
        return Done(status, detail, changes=[unplanned.planned], undo=unplanned.undo, region=unplanned.region)

    if ctx.dry_run and unplanned.impaired is None:
        return planned(ActionStatus.DRY_RUN, f"DRY RUN: would {unplanned.planned}")
    allowed = unplanned.allowed and ctx.escalation_policy != "never"
    impaired = unplanned.impaired or ""

    def record(outcome: EscalationOutcome, refused: str, approved_by: str | None = None) -> Escalation:
        estimate, source = unplanned.estimate()
        return Escalation(
            tried=unplanned.tried,
            refused=refused,
            impaired=impaired,
            path=unplanned.path,
            policy=ctx.escalation_policy if unplanned.allowed else f"{ctx.escalation_policy}; {unplanned.allow_hint}",
            outcome=outcome,
            estimated_data_loss_seconds=estimate,
            estimate=source,
            one_way=unplanned.one_way if outcome in ("escalated", "would_escalate", "awaiting_approval") else None,
            approved_by=approved_by,
        )

    if ctx.dry_run:
        found = record("would_escalate" if allowed else "not_allowed", "not tried (dry run)")
        return Done(
            ActionStatus.DRY_RUN,
            f"DRY RUN: {found.summary()}",
            changes=[unplanned.path] if allowed else [],
            undo=unplanned.undo if allowed else [],
            region=unplanned.region,
            one_way=found.one_way,
            escalation=found,
        )
    earlier = ctx.escalation_earlier
    if earlier is not None:
        refused, impaired = earlier.refused, earlier.impaired
    else:
        try:
            detail = attempt()
        except ClientError as err:
            refused = refusal(err)
            code = refused.split(":", 1)[0]
            if not impaired and (code not in unplanned.blocked_codes or unplanned.source not in refused):
                return Done(ActionStatus.FAILED, refused, region=unplanned.region, error=code or "ClientError")
            impaired = impaired or f"AWS says {unplanned.source} cannot take part"
        else:  # the side being left took part after all: the planned path ran
            return planned(ActionStatus.CHANGED, detail)
    if not allowed:
        return _stop(record("not_allowed", refused), NOT_ALLOWED, unplanned.region)
    if ctx.escalation_policy == "automatic" or ctx.escalation_approved:
        found = record("escalated", refused, ctx.escalation_approved_by if ctx.escalation_approved else None)
        detail = run_unplanned()
        return Done(
            ActionStatus.CHANGED,
            f"{detail}; {found.summary()}",
            changes=[unplanned.path],
            undo=unplanned.undo,
            region=unplanned.region,
            one_way=unplanned.one_way,
            escalation=found,
        )
    if ctx.escalation_approved is False:
        return _stop(record("denied", refused, ctx.escalation_approved_by), DENIED, unplanned.region)
    return _stop(record("awaiting_approval", refused), AWAITING_APPROVAL, unplanned.region)


def _stop(found: Escalation, error: str, region: str) -> Done:
    return Done(ActionStatus.FAILED, found.summary(), region=region, error=error, escalation=found)
