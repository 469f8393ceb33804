"""Drills: build a world, inject a scenario's fault, run the real pipeline, report what happened.

A drill runs the deployed artefacts on the simulated AWS: the EventBridge patterns of
``template.yaml``, the trigger and every function's handler, and the state machine definition
in ``statemachine/`` on moto's interpreter. The report lists each state entered with its duration,
the decision and its checks, each change made and each notification sent, and compares the
outcome with the one the scenario expects. The waits run at zero; the virtual clock
(``failoverctl.sim.clock``) gives the seconds the run would take with the plan's real waits.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from failover.plan import Plan
from failover.state import ExecutionState
from failoverctl.scenarios import Scenario
from failoverctl.sim.clock import SimulatedSeconds, SimulatedTime, simulate
from failoverctl.sim.slack_server import SlackServer
from failoverctl.sim.world import World
from failoverctl.template import ROOT


@dataclass
class ExecutionReport:
    arn: str
    name: str
    status: str
    states: list[dict[str, Any]]
    final: dict[str, Any]
    error: str | None = None
    cause: str | None = None

    @property
    def state_names(self) -> list[str]:
        return [s["name"] for s in self.states]

    @property
    def end_state(self) -> str | None:
        return self.states[-1]["name"] if self.states else None


@dataclass
class DrillReport:
    scenario: str
    summary: str
    expected: dict[str, Any]
    routes: list[dict[str, Any]] = field(default_factory=list)
    executions: list[ExecutionReport] = field(default_factory=list)
    sns: list[dict[str, Any]] = field(default_factory=list)
    slack: list[dict[str, Any]] = field(default_factory=list)
    active_before: str | None = None
    active_after: str | None = None
    timeline: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    wall_seconds: float = 0.0
    simulated: SimulatedTime | None = None

    @property
    def main(self) -> ExecutionReport | None:
        return self.executions[0] if self.executions else None

    @property
    def passed(self) -> bool:
        return not self.problems

    def run_clock(self, plan: Plan) -> None:
        """The main execution on the virtual clock: its seconds with the plan's real waits."""
        main = self.main
        state = ExecutionState.salvage(main.final) if main else None
        if main is None or state is None or state.request.group not in {g.name for g in plan.groups}:
            return
        group = plan.group(state.request.group)
        self.simulated = simulate(group, main.final, main.state_names)
        takeover = self._takeover(state)
        if takeover is not None and self.simulated is not None and self.simulated.seconds.first_change is None:
            # the main execution lost its lease mid-failover: the one that took it over moved traffic
            self.simulated = simulate(group, takeover.final, takeover.state_names, self.simulated) or self.simulated

    def _takeover(self, state: ExecutionState) -> ExecutionReport | None:
        """A later execution of the same group whose gate took the main execution's expired lease over."""
        owner = state.decision.lock_owner if state.decision else None
        for execution in self.executions[1:]:
            later = ExecutionState.salvage(execution.final)
            checks = later.decision.checks if later and later.decision else []
            if owner and any(c.name == "group lock" and c.values.get("took_over") == owner for c in checks):
                return execution
        return None

    def simulated_seconds(self) -> SimulatedSeconds:
        """The clock's three figures, or why the drill has none (no execution, or one without a request)."""
        if self.simulated is not None:
            return self.simulated.seconds
        if self.main is None:
            return SimulatedSeconds.unreached("no execution started: nothing was decided or changed")
        return SimulatedSeconds.unreached("the execution's state has no request of a group of the plan")

    def to_json(self) -> dict[str, Any]:
        main = self.main
        final = main.final if main else {}
        state = ExecutionState.salvage(final)
        decision = state.decision if state else None
        return {
            "scenario": self.scenario,
            "summary": self.summary,
            "passed": self.passed,
            "problems": self.problems,
            "expected": self.expected,
            "execution_status": main.status if main else None,
            "execution_arn": main.arn if main else None,
            "incident_id": main.name if main else None,
            "end_state": main.end_state if main else None,
            "states": main.state_names if main else [],
            "state_durations_ms": [{"name": s["name"], "duration_ms": s["duration_ms"]} for s in main.states]
            if main
            else [],
            "decision": {
                "outcome": decision.outcome if decision else None,
                "reason": decision.reason if decision else None,
                "checks": [c.to_json() for c in decision.checks] if decision else [],
            },
            "approval": final.get("approval"),
            "actions": [
                a.model_dump(
                    mode="json",
                    include={
                        "stage",
                        "name",
                        "action",
                        "target",
                        "status",
                        "detail",
                        "duration_ms",
                        "undo",
                        "one_way",
                        "escalation",
                    },
                )
                for a in (state.completed if state else [])
            ],
            "verifications": [v.to_json() for v in state.cursor.verifications] if state and state.cursor else [],
            "error": final.get("error"),
            "notifications": {"sns": self.sns, "slack": self.slack},
            "active_before": self.active_before,
            "active_after": self.active_after,
            "routes": self.routes,
            "executions": [
                {"name": e.name, "status": e.status, "end_state": e.end_state, "states": e.state_names}
                for e in self.executions
            ],
            "timeline": self.timeline,
            "final_state": final,
            "wall_seconds": round(self.wall_seconds, 3),
            "simulated_seconds": self.simulated_seconds().model_dump(),
            "simulated_time": self.simulated.model_dump(mode="json") if self.simulated else None,
            **self.extra,
        }


def _ms(a: datetime, b: datetime) -> int:
    return int((b - a).total_seconds() * 1000)


def execution_report(world: World, arn: str) -> ExecutionReport:
    desc = world.wait(arn)
    history = world.history(arn)
    states: list[dict[str, Any]] = []
    open_states: dict[str, dict[str, Any]] = {}
    final: dict[str, Any] = {}
    start = history[0]["timestamp"] if history else None
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            entry = {
                "name": name,
                "type": kind[: -len("StateEntered")],
                "entered": event["timestamp"],
                "offset_ms": _ms(start, event["timestamp"]) if start else 0,
                "duration_ms": None,
            }
            states.append(entry)
            open_states[name] = entry
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            exited = open_states.pop(details["name"], None)
            if exited is not None:
                exited["duration_ms"] = _ms(exited["entered"], event["timestamp"])
            output = details.get("output")
            if output and details["name"] not in ("Execute Action",):
                try:
                    parsed = json.loads(output)
                    if isinstance(parsed, dict) and "request" in parsed:
                        final = parsed
                except ValueError:
                    pass
    if desc.get("output"):
        with contextlib.suppress(ValueError):
            final = json.loads(desc["output"])
    for s in states:
        s.pop("entered", None)
    return ExecutionReport(
        arn=arn,
        name=arn.rsplit(":", 1)[-1],
        status=desc["status"],
        states=states,
        final=final,
        error=desc.get("error"),
        cause=desc.get("cause"),
    )


def run_scenario(
    scenario: Scenario,
    *,
    slack: bool = True,
    plan: Path | None = None,
    group: str | None = None,
    template: Path | None = None,
    region: str | None = None,
) -> DrillReport:
    """Run ``scenario``; ``plan`` and ``group`` replace the scenario's own (a team's plan, its group),
    ``template`` the project's ``template.yaml`` (its functions' policies are what the drill enforces).

    The stack runs in ``region``, by default the region the drilled group fails over to (where the
    README says to deploy it); events of other regions reach it only through a forwarder.
    """
    from failover.plan import load_plan
    from failoverctl.regions import stack_region

    started = time.monotonic()
    plan_path = plan or ROOT / scenario.plan
    names = [g.name for g in load_plan(plan_path).groups]
    chosen = group or (scenario.group if scenario.group in names else names[0])
    if chosen not in names:
        from failover.errors import UnknownGroupError

        raise UnknownGroupError(f"the plan has no group '{chosen}'; its groups: {', '.join(names)}", group=chosen)
    home = region or stack_region(load_plan(plan_path).group(chosen))
    with (
        SlackServer() if slack else _NoSlack() as server,
        World(plan_path, slack_url=server.url, region=home, template=template) as world,
    ):
        world.check_seeded(chosen)
        the_group = world.plan.group(chosen)
        expect = scenario.expect_for(world, the_group)
        report = DrillReport(scenario=scenario.name, summary=scenario.summary, expected=expect.to_json())
        report.extra["stack_region"] = world.region
        if world.accounts:
            report.extra["accounts"] = world.accounts  # the plan's account ids -> the simulated account
        scenario.prepare_slack(server)
        ctx = scenario.prepare(world, the_group)
        report.active_before = world.active_side(the_group)
        executions = scenario.run(world, the_group, ctx)
        report.routes = ctx.routes
        report.executions = [execution_report(world, arn) for arn in executions]
        scenario.after(world, the_group, ctx, report)
        report.sns = world.sns_messages()
        report.slack = list(server.received)
        direction = "failback" if scenario.direction == "failback" else "failover"
        report.active_after = world.active_side(the_group, direction)
        if report.main is not None:
            report.timeline = world.store.timeline(report.main.name)
        report.run_clock(world.plan)
        report.problems = expect.problems(report, world, ctx)
        report.problems += [str(r["undelivered"]) for r in report.routes if r.get("undelivered")]
        report.extra.update(ctx.extra)
        if world.iam is not None:  # a call a function's policy does not allow fails every scenario
            report.extra["access_denied"] = [vars(d) for d in world.iam.denials]
            report.problems.extend(dict.fromkeys(d.describe() for d in world.iam.denials))
    report.wall_seconds = time.monotonic() - started
    return report


class _NoSlack:
    url: str | None = None

    def __enter__(self) -> _NoSlack:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @property
    def received(self) -> list[dict[str, Any]]:
        return []
