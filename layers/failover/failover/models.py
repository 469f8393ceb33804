"""Data contracts passed between the states of the failover state machine.

Every model serialises to plain JSON (``model_dump(mode="json")``) so that the execution's
output carries the whole story of an incident.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

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
    # a model builds its pydantic schema when it is first used: a function builds only those it reads
    model_config = ConfigDict(extra="ignore", use_enum_values=True, defer_build=True)

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
    WAIT = "wait"  # corroborated confirmation: not yet, the gate looks again (``failover.checks.signals``)


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


#: what an action's escalation came to: ran its unplanned path, waits for a person, or stopped
EscalationOutcome = Literal["escalated", "awaiting_approval", "denied", "not_allowed", "would_escalate"]


class Escalation(Contract):
    """An action's planned path refused because the side being left is impaired, and what followed.

    ``tried`` and ``refused`` say which call was made and what AWS answered; ``impaired`` why the side
    being left cannot take part; ``path`` the unplanned path; ``policy`` the group's
    ``safety.escalation``; the estimate is the target's replication lag (the writes that would be lost);
    ``one_way`` the one-way door the unplanned path opens (or would open): what re-protects the side left.
    """

    tried: str
    refused: str
    impaired: str
    path: str
    policy: str
    outcome: EscalationOutcome
    estimated_data_loss_seconds: float | None = None
    estimate: str = ""
    one_way: str | None = None
    approved_by: str | None = None

    def summary(self) -> str:
        """One sentence: what was tried, why it failed, what the escalation did and what it may lose."""
        loss = (
            f"up to {self.estimated_data_loss_seconds:g} s of writes may be lost"
            if self.estimated_data_loss_seconds is not None
            else "the data loss cannot be estimated"
        )
        by = f" (approved by {self.approved_by})" if self.approved_by else ""
        verdict = {
            "escalated": f"escalated to {self.path}{by}",
            "awaiting_approval": f"escalating to {self.path} waits for a person's approval",
            "denied": f"escalating to {self.path} was denied{by}",
            "not_allowed": f"the policy does not allow escalating to {self.path} ({self.policy})",
            "would_escalate": f"would escalate to {self.path} (policy {self.policy})",
        }[self.outcome]
        return f"{self.tried} refused ({self.refused}) because {self.impaired}; {verdict}; {loss} ({self.estimate})"


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
    #: set when the planned path was refused and the action escalated (or could not) to its unplanned path
    escalation: Escalation | None = None
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
