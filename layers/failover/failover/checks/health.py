"""Health checks of the gate: is the trigger still firing, and is the target side healthy?"""

from __future__ import annotations

from typing import Any

from failover.infra.clients import Clients
from failover.models import Check, Direction, FailoverRequest, Source
from failover.plan import AlarmRef, Group, Side


def alarm_states(clients: Clients, alarms: list[AlarmRef]) -> dict[str, str]:
    """``{alarm name: state}`` for metric and composite alarms, each read in its own region."""
    states: dict[str, str] = {}
    by_region: dict[str, list[str]] = {}
    for alarm in alarms:
        by_region.setdefault(alarm.region, []).append(alarm.name)
    for region, names in by_region.items():
        client = clients.get("cloudwatch", region)
        for start in range(0, len(names), 100):
            resp = client.describe_alarms(
                AlarmNames=names[start : start + 100], AlarmTypes=["MetricAlarm", "CompositeAlarm"]
            )
            for item in resp.get("MetricAlarms", []) + resp.get("CompositeAlarms", []):
                states[item["AlarmName"]] = item["StateValue"]
    for alarm in alarms:
        states.setdefault(alarm.name, "MISSING")
    return states


def trigger_still_firing(request: FailoverRequest, group: Group, clients: Clients) -> Check:
    """Anti-flap: after the confirmation wait, the alarm that fired must still be in ALARM.

    For a failback started by an alarm returning to OK, it must still be OK.
    """
    name = "trigger still firing"
    if request.source not in (Source.ALARM, Source.HEALTH_CHECK) or not request.trigger.alarm_name:
        return Check(
            name=name,
            ok=True,
            detail=f"not an alarm trigger ({request.source}); nothing to confirm",
            values={"source": request.source},
            blocking=False,
        )
    alarm = AlarmRef(name=request.trigger.alarm_name, region=request.trigger.region or group.primary.region)
    state = alarm_states(clients, [alarm])[alarm.name]
    expected = "ALARM" if request.direction == Direction.FAILOVER else "OK"
    return Check(
        name=name,
        ok=state == expected,
        detail=(
            f"alarm '{alarm.name}' is {state} after the confirmation period"
            f" ({group.safety.confirmation_seconds} s); expected {expected}"
        ),
        values={
            "alarm": alarm.name,
            "region": alarm.region,
            "state": state,
            "expected": expected,
            "confirmation_seconds": group.safety.confirmation_seconds,
        },
    )


def checker_share(clients: Clients, health_check_id: str) -> tuple[float, int, int]:
    """(percent healthy, healthy count, total) from Route 53's health checkers' latest reports."""
    resp = clients.get("route53").get_health_check_status(HealthCheckId=health_check_id)
    observations: list[dict[str, Any]] = resp.get("HealthCheckObservations", [])
    total = len(observations)
    healthy = sum(1 for o in observations if str(o.get("StatusReport", {}).get("Status", "")).startswith("Success"))
    return (100.0 * healthy / total if total else 0.0), healthy, total


#: the STS session name of the gate's reads of a side in another account (CloudTrail shows it)
GATE_SESSION = "failover-gate"


def side_clients(side: Side, clients: Clients) -> Clients:
    """The clients the gate reads ``side`` with: as the side's ``assume_role`` in its account, when it names one."""
    return clients.as_role(side.assume_role, session_name=GATE_SESSION)


def side_healthy(side: Side, role: str, quorum_percent: float, clients: Clients) -> Check:
    """A side is healthy when each of its health checks has a quorum of healthy checkers and none
    of its own alarms is in ALARM (read in the side's account). With nothing to look at, it says so
    (non-blocking)."""
    name = f"{role} side healthy"
    if not side.health_checks and not side.alarms:
        return Check(
            name=name,
            ok=True,
            detail=f"{role} ({side.name}) has no health checks or alarms in the plan; health not confirmed",
            values={"side": side.name, "configured": False},
            blocking=False,
        )
    problems: list[str] = []
    checks: dict[str, Any] = {}
    clients = side_clients(side, clients)
    for hc in side.health_checks:
        share, healthy, total = checker_share(clients, hc)
        checks[hc] = {"healthy_percent": round(share, 1), "healthy": healthy, "checkers": total}
        if share < quorum_percent:
            problems.append(
                f"health check {hc}: {healthy}/{total} checkers healthy ({share:.0f}% < {quorum_percent:g}%)"
            )
    states = alarm_states(clients, side.alarms) if side.alarms else {}
    for alarm, state in states.items():
        if state in ("ALARM", "MISSING"):
            problems.append(f"alarm '{alarm}' is {state}")
    ok = not problems
    summary = (
        f"{role} ({side.name}) healthy: "
        + ", ".join(
            [f"{hc} {v['healthy']}/{v['checkers']} checkers" for hc, v in checks.items()]
            + [f"{a} {s}" for a, s in states.items()]
        )
        if ok
        else f"{role} ({side.name}) is not healthy: " + "; ".join(problems)
    )
    return Check(
        name=name,
        ok=ok,
        detail=summary,
        values={
            "side": side.name,
            "region": side.region,
            "quorum_percent": quorum_percent,
            "health_checks": checks,
            "alarms": states,
        },
    )
