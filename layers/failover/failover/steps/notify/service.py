"""``deliver``: one phase of an incident to SNS, then to Slack, best effort and always recorded.

A notification never fails a failover: each channel's error is caught, retried where that makes
sense (botocore retries SNS; the Slack webhook retries 429, 5xx and connection errors), turned into
a ``NotificationRecord``, added to the incident timeline when a table is configured, and returned
for the execution's output. Nothing here raises to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.config import Env
from failover.errors import UnknownGroupError
from failover.infra.clients import Clients
from failover.models import NotificationRecord
from failover.observability import logger
from failover.steps.notify.messages import ApprovalLinks, Incident, clip
from failover.steps.notify.redact import Redactor
from failover.steps.notify.slack_secret import webhook_url
from failover.steps.notify.sns import publish

if TYPE_CHECKING:
    from failover.steps.notify.slack_webhook import RetryPolicy

__all__ = ["ApprovalLinks", "DeliveryRecord", "deliver", "record_started_decision"]


class DeliveryRecord(NotificationRecord):
    """A ``NotificationRecord`` that also says when a channel was skipped (not configured)."""

    skipped: bool = False


def deliver(
    phase: str,
    state: Mapping[str, Any] | None,
    *,
    env: Env,
    clients: Clients,
    plan: Any | None,
    approval: ApprovalLinks | Mapping[str, Any] | Any | None = None,
    execution_id: str | None = None,
    store: Any | None = None,
    slack_policy: RetryPolicy | None = None,
    now: datetime | None = None,
) -> list[NotificationRecord]:
    """Notify ``phase`` of the execution ``state`` on every configured channel.

    Returns one record per channel (``sns``, ``slack``), in that order; a channel that is not
    configured gives a record with ``skipped=True``. ``approval`` (approval phase only) carries the
    approval id for the Slack buttons and the signed approve/deny links: an ``ApprovalLinks``, a
    mapping, or any object with those attributes (``failover.approval.ApprovalRequest``).
    ``store`` defaults to the incident table named in ``env`` (``Store.add_event`` is used).
    """
    incident = _incident(phase=phase, state=state, plan=plan, execution_id=execution_id, env=env, now=now)
    links = _approval(approval)
    records: list[NotificationRecord] = [
        _send_sns(incident, env, clients),
        _send_slack(incident, env, clients, links, slack_policy),
    ]
    _record(records, incident, env, clients, store)
    return records


def _incident(
    *, phase: str, state: Mapping[str, Any] | None, plan: Any, execution_id: str | None, env: Env, now: datetime | None
) -> Incident:
    group = _group(plan, state)
    settings = getattr(plan, "settings", None)
    console_region = getattr(settings, "console_region", None) or env.region
    try:
        return Incident.from_state(phase, state, group, execution_id, console_region, now=now)
    except Exception:  # a message with less detail beats no message
        logger.exception("incident view failed; sending a minimal message", extra={"phase": phase})
        return Incident.from_state(phase, {}, None, execution_id, console_region, now=now)


def _group(plan: Any, state: Mapping[str, Any] | None) -> Any | None:
    request = state.get("request") if isinstance(state, Mapping) else None
    name = request.get("group") if isinstance(request, Mapping) else None
    if plan is None or not isinstance(name, str):
        return None
    try:
        return plan.group(name)
    except UnknownGroupError:  # an unknown group still gets its message, without plan details
        logger.warning("group not in the plan; notifying without its settings", extra={"group": name})
        return None


def _approval(value: Any) -> ApprovalLinks | None:
    if value is None or isinstance(value, ApprovalLinks):
        return value
    try:
        if isinstance(value, Mapping):
            return ApprovalLinks.model_validate(dict(value))
        return ApprovalLinks.model_validate(value, from_attributes=True)
    except ValueError:
        logger.warning("approval links are malformed; the message goes out without buttons")
        return None


def _send_sns(incident: Incident, env: Env, clients: Clients) -> NotificationRecord:
    if not env.topic_arn:
        return DeliveryRecord(channel="sns", phase=incident.phase, ok=True, skipped=True, detail="skipped: no topic")
    parts = env.topic_arn.split(":")
    region = parts[3] if len(parts) > 3 else None
    try:
        return publish(incident, topic_arn=env.topic_arn, sns_client=clients.get("sns", region))
    except Exception as err:  # recorded: a notification never fails a failover
        logger.exception("sns notification failed", extra={"phase": incident.phase, "group": incident.group})
        return NotificationRecord(
            channel="sns", phase=incident.phase, ok=False, detail=clip(f"{type(err).__name__}: {err}", 1000)
        )


def record_started_decision(store: Any, state: Mapping[str, Any] | None) -> None:
    """With the started notification (beside the first stage), the gate's proceed decision goes into
    the timeline at the time it was made (``Store.record_decision``). Best effort, like the
    notification: a failed write is logged, never raised into the failover."""
    request = _mapping((state or {}).get("request"))
    decision = _mapping(_mapping((state or {}).get("gate")).get("decision"))
    incident_id = request.get("incident_id")
    if decision.get("outcome") != "proceed" or not incident_id:
        return  # an approval decision was recorded by the gate's function, before the wait
    try:
        store.record_decision(str(incident_id), decision)
    except (BotoCoreError, ClientError):
        logger.exception("could not add the decision to the timeline", extra={"incident_id": incident_id})


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _send_slack(
    incident: Incident,
    env: Env,
    clients: Clients,
    approval: ApprovalLinks | None,
    policy: RetryPolicy | None,
) -> NotificationRecord:
    if not env.slack_secret_arn:
        return DeliveryRecord(
            channel="slack",
            phase=incident.phase,
            ok=True,
            skipped=True,
            detail="skipped: no Slack webhook secret configured",
        )
    # slack_sdk is imported where Slack is configured, not at every cold start of every function
    from failover.steps.notify.slack_blocks import build_message
    from failover.steps.notify.slack_webhook import SlackWebhook

    url: str | None = None
    try:
        url = webhook_url(env.slack_secret_arn, clients=clients)
        message = build_message(incident, approval)
        result = SlackWebhook(url, policy).send(message)
    except Exception as err:  # recorded: a notification never fails a failover
        detail = Redactor(url)(f"{type(err).__name__}: {err}")
        logger.warning(
            "slack notification failed",
            extra={"phase": incident.phase, "group": incident.group, "error": clip(detail, 500)},
        )
        return NotificationRecord(channel="slack", phase=incident.phase, ok=False, detail=clip(detail, 1000))
    log = logger.info if result.ok else logger.warning
    log(
        "slack notification sent" if result.ok else "slack notification failed",
        extra={
            "phase": incident.phase,
            "group": incident.group,
            "status": result.status,
            "attempts": result.attempts,
            "detail": result.detail,
        },
    )
    detail = result.detail if result.ok else f"{result.detail} after {result.attempts} attempt(s)"
    return NotificationRecord(
        channel="slack", phase=incident.phase, ok=result.ok, detail=detail, attempts=result.attempts
    )


def _record(
    records: list[NotificationRecord], incident: Incident, env: Env, clients: Clients, store: Any | None
) -> None:
    incident_id = incident.incident_id or incident.execution_id
    if not incident_id:
        return
    try:
        if store is None:
            if not env.table_name:
                return
            from failover.infra.store import Store

            store = Store(env.table_name, clients)
        for record in records:
            kind = "notification" if record.ok else "notification_failed"
            store.add_event(
                incident_id,
                kind,
                f"{record.channel} {record.phase}: {record.detail}",
                **record.model_dump(mode="json", exclude={"detail"}),
            )
    except Exception:  # the records are still returned in the execution output
        logger.exception("could not add notifications to the timeline", extra={"incident_id": incident_id})
