"""Corroborated confirmation: independent signals that can confirm an outage before the full confirmation wait.

A group's ``signals`` (``failover.plan.Signals``) name what can say the primary is down, each with a weight:

- ``trigger alarms``: the group's trigger alarms, one signal (down while one is in ``ALARM``, up when all are ``OK``);
- ``health check <id>``: a Route 53 health check, read with ``GetHealthCheckStatus``: a checker region
  reports unhealthy when most of its checkers' latest reports are failures, and the signal is down when
  the share of checker regions reporting unhealthy reaches ``unhealthy_regions_percent`` (up below it);
- ``canary <name>``: an alarm independent of the trigger (a Synthetics canary), down in ``ALARM``, up when ``OK``;
- ``AWS Health``: an open AWS Health issue for the primary's region and the services: the event that
  started the incident, the ones the trigger received while it was open (remembered in its timeline), or,
  with ``look_up``, the AWS Health API (``DescribeEvents`` at the partition's endpoints). Its silence is
  not evidence (AWS posts events late): without an open issue it says nothing.

The target side's own health (``side_healthy``) is required, not weighed. ``tally`` and ``verdict`` are
the whole decision, free of AWS: the gate proceeds as soon as the signals saying "down" weigh at least the
quorum and the target is healthy (``corroborated``); before the confirmation period is over it otherwise
looks again after ``interval_seconds`` (``wait``); once it is over, signals saying the primary is down while
others say it is up are a ``conflict`` (a person decides), and anything else leaves the decision to the
trigger, as without signals (a trigger that cleared skips).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from failover.checks.health import alarm_states, side_healthy
from failover.infra.clients import Clients
from failover.models import AUTOMATIC_SOURCES, Check, Direction, FailoverRequest, Source
from failover.plan import AlarmRef, Group, HealthCheckSignal
from failover.state import Corroboration

NAME = "corroborated confirmation"
Says = Literal["down", "up", "unknown"]
#: the AWS Health API's endpoints, by partition: the active one first (Health fails over between them)
HEALTH_API_REGIONS = {
    "aws": ("us-east-1", "us-east-2"),
    "aws-us-gov": ("us-gov-west-1", "us-gov-east-1"),
    "aws-cn": ("cn-northwest-1",),
}


class Verdict(StrEnum):
    CORROBORATED = "corroborated"  # the quorum agrees and the target is healthy: decide now
    WAIT = "wait"  # not yet: look again after the interval
    CONFLICT = "conflict"  # the period is over, signals say the primary is down and others up: a person decides
    UNCORROBORATED = "uncorroborated"  # the period is over, no disagreement: the trigger decides, as before


@dataclass(frozen=True)
class Reading:
    """What one signal says now, with the value it read and its weight in the decision."""

    signal: str
    kind: str
    says: Says
    weight: int
    detail: str
    value: dict[str, Any]

    def to_json(self, counted: bool) -> dict[str, Any]:
        return {
            "signal": self.signal,
            "kind": self.kind,
            "says": self.says,
            "weight": self.weight,
            "counted": counted,
            "detail": self.detail,
            "value": self.value,
        }


@dataclass(frozen=True)
class Tally:
    """The vote: the weight of the signals saying the primary is down, up, or nothing."""

    down: int
    up: int
    unknown: int
    quorum: int
    target_healthy: bool

    @property
    def corroborated(self) -> bool:
        return self.down >= self.quorum and self.target_healthy


def tally(readings: Iterable[Reading], quorum: int, target_healthy: bool) -> Tally:
    weights: dict[str, int] = {"down": 0, "up": 0, "unknown": 0}
    for reading in readings:
        weights[reading.says] += reading.weight
    return Tally(weights["down"], weights["up"], weights["unknown"], quorum, target_healthy)


def verdict(votes: Tally, waited_seconds: int, period_seconds: int) -> Verdict:
    if votes.corroborated:
        return Verdict.CORROBORATED
    if waited_seconds < period_seconds:
        return Verdict.WAIT
    if votes.up > 0 and votes.down > 0:
        return Verdict.CONFLICT
    return Verdict.UNCORROBORATED


def next_wait(clock: Corroboration, wait_scale: float) -> Corroboration:
    """The clock after one more wait: at most an interval, never past the period."""
    step = max(0, min(clock.interval_seconds, clock.period_seconds - clock.waited_seconds))
    return clock.model_copy(
        update={"waited_seconds": clock.waited_seconds + step, "next_wait_seconds": int(step * wait_scale)}
    )


@dataclass(frozen=True)
class Corroborated:
    """The gate's answer from the signals: the verdict, the check that shows every signal, the clock."""

    verdict: Verdict
    check: Check
    clock: Corroboration


def applies(group: Group, request: FailoverRequest) -> bool:
    """Signals confirm an automatic failover of a group that names them; a person's request is already confirmed."""
    return group.signals is not None and request.direction == Direction.FAILOVER and request.source in AUTOMATIC_SOURCES


def corroborate(
    group: Group,
    request: FailoverRequest,
    target: str,
    clock: Corroboration | None,
    clients: Clients,
    remembered: Callable[[], list[dict[str, Any]]] = list,
) -> Corroborated | None:
    """Read every signal of ``group`` and decide; None when the group has no signals for this request.

    ``remembered`` returns the AWS Health events the trigger recorded on the incident.
    """
    if not applies(group, request) or group.signals is None:
        return None
    signals = group.signals
    period = group.safety.confirmation_seconds
    # an execution started without the signals' clock has waited the whole period before its one look
    clock = clock or Corroboration(
        period_seconds=period, interval_seconds=signals.interval_seconds, waited_seconds=period
    )
    clock = clock.model_copy(update={"looks": clock.looks + 1})
    readings = read_signals(group, request, clients, remembered)
    target_check = side_healthy(group.side(target), "target", group.safety.target_health_quorum_percent, clients)
    votes = tally(readings, signals.quorum, target_check.ok)
    found = verdict(votes, clock.waited_seconds, clock.period_seconds)
    return Corroborated(found, corroboration_check(found, votes, readings, target_check, clock), clock)


def corroboration_check(
    found: Verdict, votes: Tally, readings: list[Reading], target: Check, clock: Corroboration
) -> Check:
    """The check the decision lists: the verdict, every signal with its value and weight, the target, the clock."""
    agreeing = [r.signal for r in readings if r.says == "down"]
    against = [r.signal for r in readings if r.says == "up"]
    target_word = "the target is healthy" if target.ok else "the target is not healthy"
    waited = f"{clock.waited_seconds} s of the {clock.period_seconds} s confirmation wait"
    vote = f"signals weighing {votes.down} of the quorum {votes.quorum} say the primary is down"
    if agreeing:
        vote += f" ({', '.join(agreeing)})"
    if against:
        vote += f"; {votes.up} say it is up ({', '.join(against)})"
    detail = {
        Verdict.CORROBORATED: f"{vote} and {target_word}: decided after {waited}",
        Verdict.WAIT: f"{vote}; {target_word}: not corroborated after {waited}, looking again",
        Verdict.CONFLICT: f"{vote}: the signals disagree after the full {clock.period_seconds} s, a person decides",
        Verdict.UNCORROBORATED: f"{vote}; "
        + ("nothing contradicts the trigger" if votes.down else "no signal says the primary is down any more")
        + f" after the full {clock.period_seconds} s",
    }[found]
    signals = [r.to_json(counted=r.says == "down") for r in readings]
    signals.append(
        {
            "signal": "target side health",
            "kind": "target_health",
            "says": "healthy" if target.ok else "unhealthy",
            "weight": "required",
            "counted": target.ok,
            "detail": target.detail,
            "value": target.values,
        }
    )
    return Check(
        name=NAME,
        ok=found in (Verdict.CORROBORATED, Verdict.UNCORROBORATED),
        blocking=found != Verdict.WAIT,
        detail=detail,
        values={
            "verdict": str(found),
            "quorum": votes.quorum,
            "down_weight": votes.down,
            "up_weight": votes.up,
            "unknown_weight": votes.unknown,
            "target_healthy": votes.target_healthy,
            "waited_seconds": clock.waited_seconds,
            "confirmation_seconds": clock.period_seconds,
            "interval_seconds": clock.interval_seconds,
            "looks": clock.looks,
            "signals": signals,
        },
    )


# ---------------------------------------------------------------------------------- reading the signals


def read_signals(
    group: Group,
    request: FailoverRequest,
    clients: Clients,
    remembered: Callable[[], list[dict[str, Any]]] = list,
) -> list[Reading]:
    signals = group.signals
    if signals is None:
        return []
    readings: list[Reading] = []
    alarms = list(group.triggers.alarms) if signals.trigger_alarms.weight else []
    canaries = [AlarmRef(name=c.name, region=c.region) for c in signals.canaries]
    states = _alarm_states(clients, alarms + canaries)
    if alarms:
        readings.append(_trigger_alarms(alarms, states, signals.trigger_alarms.weight))
    for canary in signals.canaries:
        readings.append(_alarm_signal(f"canary {canary.name}", "canary", canary.name, states, canary.weight))
    for hc in signals.health_checks:
        readings.append(health_check_reading(hc, clients))
    if signals.aws_health is not None and group.health_services():
        readings.append(_aws_health(group, request, clients, remembered))
    return readings


def _alarm_states(clients: Clients, alarms: list[AlarmRef]) -> dict[str, str]:
    if not alarms:
        return {}
    try:
        return alarm_states(clients, alarms)
    except (ClientError, BotoCoreError) as err:
        return {a.name: f"UNREADABLE ({type(err).__name__})" for a in alarms}


def _trigger_alarms(alarms: list[AlarmRef], states: dict[str, str], weight: int) -> Reading:
    found = {a.name: states.get(a.name, "MISSING") for a in alarms}
    firing = sorted(n for n, s in found.items() if s == "ALARM")
    says: Says = "down" if firing else "up" if all(s == "OK" for s in found.values()) else "unknown"
    listed = ", ".join(f"{n} {s}" for n, s in found.items())
    return Reading("trigger alarms", "trigger_alarms", says, weight, listed, {"alarms": found})


def _alarm_signal(signal: str, kind: str, name: str, states: dict[str, str], weight: int) -> Reading:
    state = states.get(name, "MISSING")
    says: Says = "down" if state == "ALARM" else "up" if state == "OK" else "unknown"
    return Reading(signal, kind, says, weight, f"alarm '{name}' is {state}", {"alarm": name, "state": state})


def checker_regions(observations: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """``{checker region: {"failing": n, "checkers": m}}`` from ``HealthCheckObservations``."""
    regions: dict[str, dict[str, int]] = {}
    for obs in observations:
        counts = regions.setdefault(str(obs.get("Region") or "unknown"), {"failing": 0, "checkers": 0})
        counts["checkers"] += 1
        status = str((obs.get("StatusReport") or {}).get("Status", ""))
        if not status.startswith("Success"):
            counts["failing"] += 1
    return regions


def health_check_reading(hc: HealthCheckSignal, clients: Clients) -> Reading:
    signal = f"health check {hc.id}"
    try:
        resp = clients.get("route53").get_health_check_status(HealthCheckId=hc.id)
    except (ClientError, BotoCoreError) as err:
        return Reading(signal, "health_check", "unknown", hc.weight, f"could not read: {err}", {"error": str(err)})
    regions = checker_regions(resp.get("HealthCheckObservations", []))
    unhealthy = sorted(r for r, c in regions.items() if c["failing"] * 2 > c["checkers"])
    share = 100.0 * len(unhealthy) / len(regions) if regions else 0.0
    value = {
        "health_check_id": hc.id,
        "unhealthy_regions": unhealthy,
        "checker_regions": len(regions),
        "unhealthy_regions_percent": round(share, 1),
        "threshold_percent": hc.unhealthy_regions_percent,
        "regions": regions,
    }
    if not regions:
        return Reading(signal, "health_check", "unknown", hc.weight, "no checker has reported yet", value)
    says: Says = "down" if share >= hc.unhealthy_regions_percent else "up"
    detail = (
        f"{len(unhealthy)} of {len(regions)} checker regions report it unhealthy "
        f"({share:.0f}%, down at {hc.unhealthy_regions_percent:g}%)"
    )
    return Reading(signal, "health_check", says, hc.weight, detail, value)


def health_api_regions(region: str) -> tuple[str, ...]:
    """The AWS Health API's regions for the partition of ``region``."""
    if region.startswith("cn-"):
        return HEALTH_API_REGIONS["aws-cn"]
    if region.startswith("us-gov-"):
        return HEALTH_API_REGIONS["aws-us-gov"]
    return HEALTH_API_REGIONS["aws"]


def _aws_health(
    group: Group, request: FailoverRequest, clients: Clients, remembered: Callable[[], list[dict[str, Any]]]
) -> Reading:
    setting = group.signals.aws_health if group.signals else None
    if setting is None:
        raise ValueError(f"group {group.name} has no aws_health signal")
    region, services = group.primary.region, group.health_services()
    received: list[str] = []
    if request.source == Source.HEALTH_EVENT and request.trigger.event_id:
        received.append(request.trigger.event_id)
    received.extend(str(e["event_arn"]) for e in remembered() if e.get("event_arn"))
    # the trigger takes the services of triggers.health_services; the signal may watch others
    events = [arn for arn in received if event_service(arn) in services]
    value: dict[str, Any] = {"region": region, "services": services, "from_trigger": list(dict.fromkeys(events))}
    looked_up: list[str] = []
    if setting.look_up:
        looked_up, value["look_up"] = _describe_open_issues(region, services, clients)
        value["from_api"] = looked_up
    found = list(dict.fromkeys(events + looked_up))
    if found:
        detail = f"{len(found)} open issue(s) for {', '.join(services)} in {region}: {', '.join(found[:5])}"
        return Reading("AWS Health", "aws_health", "down", setting.weight, detail, {**value, "events": found})
    detail = f"no open issue for {', '.join(services)} in {region} ({value.get('look_up', 'not looked up')})"
    return Reading("AWS Health", "aws_health", "unknown", setting.weight, detail, {**value, "events": []})


def event_service(arn: str) -> str | None:
    """The service of an AWS Health event ARN (``arn:aws:health:<region>:<account>:event/<SERVICE>/<code>/<id>``)."""
    parts = arn.split(":", 5)
    path = parts[5].split("/") if len(parts) == 6 else []
    return path[1] if len(path) > 2 and path[0] == "event" else None


def _describe_open_issues(region: str, services: list[str], clients: Clients) -> tuple[list[str], str]:
    """The ARNs of open AWS Health issues for ``services`` in ``region``, and how they were read."""
    errors: list[str] = []
    for api_region in health_api_regions(region):
        try:
            pages = (
                clients.get("health", api_region)
                .get_paginator("describe_events")
                .paginate(
                    filter={
                        "regions": [region],
                        "services": services,
                        "eventTypeCategories": ["issue"],
                        "eventStatusCodes": ["open"],
                    }
                )
            )
            arns = [str(e["arn"]) for page in pages for e in page.get("events", [])]
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code == "SubscriptionRequiredException":
                return [], "the AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support plan"
            errors.append(f"{api_region}: {code or err}")
        except BotoCoreError as err:
            errors.append(f"{api_region}: {type(err).__name__}")
        else:
            tried = f" after {'; '.join(errors)}" if errors else ""
            return arns, f"DescribeEvents in {api_region}{tried}"
    return [], "the AWS Health API could not be read (" + "; ".join(errors) + ")"


# ---------------------------------------------------------------------------------- telling people


@dataclass(frozen=True)
class SignalRow:
    """One signal as notifications and the incident report show it."""

    signal: str
    says: str
    weight: str
    counted: bool
    detail: str

    def text(self) -> str:
        counted = "counted" if self.counted else "not counted"
        return f"{self.signal}: {self.says} (weight {self.weight}, {counted}): {self.detail}"


def decision_signals(checks: Iterable[Any]) -> tuple[str, list[SignalRow]] | None:
    """The heading and one row per signal of a decision's ``corroborated confirmation`` check, if it has one.

    ``checks`` are ``Check`` models or their JSON (the report reads the execution's output).
    """
    found = next(
        (c for c in (x.model_dump() if isinstance(x, Check) else x for x in checks) if c.get("name") == NAME), None
    )
    if not isinstance(found, dict):
        return None
    v = found.get("values") or {}
    heading = (
        f"Signals ({v.get('verdict')}): weight {v.get('down_weight')} of the quorum {v.get('quorum')} says the "
        f"primary is down, {v.get('up_weight')} that it is up; the target is "
        f"{'healthy' if v.get('target_healthy') else 'not healthy'}; looked {v.get('looks')} time(s), "
        f"{v.get('waited_seconds')} s of the {v.get('confirmation_seconds')} s confirmation wait"
    )
    rows = [
        SignalRow(
            signal=str(s.get("signal")),
            says=str(s.get("says")),
            weight=str(s.get("weight")),
            counted=bool(s.get("counted")),
            detail=str(s.get("detail") or ""),
        )
        for s in v.get("signals") or []
        if isinstance(s, dict)
    ]
    return heading, rows
