"""A drill from any EventBridge event file: routed through the template's rules, run to the end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from failover.errors import InvalidEventError
from failoverctl.drill import DrillReport, execution_report
from failoverctl.sim.slack_server import SlackServer
from failoverctl.sim.world import World


def load_event_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InvalidEventError(f"cannot read {path}: {err.strerror}") from None
    except ValueError as err:
        raise InvalidEventError(f"{path} is not JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidEventError(f"{path}: an EventBridge event is a JSON object")
    return data


def _home_region(event: dict[str, Any], plan: Path) -> str:
    """The region the stack of the group this event triggers runs in (the plan's first group otherwise)."""
    from failover.plan import load_plan
    from failoverctl.regions import stack_region

    loaded = load_plan(plan)
    detail = event.get("detail")
    alarm = detail.get("alarmName") if isinstance(detail, dict) else None
    group = next((g for g in loaded.groups if any(a.name == alarm for a in g.triggers.alarms)), loaded.groups[0])
    return stack_region(group)


def run_event_file(path: Path, plan: Path, *, slack: bool = True, region: str | None = None) -> DrillReport:
    event = load_event_file(path)
    report = DrillReport(scenario=f"event:{path.name}", summary=f"the pipeline from {path}", expected={})
    home = region or _home_region(event, plan)
    if not str(event.get("source", "")).startswith("aws."):
        event = {**event, "region": home}  # a request is put on the stack's own bus (PutEvents in its region)
    with SlackServer() as server, World(plan, slack_url=server.url if slack else None, region=home) as world:
        alarm = (event.get("detail") or {}).get("alarmName") if isinstance(event.get("detail"), dict) else None
        group = None
        for g in world.plan.groups:
            if alarm and any(a.name == alarm for a in g.triggers.alarms):
                group = g
                # make the world agree with the event: the alarm is in the state it reports
                state = ((event.get("detail") or {}).get("state") or {}).get("value")
                region = next(a.region for a in g.triggers.alarms if a.name == alarm)
                if state in ("ALARM", "OK", "INSUFFICIENT_DATA"):
                    world.set_alarm(alarm, region, state, "as in the event file")
                    if state == "ALARM":
                        world.set_side_health(g, "primary", 0.0)
        group = group or world.plan.groups[0]
        report.active_before = world.active_side(group)
        route = world.route(event)
        report.routes = [route.summary()]
        report.extra["stack_region"] = world.region
        executions = [r["execution_arn"] for r in route.results if r.get("status") == "started"]
        report.executions = [execution_report(world, arn) for arn in executions]
        report.sns = world.sns_messages()
        report.slack = list(server.received)
        report.active_after = world.active_side(group)
        if report.main is not None:
            report.timeline = world.store.timeline(report.main.name)
        report.run_clock(world.plan)
        if not route.rules:
            report.extra["outcome"] = "no_rule_matched"
        elif not executions:
            first = route.results[0] if route.results else {}
            report.extra["outcome"] = f"trigger_{first.get('status', 'error')}"
            report.extra["reason"] = first.get("reason") or first.get("errorMessage")
        failed = [e for e in report.executions if e.status != "SUCCEEDED"]
        report.problems = [f"execution {e.name} ended {e.status}: {e.error}" for e in failed]
        if route.undelivered:
            report.extra["outcome"] = "not_delivered"
            report.problems.append(route.undelivered)
    return report
