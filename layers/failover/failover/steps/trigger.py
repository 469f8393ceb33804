"""The trigger: one EventBridge event in, at most one execution per incident out.

Duplicate deliveries and alarm storms start no second execution:
- automatic events (alarms, RDS events) of one group and direction join the incident that is
  already open (a DynamoDB claim with an expiry, ``safety.dedupe_window_seconds``);
- the execution is named after the incident, and Step Functions refuses a second execution of
  the same name (Standard workflows: names are unique for 90 days);
- an identical redelivery of one event is answered from Powertools idempotency when enabled.
Events we do not act on are logged with their reason and counted, never raised.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from failover.checks.signals import applies as signals_apply
from failover.config import Env
from failover.events import DRILL_SOURCE, Ignored, parse_events
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.models import AUTOMATIC_SOURCES, Direction, FailoverRequest, Source
from failover.models import Trigger as AlarmTrigger
from failover.observability import logger
from failover.plan import Group, Plan


@dataclass
class TriggerResult:
    status: str  # started | deduplicated | ignored | rejected
    reason: str
    detail: str = ""
    group: str | None = None
    incident_id: str | None = None
    execution_arn: str | None = None
    request: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        request: FailoverRequest,
        incident_id: str,
        status: str,
        reason: str,
        detail: str,
        execution_arn: str | None = None,
    ) -> TriggerResult:
        """The result for ``request`` and its incident."""
        return cls(
            status=status,
            reason=reason,
            detail=detail,
            group=request.group,
            incident_id=incident_id,
            execution_arn=execution_arn,
            request=request.to_json(),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def incident_id_for(request: FailoverRequest, now: datetime | None = None) -> str:
    """A Step Functions execution name: ``<group>-<direction>-<UTC time>-<hash>`` (at most 80 chars)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    digest = hashlib.sha256(f"{request.group}|{request.direction}|{request.request_id}".encode()).hexdigest()[:8]
    name = f"{request.group}-{request.direction}-{stamp}-{digest}"
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:80]


def timing_for(group: Group, request: FailoverRequest, wait_scale: float) -> dict[str, Any]:
    """The waits of one execution, from the plan (drills scale them down to zero).

    With corroborating signals the first look comes after one interval, and the rest of the confirmation
    period is waited look by look (``Timing.corroboration``).
    """
    confirm = group.safety.confirmation_seconds if request.source in AUTOMATIC_SOURCES else 0
    if request.source in AUTOMATIC_SOURCES and request.direction == Direction.FAILBACK:
        confirm = group.safety.failback.healthy_for_seconds
    extra: dict[str, Any] = {}
    if group.signals is not None and signals_apply(group, request):
        first = min(group.signals.interval_seconds, confirm)
        extra["corroboration"] = {
            "period_seconds": confirm,
            "interval_seconds": group.signals.interval_seconds,
            "waited_seconds": first,
        }
        confirm = first
    return {
        **extra,
        "confirmation_seconds": int(confirm * wait_scale),
        "verify_interval_seconds": int(group.verification.interval_seconds * wait_scale),
        # a scaled-down drill still gives its approver a few seconds to answer
        "approval_timeout_seconds": max(15, int(group.safety.approval.timeout_seconds * wait_scale)),
    }


class _NoTimeline:
    """Where the notices of a rejected request are recorded: nowhere but the trigger's result and log.

    A request that cannot run opens no incident, and the trigger writes nothing to the table for an
    event it does not act on (a flood of bad requests cannot fill it)."""

    def add_event(self, *args: Any, **kwargs: Any) -> None:
        return None


_NO_TIMELINE = _NoTimeline()


class Trigger:
    def __init__(self, plan: Plan, env: Env, clients: Clients, store: Store | None = None) -> None:
        self.plan = plan
        self.env = env
        self.clients = clients
        self.store = store or Store(env.table_name, clients)

    def handle(self, event: Any) -> TriggerResult:
        parsed = parse_events(event, self.plan)
        if isinstance(parsed, Ignored):
            return self._ignored(parsed, event)
        results = [self._start(request) for request in parsed]
        if len(results) > 1:  # an AWS Health event concerning several groups: one incident each
            results[0].extra["other_groups"] = [r.to_json() for r in results[1:]]
        return results[0]

    # ------------------------------------------------------------------------------------

    def _ignored(self, ignored: Ignored, event: Any) -> TriggerResult:
        status = "rejected" if ignored.notify else "ignored"
        logger.info(
            "event not acted on",
            extra={"status": status, "reason": ignored.reason, "detail": ignored.detail, "group": ignored.group},
        )
        result = TriggerResult(status=status, reason=ignored.reason, detail=ignored.detail, group=ignored.group)
        if ignored.notify:
            self._notify_rejection(result, event)
        elif ignored.reason == "not_alarm_state" and ignored.group:
            self._notify_recovered(result, event)
        return result

    def _notify_recovered(self, result: TriggerResult, event: Any) -> None:
        """A failed-over group's trigger alarm is back to OK: tell people to plan the failback."""
        detail = event.get("detail") if isinstance(event, dict) else None
        state = (detail or {}).get("state") or {}
        if not isinstance(state, dict) or state.get("value") != "OK" or result.group is None:
            return
        if self.store.group_state(result.group).get("active_side") != "secondary":
            return
        from failover.steps.notify.service import deliver

        request = FailoverRequest(
            request_id=str(event.get("id") or result.group),
            group=result.group,
            direction=Direction.FAILBACK,
            source=Source.ALARM,
            trigger=AlarmTrigger(
                alarm_name=(detail or {}).get("alarmName"),
                state="OK",
                reason=state.get("reason"),
                region=event.get("region"),
                time=event.get("time"),
            ),
        )
        view = {"request": request.to_json()}
        records = deliver("recovered", view, env=self.env, clients=self.clients, plan=self.plan, store=self.store)
        result.extra["notified"] = {"phase": "recovered", "records": [r.to_json() for r in records]}

    def _notify_rejection(self, result: TriggerResult, event: Any) -> None:
        """A person asked for a failover that cannot run: tell them, on every channel (best effort)."""
        from failover.steps.notify.service import deliver

        envelope: dict[str, Any] = event if isinstance(event, dict) else {}
        given = envelope.get("detail")
        detail: dict[str, Any] = given if isinstance(given, dict) else {}
        # what the request said, as far as it says it: the notifier leaves out what does not fit
        asked = {
            "request_id": str(envelope.get("id") or "unknown"),
            "group": str(detail.get("group") or result.group or "unknown group"),
            "direction": detail.get("direction"),
            "source": Source.DRILL if envelope.get("source") == DRILL_SOURCE else Source.MANUAL,
            "requested_by": detail.get("requested_by"),
            "reason": detail.get("reason"),
            "trigger": {"state": "REQUESTED", "region": envelope.get("region"), "time": envelope.get("time")},
        }
        view = {
            "request": {k: v for k, v in asked.items() if v is not None},
            "error": {"Error": result.reason, "Cause": result.detail},
        }
        records = deliver("rejected", view, env=self.env, clients=self.clients, plan=self.plan, store=_NO_TIMELINE)
        result.extra["notified"] = {"phase": "rejected", "records": [r.to_json() for r in records]}

    def _start(self, request: FailoverRequest) -> TriggerResult:
        group = self.plan.group(request.group)
        if request.source in AUTOMATIC_SOURCES and request.direction == Direction.FAILBACK:
            active = self.store.group_state(group.name).get("active_side", "primary")
            if active != "secondary":
                return self._ignored(
                    Ignored("not_failed_over", f"{group.name} runs on {active}: no failback to do", group=group.name),
                    None,
                )
        candidate = incident_id_for(request)
        dedupe = request.source in AUTOMATIC_SOURCES and group.safety.dedupe_window_seconds > 0
        if dedupe:
            claim = self.store.claim_incident(
                group.name, str(request.direction), candidate, group.safety.dedupe_window_seconds
            )
            incident_id = claim.incident_id
            if not claim.created and claim.execution_arn:
                logger.info(
                    "event joins the open incident",
                    extra={"group": group.name, "incident_id": incident_id, "events": claim.events},
                )
                if request.source == Source.HEALTH_EVENT and request.trigger.event_id:
                    # remembered for the gate's AWS Health signal (failover.checks.signals)
                    self.store.add_event(
                        incident_id,
                        "aws_health",
                        f"AWS Health {request.trigger.source_identifier} joins the incident",
                        event_arn=request.trigger.event_id,
                        region=request.trigger.region,
                    )
                detail = f"incident {incident_id} is already open for {group.name} ({claim.events} events)"
                return TriggerResult.of(request, incident_id, "deduplicated", "incident_open", detail)
        else:
            incident_id = candidate
        request = request.model_copy(update={"incident_id": incident_id})
        execution_input = {
            "request": request.to_json(),
            "timing": timing_for(group, request, self.env.wait_scale),
            "approval": None,
        }
        try:
            resp = self.clients.get("stepfunctions").start_execution(
                stateMachineArn=self.env.state_machine_arn,
                name=incident_id,
                input=json.dumps(execution_input),
            )
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                detail = f"an execution named {incident_id} already exists"
                return TriggerResult.of(request, incident_id, "deduplicated", "execution_exists", detail)
            raise
        execution_arn = resp["executionArn"]
        if dedupe:
            self.store.mark_claim_started(group.name, str(request.direction), incident_id, execution_arn)
        self.store.add_event(
            incident_id,
            "triggered",
            f"{request.source} {request.trigger.alarm_name or request.requested_by}: execution started",
            execution_arn=execution_arn,
            request=request.to_json(),
        )
        logger.info(
            "failover execution started",
            extra={"group": group.name, "incident_id": incident_id, "execution_arn": execution_arn},
        )
        return TriggerResult.of(
            request, incident_id, "started", "started", f"execution {incident_id} started", execution_arn
        )
