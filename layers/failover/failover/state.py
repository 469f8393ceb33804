"""``ExecutionState``: the one document the state machine passes from state to state.

The trigger starts an execution with ``request`` and ``timing``; the validate step adds ``gate``
(the decision and the run: its stages and first cursor); a person's answer lands in ``approval``;
the record and verify steps move the ``cursor``; a ``Catch`` puts the ``error``; the notify states
add ``notifications``; the close step adds ``closed``. Every step, the notifier, the report and the
command line read it with one ``model_validate`` (or ``ExecutionState.salvage`` where a message
must go out whatever the state holds), and the steps that change it return it whole, so the
state machine selects ``$.Payload`` instead of listing fields.

Keys this model does not name (the state machine's own, such as ``approval_timeout`` or
``close_error``) are kept as they are.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from failover.models import (
    ActionResult,
    ActionStatus,
    Contract,
    Decision,
    Escalation,
    FailoverRequest,
    Verification,
    parse_time,
)


class ActionRef(Contract):
    """One action of a stage as the state machine's ``Map`` hands it to the execute step."""

    name: str
    type: str


class StageRef(Contract):
    name: str
    actions: list[ActionRef] = Field(default_factory=list)


class Cursor(Contract):
    """Where the run is: the stage, its verification attempts, and everything done so far.

    ``completed`` holds every ``ActionResult`` in order (what changed and how to undo it);
    ``verifications`` every ``Verification``, ``verification`` the latest; ``failed``/``failure``
    say that an action failed or verification was exhausted, and why; ``done`` that the last stage
    is verified.
    """

    index: int = 0
    stage: StageRef
    attempt: int = 0
    completed: list[ActionResult] = Field(default_factory=list)
    verifications: list[Verification] = Field(default_factory=list)
    verification: Verification | None = None
    failed: bool = False
    failure: str | None = None
    done: bool = False
    #: actions of the stage whose escalation waits for a person (the state machine asks, then reruns them)
    escalation: EscalationWait | None = None


class Run(Contract):
    """What the state machine needs to carry the decision out."""

    dry_run: bool = False
    stage_count: int
    verify_attempts: int
    approval_on_timeout: str
    cursor: Cursor
    stages: list[StageRef]


class Corroboration(Contract):
    """The clock of a corroborated confirmation (``failover.checks.signals``), in the plan's seconds.

    ``waited_seconds`` is how much of the ``period_seconds`` confirmation wait has passed before the gate's
    ``looks``-th look; ``next_wait_seconds`` is the next wait as the state machine takes it (scaled in drills).
    """

    period_seconds: int
    interval_seconds: int
    waited_seconds: int = 0
    next_wait_seconds: int = 0
    looks: int = 0


class GateResult(Contract):
    """The validate step's answer: the decision with every check, the run, and the signals' clock if any."""

    decision: Decision
    run: Run
    corroboration: Corroboration | None = None


class Timing(Contract):
    """The execution's waits, from the plan (scaled down in drills)."""

    confirmation_seconds: int = 0
    verify_interval_seconds: int = 0
    approval_timeout_seconds: int | None = None
    corroboration: Corroboration | None = None


class ApprovalAnswer(Contract):
    """A person's answer (from the approve step), or the timeout the state machine records."""

    approved: bool | None = None
    by: str | None = None
    at: str | None = None
    via: str | None = None
    approval_id: str | None = None
    timed_out: bool = False
    policy: str | None = None
    comment: str | None = None


class EscalationWait(Contract):
    """The escalations of one stage that wait for a person, and the answer once it is given.

    ``actions`` holds each waiting action's ``Escalation`` by name (what was tried, why it was refused,
    the estimate); the state machine puts the person's answer (or the timeout) in ``answer``.
    """

    pending: bool = True
    stage: str
    actions: dict[str, Escalation] = Field(default_factory=dict)
    answer: ApprovalAnswer | None = None


class ExecutionError(BaseModel):
    """What a ``Catch`` (or a failed stage or verification) put at ``$.error``."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    error: str | None = Field(default=None, alias="Error")
    cause: str | None = Field(default=None, alias="Cause")


class Closed(Contract):
    """The close step's summary of the incident (``failover.steps.finalize``)."""

    incident: dict[str, Any] = Field(default_factory=dict)


class ExecutionState(Contract):
    model_config = ConfigDict(extra="allow", use_enum_values=True)

    request: FailoverRequest
    timing: Timing | None = None
    gate: GateResult | None = None
    approval: ApprovalAnswer | None = None
    cursor: Cursor | None = None
    stage_results: list[ActionResult] | None = None
    error: ExecutionError | None = None
    notifications: dict[str, Any] | None = None
    closed: Closed | None = None

    def to_json(self) -> dict[str, Any]:
        """The state as the state machine holds it: the keys it had, plus what a step set."""
        absent = {name for name in type(self).model_fields if name not in self.model_fields_set}
        return self.model_dump(mode="json", by_alias=True, exclude=absent)

    # ------------------------------------------------------------------ reading

    @classmethod
    def salvage(cls, state: Any) -> ExecutionState | None:
        """The state with every part that does not match the model left out (None without a request).

        For the readers that must say something whatever happened before them (the notifier, the
        report): a failure can come before the gate ran, or a ``Map`` may not have finished.
        """
        data: Any = copy.deepcopy(state) if isinstance(state, dict) else {}
        for _ in range(50):
            try:
                return cls.model_validate(data)
            except ValidationError as err:
                # a required key missing: leave out what holds it; else leave out the value itself
                locs = {
                    tuple(e["loc"][:-1] if e["type"] == "missing" else e["loc"]) for e in err.errors(include_url=False)
                }
                if locs & {(), ("request",)}:
                    return None
                # deepest and last first, so that leaving out one item does not move the next
                for loc in sorted(locs, key=_order, reverse=True):
                    _drop(data, list(loc))
        return None

    @property
    def decision(self) -> Decision | None:
        return self.gate.decision if self.gate else None

    @property
    def dry_run(self) -> bool:
        return bool(self.request.dry_run or (self.gate and (self.gate.decision.dry_run or self.gate.run.dry_run)))

    @property
    def completed(self) -> list[ActionResult]:
        return list(self.cursor.completed) if self.cursor else []

    @property
    def verifications(self) -> list[Verification]:
        """Every verification, the latest included once."""
        if not self.cursor:
            return []
        found = list(self.cursor.verifications)
        last = self.cursor.verification
        if last is not None and last not in found:
            found.append(last)
        return found

    @property
    def failure_at(self) -> datetime | None:
        """When the failure began: the trigger's time, else when the request was received."""
        return parse_time(self.request.trigger.time) or parse_time(self.request.received_at)

    @property
    def recovered_at(self) -> datetime | None:
        """When traffic was verified on the target: the last successful verification."""
        times = [parse_time(v.checked_at) for v in self.verifications if v.ok]
        return max((t for t in times if t), default=None)

    def time_to_recovery(self, *, succeeded: bool) -> float | None:
        """Seconds from the failure to verified traffic on the target: the one definition.

        None when the run did not succeed, was a dry run (no traffic moved), or a time is unknown.
        A trigger clock ahead of ours never makes it negative.
        """
        if not succeeded or self.dry_run:
            return None
        start, end = self.failure_at, self.recovered_at
        if start is None or end is None:
            return None
        return round(max(0.0, (end - start).total_seconds()), 3)

    def changed(self) -> list[ActionResult]:
        return [r for r in self.completed if r.status == ActionStatus.CHANGED]


def _order(loc: tuple[Any, ...]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part)) for part in loc)


def _drop(data: Any, loc: list[Any]) -> bool:
    """Remove the value at ``loc`` (a key of a dict or an item of a list); False when it is not there."""
    holder = data
    for part in loc[:-1]:
        if (isinstance(holder, dict) and part in holder) or (
            isinstance(holder, list) and isinstance(part, int) and 0 <= part < len(holder)
        ):
            holder = holder[part]
        else:
            return False
    last = loc[-1]
    if isinstance(holder, dict) and last in holder:
        del holder[last]
        return True
    if isinstance(holder, list) and isinstance(last, int) and 0 <= last < len(holder):
        del holder[last]
        return True
    return False
