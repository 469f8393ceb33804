"""Turn any incoming EventBridge event into one ``FailoverRequest``, or an ``Ignored`` with its reason.

Sources:
- ``aws.cloudwatch`` / ``CloudWatch Alarm State Change``: metric alarms, composite alarms and
  alarms on the Route 53 ``HealthCheckStatus`` metric (those live in us-east-1);
- ``aws.rds`` / ``RDS DB Instance Event`` and ``RDS DB Cluster Event`` in the failure or failover
  categories, for the source identifiers a group names;
- ``aws.health`` / ``AWS Health Event``: open ``issue`` events (public or account-specific) for a
  service a group names in ``triggers.health_services``, in the group's primary region; every group
  that matches gets its own request;
- ``failover.manual`` / ``Failover Requested``: a person (``failoverctl failover``) or a runbook;
- ``failover.drill`` / ``Failover Requested``: a rehearsal (always a dry run unless it says otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.errors import UnknownGroupError
from failover.models import Direction, FailoverRequest, Source, Trigger, iso
from failover.plan import Plan

ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
REQUEST_DETAIL_TYPE = "Failover Requested"
MANUAL_SOURCE = "failover.manual"
DRILL_SOURCE = "failover.drill"
RDS_DETAIL_TYPES = {"RDS DB Instance Event", "RDS DB Cluster Event"}
RDS_CATEGORIES = {"failure", "failover"}
HEALTH_SOURCE = "aws.health"
HEALTH_DETAIL_TYPE = "AWS Health Event"


@dataclass(frozen=True)
class Ignored:
    """An event we do not act on, and why (logged and counted, never raised)."""

    reason: str
    detail: str
    group: str | None = None
    notify: bool = False  # a person asked for something and must hear that it was refused


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)


class AlarmState(_Loose):
    value: str
    reason: str | None = None
    timestamp: str | None = None


class AlarmDetail(_Loose):
    alarm_name: str = Field(alias="alarmName", min_length=1)
    state: AlarmState
    previous_state: AlarmState | None = Field(default=None, alias="previousState")
    configuration: dict[str, Any] = Field(default_factory=dict)


class RdsDetail(_Loose):
    event_categories: list[str] = Field(default_factory=list, alias="EventCategories")
    source_identifier: str = Field(alias="SourceIdentifier", min_length=1)
    source_arn: str | None = Field(default=None, alias="SourceArn")
    message: str | None = Field(default=None, alias="Message")
    event_id: str | None = Field(default=None, alias="EventID")


class HealthDescription(_Loose):
    language: str | None = None
    latest_description: str | None = Field(default=None, alias="latestDescription")


class HealthDetail(_Loose):
    """The ``detail`` of an AWS Health event (public and account-specific shapes)."""

    event_arn: str = Field(alias="eventArn", min_length=1)
    service: str = Field(min_length=1)
    event_type_code: str = Field(alias="eventTypeCode", min_length=1)
    event_type_category: str = Field(alias="eventTypeCategory", min_length=1)
    event_scope_code: str | None = Field(default=None, alias="eventScopeCode")
    status_code: str | None = Field(default=None, alias="statusCode")
    event_region: str | None = Field(default=None, alias="eventRegion")
    start_time: str | None = Field(default=None, alias="startTime")
    event_description: list[HealthDescription] = Field(default_factory=list, alias="eventDescription")
    affected_entities: list[dict[str, Any]] = Field(default_factory=list, alias="affectedEntities")

    def description(self) -> str:
        english = [d for d in self.event_description if (d.language or "en_US").startswith("en")]
        chosen = (english or self.event_description or [HealthDescription()])[0]
        return (chosen.latest_description or self.event_type_code)[:1000]


class RequestDetail(_Loose):
    group: str = Field(min_length=1, max_length=64)
    direction: Literal["failover", "failback"] = "failover"
    dry_run: bool | None = None
    reason: str | None = Field(default=None, max_length=1000)
    requested_by: str | None = Field(default=None, max_length=256)


def _health_check_id(configuration: dict[str, Any]) -> str | None:
    """The Route 53 health check behind an alarm on ``AWS/Route53 HealthCheckStatus``, if it is one."""
    metrics = configuration.get("metrics")
    for metric in metrics if isinstance(metrics, list) else []:
        stat = _obj(_obj(metric).get("metricStat"))
        m = _obj(stat.get("metric"))
        if m.get("namespace") == "AWS/Route53" and m.get("name") == "HealthCheckStatus":
            hc = _obj(m.get("dimensions")).get("HealthCheckId")
            if hc:
                return str(hc)
    return None


def _obj(value: Any) -> dict[str, Any]:
    """A part of the event that should be an object; anything else counts as absent (never a crash)."""
    return value if isinstance(value, dict) else {}


def _short(errors: ValidationError) -> str:
    first = errors.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"


class EventBridgeModel(BaseModel):
    """The EventBridge envelope, as Powertools' ``EventBridgeModel`` reads it.

    Defined here because importing that one model imports Powertools' whole parser model package
    (some thirty event sources) at every cold start of the trigger.
    """

    model_config = ConfigDict(populate_by_name=True, defer_build=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: dict[str, Any]
    replay_name: str | None = Field(default=None, alias="replay-name")


def parse_events(event: Any, plan: Plan) -> list[FailoverRequest] | Ignored:
    """Every request one event makes (an AWS Health event can concern several groups), or why none."""
    if isinstance(event, dict) and event.get("source") == HEALTH_SOURCE:
        try:
            envelope = EventBridgeModel.model_validate(event)
        except ValidationError as err:
            return Ignored("malformed", f"not an EventBridge event ({_short(err)})")
        if envelope.detail_type == HEALTH_DETAIL_TYPE:
            return _from_health(envelope, plan)
    parsed = parse_event(event, plan)
    return parsed if isinstance(parsed, Ignored) else [parsed]


def parse_event(event: Any, plan: Plan) -> FailoverRequest | Ignored:
    """Normalise one EventBridge event. Never raises on bad input: returns ``Ignored`` with the reason.

    An AWS Health event gives the request of the first group it concerns (``parse_events`` gives all).
    """
    if not isinstance(event, dict):
        return Ignored("malformed", f"an event is a JSON object, got {type(event).__name__}")
    try:
        envelope = EventBridgeModel.model_validate(event)
    except ValidationError as err:
        return Ignored("malformed", f"not an EventBridge event ({_short(err)})")
    detail_type = envelope.detail_type
    source = envelope.source
    if source == "aws.cloudwatch" and detail_type == ALARM_DETAIL_TYPE:
        return _from_alarm(envelope, plan)
    if source == "aws.rds" and detail_type in RDS_DETAIL_TYPES:
        return _from_rds(envelope, plan)
    if source in (MANUAL_SOURCE, DRILL_SOURCE) and detail_type == REQUEST_DETAIL_TYPE:
        return _from_request(envelope, plan)
    if source == HEALTH_SOURCE and detail_type == HEALTH_DETAIL_TYPE:
        found = _from_health(envelope, plan)
        return found if isinstance(found, Ignored) else found[0]
    return Ignored("unsupported_event", f"no handling for source '{source}' detail-type '{detail_type}'")


def _seen(envelope: EventBridgeModel, **fields: Any) -> Trigger:
    """What fired, as ``envelope`` carries it (its region, account, time and id) unless ``fields`` say otherwise."""
    seen: dict[str, Any] = {
        "region": envelope.region,
        "account": envelope.account,
        "time": envelope.time.isoformat() if envelope.time else None,
        "event_id": envelope.id,
    }
    return Trigger(**(seen | fields))


def _from_alarm(envelope: EventBridgeModel, plan: Plan) -> FailoverRequest | Ignored:
    try:
        detail = AlarmDetail.model_validate(envelope.detail)
    except ValidationError as err:
        return Ignored("malformed", f"alarm state change without the expected detail ({_short(err)})")
    region = envelope.region
    group = plan.group_for_alarm(detail.alarm_name, region)
    if group is None:
        return Ignored("unknown_alarm", f"alarm '{detail.alarm_name}' in {region} triggers no group in the plan")
    if detail.state.value == "OK" and group.safety.failback.mode == "automatic":
        # the primary's trigger cleared: a failback candidate, confirmed after healthy_for_seconds
        direction = Direction.FAILBACK
    elif detail.state.value == "ALARM":
        direction = Direction.FAILOVER
    else:
        return Ignored(
            "not_alarm_state",
            f"alarm '{detail.alarm_name}' went to {detail.state.value}; only ALARM starts a failover",
            group=group.name,
        )
    hc_id = _health_check_id(detail.configuration)
    return FailoverRequest(
        request_id=envelope.id,
        group=group.name,
        direction=direction,
        source=Source.HEALTH_CHECK if hc_id and direction == Direction.FAILOVER else Source.ALARM,
        trigger=_seen(
            envelope,
            alarm_name=detail.alarm_name,
            alarm_arn=envelope.resources[0] if envelope.resources else None,
            state=detail.state.value,
            previous_state=detail.previous_state.value if detail.previous_state else None,
            reason=detail.state.reason,
            region=region,
            health_check_id=hc_id,
        ),
        dry_run=group.safety.dry_run,
        requested_by="automation",
        received_at=iso(),
    )


def _from_rds(envelope: EventBridgeModel, plan: Plan) -> FailoverRequest | Ignored:
    try:
        detail = RdsDetail.model_validate(envelope.detail)
    except ValidationError as err:
        return Ignored("malformed", f"RDS event without the expected detail ({_short(err)})")
    group = plan.group_for_rds_source(detail.source_identifier)
    if group is None:
        return Ignored("unknown_rds_source", f"RDS source '{detail.source_identifier}' triggers no group in the plan")
    categories = {c.lower() for c in detail.event_categories}
    if not categories & RDS_CATEGORIES:
        return Ignored(
            "rds_category_ignored",
            f"RDS event categories {sorted(categories) or '[]'} are not failure or failover",
            group=group.name,
        )
    return FailoverRequest(
        request_id=envelope.id,
        group=group.name,
        direction=Direction.FAILOVER,
        source=Source.RDS_EVENT,
        trigger=_seen(
            envelope,
            state="EVENT",
            reason=detail.message,
            event_id=detail.event_id or envelope.id,
            source_identifier=detail.source_identifier,
            alarm_arn=detail.source_arn,
        ),
        dry_run=group.safety.dry_run,
        requested_by="automation",
    )


def _from_health(envelope: EventBridgeModel, plan: Plan) -> list[FailoverRequest] | Ignored:
    try:
        detail = HealthDetail.model_validate(envelope.detail)
    except ValidationError as err:
        return Ignored("malformed", f"AWS Health event without the expected detail ({_short(err)})")
    region = detail.event_region or envelope.region
    service = detail.service.upper()
    what = f"AWS Health {detail.event_type_code} ({service}, {region})"
    if detail.event_type_category != "issue":
        return Ignored("health_category_ignored", f"{what} is a {detail.event_type_category}, not an issue")
    if (detail.status_code or "open") != "open":
        return Ignored("health_status_ignored", f"{what} is {detail.status_code}: only an open issue starts a failover")
    groups = plan.groups_for_health(region, service)
    if not groups:
        return Ignored(
            "unknown_health_event",
            f"{what}: no group has its primary in {region} and names {service} in health_services",
        )
    scope = detail.event_scope_code or "PUBLIC"
    entities = [str(e.get("entityValue")) for e in detail.affected_entities if e.get("entityValue")]
    reason = f"{what}, {scope}: {detail.description()}"
    if entities:
        reason += f" (affected: {', '.join(entities[:10])})"
    return [
        FailoverRequest(
            request_id=f"{envelope.id}-{group.name}" if len(groups) > 1 else envelope.id,
            group=group.name,
            direction=Direction.FAILOVER,
            source=Source.HEALTH_EVENT,
            trigger=_seen(
                envelope,
                state="EVENT",
                reason=reason[:2000],
                region=region,
                time=_health_time(detail.start_time) or envelope.time.isoformat(),
                event_id=detail.event_arn,
                source_identifier=detail.event_type_code,
            ),
            dry_run=group.safety.dry_run,
            requested_by="automation",
        )
        for group in groups
    ]


def _health_time(value: str | None) -> str | None:
    """AWS Health writes ``startTime`` as an RFC 1123 date (``Wed, 31 Jan 2024 20:10:00 GMT``)."""
    if not value:
        return None
    try:
        return iso(parsedate_to_datetime(value))
    except (TypeError, ValueError, IndexError):
        return None


def _from_request(envelope: EventBridgeModel, plan: Plan) -> FailoverRequest | Ignored:
    try:
        detail = RequestDetail.model_validate(envelope.detail)
    except ValidationError as err:
        return Ignored("malformed", f"failover request is invalid ({_short(err)})", notify=True)
    try:
        group = plan.group(detail.group)
    except UnknownGroupError as err:
        return Ignored("unknown_group", err.message, notify=True)
    drill = envelope.source == DRILL_SOURCE
    dry_run = detail.dry_run if detail.dry_run is not None else (drill or group.safety.dry_run)
    return FailoverRequest(
        request_id=envelope.id,
        group=group.name,
        direction=Direction(detail.direction),
        source=Source.DRILL if drill else Source.MANUAL,
        trigger=_seen(envelope, state="REQUESTED", reason=detail.reason),
        dry_run=bool(dry_run or group.safety.dry_run),
        requested_by=detail.requested_by or "unknown",
        reason=detail.reason,
    )
