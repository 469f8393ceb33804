"""Drill scenarios, the building blocks: a fault to inject, the events that follow, and the outcome to expect.

Each scenario prepares the world (health, alarms, lag, locks, faults), sends its events through
the template's rules, optionally plays a person (approving or denying), and states what must
have happened: the execution's status and end state, the gate's outcome, where traffic is after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from failover.plan import Group

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World


@dataclass
class Context:
    routes: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    threads: list[threading.Thread] = field(default_factory=list)


@dataclass
class Expect:
    status: str = "SUCCEEDED"
    end_state: str | None = "Succeeded"
    outcome: str | None = "proceed"
    active_after: str | None = "secondary"
    executions: int | None = 1
    notified: list[str] = field(default_factory=list)  # phases that must reach SNS
    extra: Callable[[DrillReport, World, Context], list[str]] | None = None

    @classmethod
    def skipped(
        cls, active_after: str = "primary", extra: Callable[[DrillReport, World, Context], list[str]] | None = None
    ) -> Expect:
        """The gate skips: the execution ends Skipped, ``active_after`` still serves, people hear why."""
        return cls(end_state="Skipped", outcome="skip", active_after=active_after, notified=["skipped"], extra=extra)

    def to_json(self) -> dict[str, Any]:
        return {
            "execution_status": self.status,
            "end_state": self.end_state,
            "outcome": self.outcome,
            "active_after": self.active_after,
            "executions": self.executions,
            "notified": self.notified,
        }

    def problems(self, report: DrillReport, world: World, ctx: Context) -> list[str]:
        out: list[str] = []
        main = report.main
        if self.executions is not None and len(report.executions) != self.executions:
            out.append(f"expected {self.executions} execution(s), got {len(report.executions)}")
        if main is None:
            if self.executions:
                out.append("no execution started")
            return out + (self.extra(report, world, ctx) if self.extra else [])
        if main.status != self.status:
            out.append(f"execution status {main.status}, expected {self.status} ({main.error}: {main.cause})")
        if self.end_state and main.end_state != self.end_state:
            out.append(f"ended in state '{main.end_state}', expected '{self.end_state}'")
        outcome = ((main.final.get("gate") or {}).get("decision") or {}).get("outcome")
        if self.outcome and outcome != self.outcome:
            out.append(f"decision outcome {outcome}, expected {self.outcome}")
        if self.active_after and report.active_after != self.active_after:
            out.append(f"traffic on '{report.active_after}' after the drill, expected '{self.active_after}'")
        phases = [m["attributes"].get("phase") for m in report.sns]
        for phase in self.notified:
            if phase not in phases:
                out.append(f"no SNS notification for phase '{phase}' (got {phases})")
        if self.extra:
            out.extend(self.extra(report, world, ctx))
        return out


@dataclass
class Scenario:
    name: str
    summary: str
    expect: Expect
    plan: str = "plans/example.yaml"
    group: str = "web"
    direction: str = "failover"
    setup: Callable[[World, Group, Context], None] | None = None
    events: Callable[[World, Group, Context], list[dict[str, Any]]] | None = None
    approver: str | None = None  # "approve" | "deny" | None (nobody answers)
    slack: Callable[[Any], None] | None = None
    post: Callable[[World, Group, Context, list[str]], list[str]] | None = None
    parallel: bool = False  # deliver the events at once, one invoker each (Lambda runs them concurrently)
    #: whether the story can be told on this plan (symmetric stacks with a lease, say); on a plan where it
    #: cannot, the scenario sends nothing and expects nothing to run
    applies: Callable[[World], bool] | None = None

    def applicable(self, world: World) -> bool:
        return self.applies is None or self.applies(world)

    def expect_for(self, world: World, group: Group) -> Expect:
        """What this scenario must produce on ``group``: its expectations, following the group's own policy."""
        from failoverctl.scenarios.policy import follow_policy

        return follow_policy(self, world, group)

    def prepare_slack(self, server: Any) -> None:
        if self.slack is not None:
            self.slack(server)

    def prepare(self, world: World, group: Group) -> Context:
        ctx = Context()
        if self.setup is not None and self.applicable(world):
            self.setup(world, group, ctx)
        return ctx

    def run(self, world: World, group: Group, ctx: Context) -> list[str]:
        if not self.applicable(world):
            return []
        events = self.events(world, group, ctx) if self.events else [fire_trigger(world, group)]
        if self.approver:
            answer_approvals(world, self.approver, ctx)
        executions: list[str] = []
        # an event reaches every stack that sees it (symmetric stacks: its region's and the forwarders')
        deliveries = [(event, stack) for event in events for stack in world.stacks_for(event)]
        if self.parallel and len(deliveries) > 1:
            with ThreadPoolExecutor(max_workers=len(deliveries), thread_name_prefix="trigger-invoker") as pool:
                routed = list(pool.map(lambda d: world.route(*d), deliveries))
        else:
            routed = [world.route(event, stack) for event, stack in deliveries]
        for route in routed:
            ctx.routes.append(route.summary())
            for result in route.results:
                if result.get("status") == "started" and result.get("execution_arn"):
                    executions.append(result["execution_arn"])
        for arn in executions:
            world.wait(arn)
        if self.post is not None:
            executions = executions + self.post(world, group, ctx, executions)
        for t in ctx.threads:
            t.join(timeout=30)
        return executions

    def after(self, world: World, group: Group, ctx: Context, report: DrillReport) -> None:
        return None


# ---------------------------------------------------------------------- building blocks


def fire_trigger(world: World, group: Group, index: int = 0, event_id: str | None = None) -> dict[str, Any]:
    """The group's trigger firing: its ``index``-th alarm going to ALARM (an RDS failure event for a
    group triggered only by RDS events; a person's request for a group with no trigger at all)."""
    alarms = group.triggers.alarms
    if alarms:
        alarm = alarms[index % len(alarms)]
        world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: primary endpoint failing")
        return world.alarm_event(alarm.name, alarm.region, "ALARM", event_id=event_id)
    if group.triggers.rds_source_ids:
        return world.rds_event(group.triggers.rds_source_ids[0], group.primary.region, event_id=event_id)
    return world.request_event(group.name, reason="drill: the group has no trigger, a person asks")


def primary_down(world: World, group: Group, ctx: Context) -> None:
    world.set_side_health(group, "primary", 0.0)


def answer_approvals(world: World, decision: str, ctx: Context, *, after: int = 0) -> None:
    """Play the approver: when the approval request is out, open the signed link and submit the form.

    ``after`` approval requests are left to another approver (a run that asks twice: the gate, then
    an escalation); this one answers the next.
    """

    def approver() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            asked = [
                inv.result["approval_id"]
                for inv in list(world.lambdas.invocations)
                if inv.function == "NotifyFunction" and isinstance(inv.result, dict) and inv.result.get("approval_id")
            ]
            if len(asked) > after:
                time.sleep(0.3)  # the state machine registers the task token after the invoke returns
                key = "approver_response" if not after else f"approver_response_{after + 1}"
                ctx.extra[key] = submit_approval(world, asked[after], decision)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=approver, daemon=True)
    thread.start()
    ctx.threads.append(thread)


def submit_approval(world: World, approval_id: str, decision: str, by: str = "oncall@example.com") -> dict[str, Any]:
    """What a person's browser does: GET the signed link (confirmation page), then POST the form."""
    from urllib.parse import urlencode

    from failover.approval import TokenClaims, sign

    item = world.store.approval(approval_id)
    secret = world.clients.get("secretsmanager").get_secret_value(
        SecretId=world.resolver.physical["ApprovalSigningSecret"]
    )["SecretString"]
    token = sign(secret.encode(), TokenClaims(approval_id, item["execution_id"], decision, int(item["expires_at"])))
    page = world.lambdas.invoke("ApproveFunction", url_event("GET", query={"token": token}))
    post = world.lambdas.invoke("ApproveFunction", url_event("POST", body=urlencode({"token": token, "by": by})))
    return {
        "page_status": (page.result or {}).get("statusCode"),
        "status": (post.result or {}).get("statusCode"),
        "error": post.error,
    }


def url_event(
    method: str, *, query: dict[str, str] | None = None, body: str | None = None, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """A Lambda function URL request (payload format 2.0)."""
    return {
        "version": "2.0",
        "rawPath": "/",
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "queryStringParameters": query or None,
        "headers": {"content-type": "application/x-www-form-urlencoded", **(headers or {})},
        "requestContext": {"http": {"method": method, "path": "/", "sourceIp": "198.51.100.7", "userAgent": "drill"}},
        "body": body,
        "isBase64Encoded": False,
    }


def flap(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    alarm = group.triggers.alarms[0]

    def back_to_ok(name: str, payload: Any) -> None:
        if name == "ValidateFunction":
            world.set_alarm(alarm.name, alarm.region, "OK", "Threshold no longer crossed")

    world.lambdas.before.append(back_to_ok)


def secondary_unhealthy(world: World, group: Group, ctx: Context) -> None:
    """The target is broken too: its health checks fail and its own alarms fire."""
    primary_down(world, group, ctx)
    world.set_side_health(group, "secondary", 5.0)
    for alarm in group.secondary.alarms:
        world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: the secondary is failing too")


def already_failed_over(world: World, group: Group, ctx: Context) -> None:
    from failover.actions import build_action
    from failover.actions.context import context_for
    from failover.models import FailoverRequest, Source

    primary_down(world, group, ctx)
    request = FailoverRequest(request_id="setup", group=group.name, source=Source.MANUAL)
    context = context_for(group, request, world.clients, dry_run=False)
    for _stage, name, spec in group.iter_actions():
        build_action(spec, name).run(context)


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    SCENARIOS[scenario.name] = scenario
    return scenario
