"""Static-stability lint: what a group's failover path depends on that may be impaired when it runs.

For each group (in one direction, failover by default) the linter lists:

- every **trigger** that lives in the region being left or in us-east-1 (alarms on the Route 53
  ``HealthCheckStatus`` metric can only live there);
- the **gate's** reads of Route 53 health-check status (the Route 53 API, served from us-east-1);
- for a group with ``signals``, whether the quorum can still be reached with the region being left
  impaired (a signal read only there says nothing; the full confirmation wait then applies);
- every **control-plane call** of an action, and every dependency of an action on **us-east-1** or
  on **the region being left**, from each action's ``dependencies(ctx)``.

Severity, the rule ``failoverctl plan lint`` exits on (1 when there is any ``error``):

- ``error``: an action can only do its work through the region being left (every endpoint it could
  use is there), or the gate can only learn the target's health there. That region is the one
  assumed impaired, so the failover itself would fail.
- ``warning``: the path depends on us-east-1 while us-east-1 is not the region being activated
  (Route 53's control plane, health-check status and alarms live there), or a trigger lives in the
  region being left.
- ``info``: a control-plane call in the region being activated (allowed, as in AWS's Region switch,
  but listed), or a data-plane call that has other endpoints to try besides a risky one.

Each finding names the data-plane alternative where there is one.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from failover.actions import build_action
from failover.actions.base import ActionContext, Dependency
from failover.actions.context import context_for
from failover.infra.clients import Clients
from failover.models import Direction, FailoverRequest, Source
from failover.plan import Group, Plan

US_EAST_1 = "us-east-1"
Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    stage: str
    action: str
    plane: str
    service: str
    api: str
    region: str
    severity: Severity
    message: str
    alternative: str = ""
    #: the standby of the pair the finding is about (a group with several standbys is linted per pair)
    standby: str = "secondary"
    #: the region of the stack a trigger finding is about (symmetric stacks are linted per stack)
    stack_region: str = ""


def trigger_finding(
    group: Group,
    trigger: str,
    region: str,
    severity: Severity,
    message: str,
    alternative: str,
    *,
    plane: str = "event",
    service: str = "events",
    api: str = "EventBridge delivery",
) -> Finding:
    """A finding on how ``trigger`` (an alarm, AWS Health services, RDS sources) reaches the group's stack."""
    return Finding(
        group=group.name,
        stage="trigger",
        action=trigger,
        plane=plane,
        service=service,
        api=api,
        region=region,
        severity=severity,
        message=message,
        alternative=alternative,
    )


def _context(group: Group, direction: Direction, standby: str) -> ActionContext:
    request = FailoverRequest(request_id="lint", group=group.name, source=Source.MANUAL, direction=direction)
    # never called: dependencies() reads the spec only
    return context_for(group, request, Clients(), dry_run=True, standby=standby)


def _trigger_findings(group: Group, ctx: ActionContext) -> list[Finding]:
    findings = []
    for alarm in group.triggers.alarms:
        if alarm.region not in (ctx.source_region, US_EAST_1):
            continue
        where = []
        if alarm.region == ctx.source_region:
            where.append("the region being left")
        if alarm.region == US_EAST_1:
            where.append("us-east-1, where alarms on Route 53 HealthCheckStatus must live")
        message = (
            f"trigger alarm '{alarm.name}' is evaluated in {' and '.join(where)} ({alarm.region}); "
            "an impairment there can delay or stop the event that starts the failover"
        )
        alternative = (
            f"also trigger from {ctx.target_region}: an alarm there on a canary or probe of the "
            "primary, or an ARC readiness/routing-control signal; keep the manual trigger"
        )
        findings.append(
            trigger_finding(
                group,
                alarm.name,
                alarm.region,
                "warning",
                message,
                alternative,
                plane="data",
                service="cloudwatch",
                api="alarm state change",
            )
        )
    return findings


def _gate_findings(group: Group, ctx: ActionContext) -> list[Finding]:
    target = group.side(ctx.side_key(ctx.target))
    if not target.health_checks:
        return []
    if ctx.target_region == US_EAST_1:
        return []  # read from the region being activated
    leaving = ctx.source_region == US_EAST_1
    local = [a.name for a in target.alarms if a.region == ctx.target_region]
    return [
        Finding(
            group=group.name,
            stage="validate",
            action="target health",
            plane="control",
            service="route53",
            api="GetHealthCheckStatus",
            region=US_EAST_1,
            severity="error" if leaving and not local else "warning",
            message=f"the gate reads the status of the {ctx.target} side's health checks through the Route 53 API "
            f"in us-east-1{', the region being left' if leaving else ''}"
            + (f"; its alarms in {ctx.target_region} ({', '.join(local)}) remain" if local else ""),
            alternative=f"give the {ctx.target} side alarms in {ctx.target_region} (side.alarms) so the gate can "
            "decide without us-east-1",
        )
    ]


def signal_regions(group: Group) -> dict[str, set[str]]:
    """``{signal: the regions it is read through}``: a signal read only there says nothing when they are impaired.

    Route 53 health-check status is read from the Route 53 API in us-east-1; AWS Health from the event
    the trigger received or from either of the partition's AWS Health endpoints, so no one region.
    """
    signals = group.signals
    regions: dict[str, set[str]] = {}
    for name in group.signal_weights():
        if name == "trigger alarms":
            regions[name] = {a.region for a in group.triggers.alarms}
        elif name.startswith("health check "):
            regions[name] = {US_EAST_1}
        elif name.startswith("canary ") and signals is not None:
            regions[name] = {c.region for c in signals.canaries if f"canary {c.name}" == name}
        else:
            regions[name] = set()
    return regions


def _signal_findings(group: Group, ctx: ActionContext) -> list[Finding]:
    """Corroborated confirmation: can the quorum be reached while the region being left is impaired?"""
    if group.signals is None:
        return []
    weights, regions = group.signal_weights(), signal_regions(group)
    lost = sorted(name for name, where in regions.items() if ctx.source_region in where)
    reachable = sum(w for name, w in weights.items() if name not in lost)
    if reachable >= group.signals.quorum:
        return []
    return [
        Finding(
            group=group.name,
            stage="validate",
            action="signals",
            plane="data",
            service="cloudwatch, route53",
            api="DescribeAlarms, GetHealthCheckStatus",
            region=ctx.source_region,
            severity="warning",
            message=f"corroborated confirmation: with {ctx.source_region} impaired, {', '.join(lost)} cannot be read; "
            f"the other signals weigh {reachable}, less than the quorum {group.signals.quorum}, so a region outage "
            f"waits the whole {group.safety.confirmation_seconds} s confirmation period",
            alternative=f"add signals read outside {ctx.source_region} (a canary alarm in {ctx.target_region}, "
            "signals.aws_health) or lower signals.quorum",
        )
    ]


def _action_findings(group: Group, ctx: ActionContext) -> list[Finding]:
    findings: list[Finding] = []
    for stage, name, spec in group.iter_actions():
        action = build_action(spec, name, ctx.standby)
        by_api: dict[tuple[str, str, str], list[Dependency]] = defaultdict(list)
        for dep in action.dependencies(ctx):
            by_api[(dep.plane, dep.service, dep.api)].append(dep)
        for (plane, service, api), deps in by_api.items():
            finding = _judge(plane, deps, ctx)
            if finding is None:
                continue
            severity, region, message = finding
            alternative = next((d.alternative for d in deps if d.alternative), "")
            findings.append(
                Finding(
                    group=group.name,
                    stage=stage.name,
                    action=name,
                    plane=plane,
                    service=service,
                    api=api,
                    region=region,
                    severity=severity,
                    message=f"{action.type}: {message}",
                    alternative=alternative,
                )
            )
    return findings


def _judge(plane: str, deps: list[Dependency], ctx: ActionContext) -> tuple[Severity, str, str] | None:
    """(severity, region, message) for the dependencies of one API, which are alternatives to each other."""
    regions = [d.region for d in deps]
    shown = ", ".join(dict.fromkeys(regions))
    note = next((d.note for d in deps if d.note), "")
    leaving = [r for r in regions if r == ctx.source_region]
    east = [r for r in regions if r == US_EAST_1 and r != ctx.target_region]
    if len(leaving) == len(regions):
        return "error", shown, f"{plane}-plane call only in the region being left ({shown}); {note}".rstrip("; ")
    if len(east) == len(regions):
        if plane == "control":
            message = f"control-plane call in us-east-1 while activating {ctx.target_region}; {note}"
            return "warning", shown, message.rstrip("; ")
        return "info", shown, f"data-plane call in us-east-1; {note}".rstrip("; ")
    if leaving or east:
        risky = ", ".join(dict.fromkeys(leaving + east))
        return "info", shown, f"{plane}-plane call with {len(regions)} endpoints; those in {risky} are tried last"
    if plane == "control":
        return "info", shown, f"control-plane call in {shown}; {note}".rstrip("; ")
    return None


def lint_group(group: Group, direction: Direction | str = Direction.FAILOVER) -> list[Finding]:
    """The findings of every pair the gate may choose: the primary with each standby, in order."""
    findings = []
    for standby in group.standby_keys():
        ctx = _context(group, Direction(direction), standby)
        pair: list[Finding] = []
        if Direction(direction) == Direction.FAILOVER:
            pair += _trigger_findings(group, ctx)
            pair += _signal_findings(group, ctx)
        pair += _gate_findings(group, ctx)
        pair += _action_findings(group, ctx)
        findings += [f.model_copy(update={"standby": standby}) for f in pair]
    return findings


def lint_plan(plan: Plan, direction: Direction | str = Direction.FAILOVER) -> list[Finding]:
    """Every finding of every group, in plan order (triggers, gate, then stages)."""
    return [finding for group in plan.groups for finding in lint_group(group, direction)]


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def summary(findings: list[Finding]) -> dict[str, Any]:
    counts = {severity: sum(1 for f in findings if f.severity == severity) for severity in SEVERITY_ORDER}
    return {"findings": len(findings), **counts}
