"""Data contracts passed between the states of the failover state machine.

Every model serialises to plain JSON (``model_dump(mode="json")``) so that the execution's
output carries the whole story of an incident.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.errors import InvalidInputError


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(ts: datetime | None = None) -> str:
    """``ts`` (default: now) as ISO 8601 in UTC with milliseconds and ``Z``: the one written form."""
    return (ts or utcnow()).astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 string (``Z`` or an offset) or a datetime as an aware UTC datetime; None when unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", use_enum_values=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class Direction(StrEnum):
    FAILOVER = "failover"
    FAILBACK = "failback"


class Source(StrEnum):
    ALARM = "alarm"
    HEALTH_CHECK = "health_check"
    RDS_EVENT = "rds_event"
    HEALTH_EVENT = "health_event"
    MANUAL = "manual"
    DRILL = "drill"


#: sources that act without a person: deduplicated into incidents, confirmed after a wait, subject to cooldown
AUTOMATIC_SOURCES = frozenset({Source.ALARM, Source.HEALTH_CHECK, Source.RDS_EVENT, Source.HEALTH_EVENT})


class Trigger(Contract):
    """What fired: an alarm state change, a health-check alarm, an RDS event or a person."""

    alarm_name: str | None = None
    alarm_arn: str | None = None
    state: str | None = None
    previous_state: str | None = None
    reason: str | None = None
    region: str | None = None
    account: str | None = None
    time: str | None = None
    health_check_id: str | None = None
    event_id: str | None = None
    source_identifier: str | None = None


class FailoverRequest(Contract):
    request_id: str
    incident_id: str | None = None
    group: str
    direction: Direction = Direction.FAILOVER
    source: Source
    trigger: Trigger = Field(default_factory=Trigger)
    dry_run: bool = False
    requested_by: str = "automation"
    reason: str | None = None
    received_at: str = Field(default_factory=iso)


class Check(Contract):
    """One check the gate or the verifier ran: name, result, and the values behind it."""

    name: str
    ok: bool
    detail: str
    values: dict[str, Any] = Field(default_factory=dict)
    blocking: bool = True


class Outcome(StrEnum):
    PROCEED = "proceed"
    SKIP = "skip"
    APPROVAL = "approval"


class Decision(Contract):
    outcome: Outcome
    reason: str
    checks: list[Check] = Field(default_factory=list)
    source_side: str | None = None
    target_side: str | None = None
    active_side: str | None = None
    dry_run: bool = False
    lock_owner: str | None = None
    lease_token: int | None = None  # the fencing token of the group lease the execution holds
    decided_at: str = Field(default_factory=iso)


class ActionStatus(StrEnum):
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    DRY_RUN = "dry_run"
    FAILED = "failed"


class ActionResult(Contract):
    action: str
    name: str
    stage: str | None = None
    target: str
    status: ActionStatus
    detail: str
    changes: list[str] = Field(default_factory=list)
    undo: list[dict[str, Any]] = Field(default_factory=list)
    error: str | None = None
    #: a change that running the action backwards cannot reverse: what re-protects the side it left
    one_way: str | None = None
    plane: str | None = None
    region: str | None = None
    started_at: str = Field(default_factory=iso)
    finished_at: str = Field(default_factory=iso)
    duration_ms: int = 0


class Verification(Contract):
    ok: bool
    attempt: int
    max_attempts: int
    stage: str | None = None
    checks: list[Check] = Field(default_factory=list)
    retry: bool = False
    checked_at: str = Field(default_factory=iso)


class NotificationRecord(Contract):
    channel: str
    phase: str
    ok: bool
    detail: str
    message_id: str | None = None
    attempts: int = 1


def parse_input(payload: Any, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(payload)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(f"input does not match the contract: {where}: {first['msg']}") from None
