"""The contract every action type fulfils.

An action reads the current state first, changes only what differs from the target side
(running it twice changes nothing the second time), supports dry-run, returns what it changed
and how to undo it, and knows how to verify that its change took effect.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.errors import THROTTLING_CODES, ActionError, TransientError
from failover.infra.clients import Clients
from failover.models import ActionResult, ActionStatus, Check, Direction, iso

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
    """Everything an action needs to run: which way, where to, and the clients to use."""

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
    approved: bool = False


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
    #: typical seconds for the change to take effect (RTO estimate); documented in docs/rto.md
    typical_seconds: ClassVar[float] = 10.0
    #: IAM actions the execute and verify functions need for this action type
    iam_actions: ClassVar[tuple[str, ...]] = ()

    def __init__(self, spec: S, name: str) -> None:
        self.spec = spec
        self.name = name

    # -- what subclasses implement -------------------------------------------------------

    @abstractmethod
    def observe(self, ctx: ActionContext) -> Observation:
        """Read the current state: which side does the resource serve now?"""

    @abstractmethod
    def apply(self, ctx: ActionContext) -> ActionResult:
        """Move the resource to ``ctx.target`` (or say what would change when ``ctx.dry_run``)."""

    @abstractmethod
    def verify(self, ctx: ActionContext) -> list[Check]:
        """Checks that the change took effect on the target side."""

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        """Every plane and region this action depends on while failing over."""
        return []

    def target_label(self) -> str:
        return self.name

    # -- helpers for subclasses ------------------------------------------------------------

    def result(
        self,
        ctx: ActionContext,
        status: ActionStatus,
        detail: str,
        *,
        started: float,
        started_at: str,
        changes: list[str] | None = None,
        undo: list[dict[str, Any]] | None = None,
        region: str | None = None,
        error: str | None = None,
    ) -> ActionResult:
        return ActionResult(
            action=self.type,
            name=self.name,
            stage=ctx.stage,
            target=self.target_label(),
            status=status,
            detail=detail,
            changes=changes or [],
            undo=undo or [],
            error=error,
            plane=self.plane,
            region=region,
            started_at=started_at,
            finished_at=iso(),
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    def run(self, ctx: ActionContext) -> ActionResult:
        """Apply with uniform error handling: AWS errors become a ``failed`` result, throttling a retry."""
        started = time.monotonic()
        started_at = iso()
        try:
            return self.apply(ctx)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            message = err.response.get("Error", {}).get("Message", str(err))
            if code in THROTTLING_CODES or err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
                raise TransientError(f"{self.name}: {code}: {message}", action=self.name, code=code) from None
            return self.result(
                ctx,
                ActionStatus.FAILED,
                f"{code}: {message}",
                started=started,
                started_at=started_at,
                error=code or "ClientError",
            )
        except BotoCoreError as err:
            raise TransientError(f"{self.name}: {err}", action=self.name) from None
        except ActionError as err:
            return self.result(
                ctx, ActionStatus.FAILED, err.message, started=started, started_at=started_at, error="ActionError"
            )

    def safe_verify(self, ctx: ActionContext) -> list[Check]:
        """Verify, turning AWS errors into a failed check rather than an exception."""
        try:
            return self.verify(ctx)
        except (ClientError, BotoCoreError, ActionError) as err:
            return [Check(name=f"{self.name}: verify", ok=False, detail=f"could not verify: {err}")]


def side_value(spec: Any, side: str) -> Any:
    """The spec's per-side settings (``spec.primary`` or ``spec.secondary``)."""
    return getattr(spec, side)


def unchanged_or_dry_run(
    action: Action[Any],
    ctx: ActionContext,
    *,
    current: str,
    planned: list[str],
    undo: list[dict[str, Any]],
    started: float,
    started_at: str,
    do_change: Callable[[], str],
    region: str | None = None,
) -> ActionResult:
    """Common tail of ``apply``: nothing to do, a dry run, or make the change and report it."""
    if not planned:
        return action.result(
            ctx,
            ActionStatus.UNCHANGED,
            f"already on {ctx.target}: {current}",
            started=started,
            started_at=started_at,
            region=region,
        )
    if ctx.dry_run:
        return action.result(
            ctx,
            ActionStatus.DRY_RUN,
            "DRY RUN: would " + "; ".join(planned),
            started=started,
            started_at=started_at,
            changes=planned,
            undo=undo,
            region=region,
        )
    detail = do_change()
    return action.result(
        ctx,
        ActionStatus.CHANGED,
        detail,
        started=started,
        started_at=started_at,
        changes=planned,
        undo=undo,
        region=region,
    )
