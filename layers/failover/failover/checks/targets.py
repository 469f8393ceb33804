"""Which side to fail over to: the first standby, in the plan's order, that can take the group.

A failover goes from the primary to the first standby that is healthy (``checks/health.py``), whose
copy of the data is within the RPO budget (``checks/replication_lag.py``, the standby's own metric
or the group's) and that can take the load (``readiness/resources.standby_capacity`` for each
``asg_capacity`` action: the Auto Scaling maximum and the region's vCPU quota against the primary's
fleet). Every standby passed over is recorded with its reasons.

When no standby passes all three, the first healthy one is chosen and its shortfall is left to the
gate's own rules (a lag over budget asks a person or skips, ``safety.on_rpo_breach``; a capacity
shortfall asks a person). When none is healthy, there is no target: the gate refuses, with each
standby's reason. With one standby there is nothing to choose: it is the target if it is healthy,
as a two-sided plan has always meant.

A failback goes from the standby that is active (the group's recorded side; the first standby when
none is recorded) to the primary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.checks.health import GATE_SESSION, side_healthy
from failover.checks.replication_lag import replication_lag
from failover.infra.clients import Clients
from failover.models import Check, Direction
from failover.plan import Group

CHOICE_CHECK = "target standby chosen"


@dataclass
class Candidate:
    """One standby as the choice saw it: its key and what each test found."""

    key: str
    health: Check
    lag: Check | None = None
    capacity: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.health.ok

    @property
    def fit(self) -> bool:
        return self.healthy and (self.lag is None or self.lag.ok) and not self.capacity

    def reasons(self) -> list[str]:
        out = [] if self.health.ok else [self.health.detail]
        if self.lag is not None and not self.lag.ok:
            out.append(f"replication lag over the RPO budget ({self.lag.detail})")
        out.extend(self.capacity)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.key,
            "name": self.health.values.get("side"),
            "healthy": self.healthy,
            "lag_seconds": self.lag.values.get("lag_seconds") if self.lag is not None else None,
            "capacity": self.capacity,
            "reasons": self.reasons(),
        }


@dataclass
class TargetChoice:
    """The pair the gate acts on, and the checks that chose it.

    ``target`` is None when no side can be the target (the gate refuses with ``reason``). ``health``
    is the chosen target's health check; ``lag`` its replication lag when the choice read it;
    ``capacity`` what it cannot take (a shortfall the gate asks a person about).
    """

    source: str
    target: str | None
    checks: list[Check]
    health: Check | None = None
    lag: Check | None = None
    capacity: list[str] = field(default_factory=list)
    passed_over: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def active_standby(group: Group, active: str | None) -> str:
    """The standby traffic is on: the recorded active side when it is a standby, else the first."""
    return active if active in group.standby_keys() else "secondary"


def choose_target(group: Group, direction: Direction | str, active: str | None, clients: Clients) -> TargetChoice:
    """The (source, target) pair for a request, with the checks that chose it."""
    quorum = group.safety.target_health_quorum_percent
    if Direction(direction) == Direction.FAILBACK:
        source, target = group.sides_for(direction, active_standby(group, active))
        health = side_healthy(group.side(target), "target", quorum, clients)
        return TargetChoice(
            source=source,
            target=target if health.ok else None,
            checks=[health],
            health=health,
            reason="" if health.ok else f"refusing to fail over to an unhealthy side: {health.detail}",
        )
    keys = group.standby_keys()
    if active in keys[1:]:
        # traffic is on a further standby already: it is the target (a no-op) or nothing is
        health = side_healthy(group.side(active), "target", quorum, clients)
        return TargetChoice(
            source="primary",
            target=active if health.ok else None,
            checks=[health],
            health=health,
            reason=""
            if health.ok
            else f"traffic is on the {active} standby, which is not healthy: {health.detail}; a failover "
            "goes from the primary to a standby, so fail back to the primary first",
        )
    if len(keys) == 1:
        health = side_healthy(group.side(keys[0]), "target", quorum, clients)
        return TargetChoice(
            source="primary",
            target=keys[0] if health.ok else None,
            checks=[health],
            health=health,
            reason="" if health.ok else f"refusing to fail over to an unhealthy side: {health.detail}",
        )
    candidates: list[Candidate] = []
    for key in keys:
        candidate = examine(group, key, clients)
        candidates.append(candidate)
        if candidate.fit:
            break
    chosen = next((c for c in candidates if c.fit), None) or next((c for c in candidates if c.healthy), None)
    before = keys.index(chosen.key) if chosen is not None else len(keys)
    passed = [c.to_json() for c in candidates[:before]]
    values = {"order": keys, "candidates": [c.to_json() for c in candidates], "passed_over": passed}
    if chosen is None:
        reason = (
            "refusing to fail over: no standby is healthy ("
            + "; ".join(f"{c.key}: {'; '.join(c.reasons())}" for c in candidates)
            + ")"
        )
        check = Check(name=CHOICE_CHECK, ok=False, detail=reason, values={**values, "chosen": None})
        return TargetChoice(source="primary", target=None, checks=[check], passed_over=passed, reason=reason)
    skipped = "; ".join(f"passed over {p['name']}: {'; '.join(p['reasons'])}" for p in passed)
    fitness = "is the first healthy standby"
    if chosen.fit:
        fitness = "is healthy, within the RPO budget and able to take the load"
    detail = f"{chosen.key} ({group.side(chosen.key).region}) {fitness}"
    if not chosen.fit:
        detail += f" but {'; '.join(chosen.reasons())}"
    check = Check(
        name=CHOICE_CHECK,
        ok=chosen.fit,
        blocking=False,
        detail=detail + (f"; {skipped}" if skipped else ""),
        values={**values, "chosen": chosen.key},
    )
    health = chosen.health.model_copy(update={"name": "target side healthy"})
    return TargetChoice(
        source="primary",
        target=chosen.key,
        checks=[check, health],
        health=health,
        lag=chosen.lag,
        capacity=chosen.capacity,
        passed_over=passed,
    )


def examine(group: Group, key: str, clients: Clients) -> Candidate:
    """Health, then (only for a healthy standby) replication lag and capacity."""
    side = group.side(key)
    candidate = Candidate(key, side_healthy(side, "standby", group.safety.target_health_quorum_percent, clients))
    if not candidate.healthy:
        return candidate
    candidate.lag = replication_lag(group, clients, side=side)
    candidate.capacity = capacity_shortfall(group, key, clients)
    return candidate


def capacity_shortfall(group: Group, key: str, clients: Clients) -> list[str]:
    """What ``key`` cannot take of the primary's load, for each ``asg_capacity`` action narrowed to it."""
    from failover.actions.base import for_standby
    from failover.readiness.resources import standby_capacity

    out: list[str] = []
    for _stage, name, spec in group.iter_actions():
        if spec.type != "asg_capacity":
            continue
        # both fleets are the action's resources: read where the action acts (its own role's account;
        # a standby in another account is scaled by an action naming that account's role)
        where = clients.as_role(spec.assume_role, session_name=GATE_SESSION)
        try:
            findings = standby_capacity(group, name, for_standby(spec, key), where)
            # a quota that cannot be read is a warning: not being able to prove it is no shortfall
            out.extend(f.detail for f in findings if f.severity == "error")
        except (ClientError, BotoCoreError) as err:
            out.append(f"{name}: the capacity of {key} cannot be read ({type(err).__name__}: {err})")
    return out
