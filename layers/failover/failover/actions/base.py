"""The contract every action type fulfils.

An action reads the current state first, changes only what differs from the target side
(running it twice changes nothing the second time), supports dry-run, returns what it changed
and how to undo it, and knows how to verify that its change took effect.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Generic, Literal, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.specs import AssumeRole, Sided
from failover.errors import THROTTLING_CODES, ActionError, TransientError, aws_error
from failover.infra.clients import Clients, role_session_name
from failover.models import ActionResult, ActionStatus, Check, Direction, Escalation, iso

Plane = Literal["control", "data", "none"]


S = TypeVar("S")


@dataclass(frozen=True)
class Dependency:
    """Something on the failover path that an action depends on (for ``failoverctl plan lint``)."""

    plane: Plane
    service: str
    api: str
    region: str
    note: str = ""
    alternative: str = ""


@dataclass
class ActionContext:
    """Everything an action needs to run: which way, where to, and the clients to use.

    ``source`` and ``target`` are the roles ``primary`` and ``secondary`` in the action's spec, which
    ``build_action`` has narrowed to the pair the gate chose: ``standby`` is the group's key of the
    standby in that pair (``secondary``, or a further standby's name).
    """

    direction: Direction
    source: str  # "primary" | "secondary"
    target: str
    source_region: str
    target_region: str
    clients: Clients
    dry_run: bool = False
    stage: str | None = None
    group: str | None = None
    incident_id: str | None = None
    request: dict[str, Any] = field(default_factory=dict)
    #: the group's ``safety.escalation``: what an action may do when its planned path is refused
    escalation_policy: str = "never"
    #: this action's escalation so far in the run (what was tried and refused), if it waited for a person
    escalation_earlier: Escalation | None = None
    #: a person's answer to that escalation: True approved, False denied or timed out, None not asked yet
    escalation_approved: bool | None = None
    escalation_approved_by: str | None = None
    standby: str = "secondary"

    def side_key(self, role: str) -> str:
        """The group's key of the side an action's ``primary``/``secondary`` role stands for in this pair."""
        return self.standby if role == "secondary" else role

    def as_role(self, role: AssumeRole | None) -> ActionContext:
        """This context with clients that call as ``role`` in its account (itself when there is no role)."""
        if role is None:
            return self
        return replace(self, clients=self.clients.as_role(role, session_name=role_session_name(self.incident_id)))


@dataclass
class Change:
    """What an action found: the changes that move it to the target (none: already there), and how.

    ``current`` says what the resource serves now; ``make`` makes the changes and returns the
    result's detail; ``undo`` lists the calls that would reverse them.
    """

    current: str
    planned: list[str]
    make: Callable[[], str]
    undo: list[dict[str, Any]] = field(default_factory=list)
    region: str | None = None
    #: set when the change cannot be reversed by running the action backwards: what re-protects the side left
    one_way: str | None = None


@dataclass
class Done:
    """An outcome an action decided itself: a refusal, a hook's answer, nothing to switch."""

    status: ActionStatus
    detail: str
    changes: list[str] = field(default_factory=list)
    undo: list[dict[str, Any]] = field(default_factory=list)
    region: str | None = None
    error: str | None = None
    one_way: str | None = None
    escalation: Escalation | None = None


@dataclass
class Observation:
    """Which side a resource currently serves: "primary", "secondary", "mixed" or "unknown"; "n/a"
    for actions with nothing to switch (a hook, an active-active table), which do not vote."""

    side: str
    detail: str
    values: dict[str, Any] = field(default_factory=dict)


class Action(ABC, Generic[S]):
    """Base of every action type. Subclasses set ``type``, ``plane`` and implement the four methods."""

    type: ClassVar[str]
    plane: ClassVar[Plane]
    #: IAM actions the execute and verify functions need for this action type
    iam_actions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: S, name: str) -> None:
        self.spec = spec
        self.name = name

    def in_account(self, ctx: ActionContext) -> ActionContext:
        """The context whose clients make this action's calls: as the spec's ``assume_role`` when it names one."""
        return ctx.as_role(getattr(self.spec, "assume_role", None))

    # -- what subclasses implement -------------------------------------------------------

    @abstractmethod
    def observe(self, ctx: ActionContext) -> Observation:
        """Read the current state: which side does the resource serve now?"""

    @abstractmethod
    def apply(self, ctx: ActionContext) -> Change | Done:
        """What moving the resource to ``ctx.target`` takes (a ``Change``), or an outcome decided here (``Done``).

        ``run`` finishes it: the timing, the dry run, the unchanged case and the result record.
        """

    @abstractmethod
    def verify(self, ctx: ActionContext) -> list[Check]:
        """Checks that the change took effect on the target side."""

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        """Every plane and region this action depends on while failing over."""
        return []

    def target_label(self) -> str:
        return self.name

    # -- what the base class does for every action ------------------------------------------

    def run(self, ctx: ActionContext) -> ActionResult:
        """Apply and finish the result: timed, dry-run aware, unchanged when nothing differs.

        AWS errors become a ``failed`` result; throttling and 5xx become ``TransientError`` (retried).
        """
        started, started_at = time.monotonic(), iso()
        try:
            ctx = self.in_account(ctx)
            outcome = self.apply(ctx)
            if isinstance(outcome, Change):
                outcome = self._carry_out(ctx, outcome)
        except ClientError as err:
            code, status = aws_error(err)
            message = err.response.get("Error", {}).get("Message", str(err))
            if code in THROTTLING_CODES or status >= 500:
                raise TransientError(f"{self.name}: {code}: {message}", action=self.name, code=code) from None
            outcome = Done(ActionStatus.FAILED, f"{code}: {message}", error=code or "ClientError")
        except BotoCoreError as err:
            raise TransientError(f"{self.name}: {err}", action=self.name) from None
        except ActionError as err:
            outcome = Done(ActionStatus.FAILED, err.message, error="ActionError")
        return ActionResult(
            action=self.type,
            name=self.name,
            stage=ctx.stage,
            target=self.target_label(),
            status=outcome.status,
            detail=outcome.detail,
            changes=outcome.changes,
            undo=outcome.undo,
            error=outcome.error,
            one_way=outcome.one_way,
            escalation=outcome.escalation,
            plane=self.plane,
            region=outcome.region,
            started_at=started_at,
            finished_at=iso(),
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    @staticmethod
    def _carry_out(ctx: ActionContext, change: Change) -> Done:
        """Nothing to do, a dry run, or make the change and report it."""
        if not change.planned:
            return Done(ActionStatus.UNCHANGED, f"already on {ctx.target}: {change.current}", region=change.region)
        if ctx.dry_run:
            return Done(
                ActionStatus.DRY_RUN,
                "DRY RUN: would " + "; ".join(change.planned),
                changes=change.planned,
                undo=change.undo,
                region=change.region,
                one_way=change.one_way,
            )
        detail = change.make()
        return Done(
            ActionStatus.CHANGED,
            detail,
            changes=change.planned,
            undo=change.undo,
            region=change.region,
            one_way=change.one_way,
        )

    def safe_verify(self, ctx: ActionContext) -> list[Check]:
        """Verify, turning AWS errors into a failed check rather than an exception."""
        try:
            return self.verify(self.in_account(ctx))
        except (ClientError, BotoCoreError, ActionError) as err:
            return [Check(name=f"{self.name}: verify", ok=False, detail=f"could not verify: {err}")]


def side_by_share(primary: float, secondary: float) -> str:
    """Which side serves, from each side's share of the traffic (a weight, a traffic dial)."""
    if primary and not secondary:
        return "primary"
    if secondary and not primary:
        return "secondary"
    return "mixed" if primary and secondary else "unknown"


def for_standby[T](spec: T, standby: str) -> T:
    """The spec between the primary and ``standby``; a spec with no per-side settings is the same for every pair."""
    if isinstance(spec, Sided):
        narrowed: T = spec.for_standby(standby)
        return narrowed
    return spec
