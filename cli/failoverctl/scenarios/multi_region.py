"""Symmetric stacks and the group lease: a region lost, a partition, a holder that dies mid-failover.

They run ``plans/symmetric.yaml``: the same stack in us-east-1 and us-west-2 (each with its own
table, topic, state machine and functions' environment), lock tables in us-east-1, us-west-2 and
eu-west-1.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from failover.infra.lease import Lease
from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register
from failoverctl.sim.stacks import cut_off

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/symmetric.yaml"
#: how long the hung change may wait for the takeover (a bound for a slow machine, not a timing assertion)
HOLD_SECONDS = 180
EAST, WEST, THIRD = "us-east-1", "us-west-2", "eu-west-1"


def symmetric_with_lease(world: World) -> bool:
    """The stories need symmetric stacks holding the group lease (``settings.symmetric`` and ``settings.lease``)."""
    return bool(world.plan.settings.symmetric and world.plan.settings.lease)


def _probe_fires(world: World, group: Group) -> dict[str, Any]:
    """The standby's probe of the primary goes to ALARM (emitted in the standby's region)."""
    alarm = group.triggers.alarms[0]
    world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: the primary does not answer the probe")
    return world.alarm_event(alarm.name, alarm.region, "ALARM")


def _lease_check(report: DrillReport, index: int = 0) -> dict[str, Any]:
    if len(report.executions) <= index:
        return {}
    checks = ((report.executions[index].final.get("gate") or {}).get("decision") or {}).get("checks") or []
    return next((c for c in checks if c.get("name") == "group lock"), {})


def gate_decisions(report: DrillReport, ctx: Context) -> list[dict[str, Any]]:
    """Each execution's stack and gate decision, with its lease check (``gates`` in the drill's JSON)."""
    gates = []
    for index, execution in enumerate(report.executions):
        decision = (execution.final.get("gate") or {}).get("decision") or {}
        gates.append(
            {
                "execution": execution.name,
                "stack": execution.arn.split(":")[3],
                "status": execution.status,
                "end_state": execution.end_state,
                "outcome": decision.get("outcome"),
                "reason": decision.get("reason"),
                "lock_owner": decision.get("lock_owner"),
                "lease_token": decision.get("lease_token"),
                "lease": _lease_check(report, index),
                "checks": decision.get("checks") or [],
            }
        )
    ctx.extra["gates"] = gates
    return gates


# ---------------------------------------------------------------------- automation-region-down


def _region_gone(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    cut_off(world.sim, {None: {EAST}})  # us-east-1 is gone: its stack, its lock table, its APIs
    ctx.extra["unreachable"] = [EAST]


def _standby_acted_alone(report: DrillReport, world: World, ctx: Context) -> list[str]:
    gate_decisions(report, ctx)
    lock = _lease_check(report)
    values = lock.get("values") or {}
    out = []
    if values.get("token") != 1:
        out.append(f"the standby's stack should hold the lease with token 1, got {values.get('token')}")
    if "unreachable: us-east-1" not in str(lock.get("detail")):
        out.append(f"the lease should be granted without us-east-1's vote: {lock.get('detail')}")
    if any(r.get("undelivered") or r.get("rules") == [] for r in ctx.routes):
        out.append("the probe's alarm never reached the standby's stack")
    return out


register(
    Scenario(
        name="automation-region-down",
        summary=(
            "us-east-1 is gone, the stack deployed there with it; the us-west-2 stack's probe of the primary "
            "fires and that stack fails over on its own (ARC's endpoints outside us-east-1), the lease granted "
            "by the lock tables in us-west-2 and eu-west-1."
        ),
        plan=PLAN,
        applies=symmetric_with_lease,
        setup=_region_gone,
        events=lambda world, group, ctx: [_probe_fires(world, group)],
        expect=Expect(notified=["started", "succeeded"], extra=_standby_acted_alone),
    )
)


# ---------------------------------------------------------------------- partition-split-brain


def _partition(world: World, group: Group, ctx: Context) -> None:
    """An earlier run stopped half-way (the API's routing control already on us-west-2), then the network between
    us-east-1 and us-west-2 fails: each stack sees the other side down; both still reach eu-west-1."""
    from failover.actions import build_action
    from failover.actions.context import context_for
    from failover.models import FailoverRequest, Source

    request = FailoverRequest(request_id="setup", group=group.name, source=Source.MANUAL)
    context = context_for(group, request, world.clients, dry_run=False)
    for _stage, name, spec in group.iter_actions():
        if name == "api-routing":
            build_action(spec, name).run(context)
    cut_off(world.sim, {EAST: {WEST}, WEST: {EAST}})
    ctx.extra["partition"] = {EAST: [WEST], WEST: [EAST]}


def _both_sides_ask(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    return [
        world.request_event(group.name, "failover", reason="us-west-2 sees us-east-1 down", region=WEST),
        world.request_event(group.name, "failback", reason="us-east-1 sees us-west-2 down", region=EAST),
    ]


def _exactly_one_activation(report: DrillReport, world: World, ctx: Context) -> list[str]:
    out: list[str] = []
    decisions = gate_decisions(report, ctx)
    winners = [d for d in decisions if d["outcome"] == "proceed"]
    losers = [d for d in decisions if d["outcome"] == "skip"]
    if len(winners) != 1 or len(losers) != 1:
        return [f"expected exactly one activation and one stand-down, got {decisions}"]
    if "in progress" not in str(losers[0]["reason"]) or losers[0]["end_state"] != "Skipped":
        out.append(f"the other stack should stand down because the lease is held: {losers[0]}")
    winner_side = "secondary" if winners[0]["stack"] == WEST else "primary"
    direction = "failover" if winner_side == "secondary" else "failback"
    after = world.active_side(world.plan.group("web"), direction)
    if after != winner_side:
        out.append(f"traffic should be on {winner_side} (the one activation), found {after}")
    loser_stack = losers[0]["stack"]
    notices = report.sns if loser_stack == world.region else world.sns_messages(loser_stack)
    ctx.extra["stand_down_notices"] = [m["attributes"].get("phase") for m in notices]
    if "skipped" not in ctx.extra["stand_down_notices"]:
        out.append(f"the stack in {loser_stack} should notify its stand-down, sent {ctx.extra['stand_down_notices']}")
    return out


register(
    Scenario(
        name="partition-split-brain",
        summary=(
            "A partition between us-east-1 and us-west-2 while traffic is split: each stack sees the other side "
            "down and asks for its own region at once; the lease (a majority of three lock tables) lets exactly "
            "one activate, the other stands down and notifies why."
        ),
        plan=PLAN,
        applies=symmetric_with_lease,
        setup=_partition,
        events=_both_sides_ask,
        parallel=True,
        expect=Expect(executions=2, outcome=None, end_state=None, active_after=None, extra=_exactly_one_activation),
    )
)


# ---------------------------------------------------------------------- lease-holder-crash


def _hold_first_change(world: World, group: Group, ctx: Context) -> None:
    """The first execution's changes hang: as far as the lease can tell its holder is dead (a process
    that stops answering and one that has stopped are the same to it). Its lease runs out, a re-drive
    takes it over; then the hung changes arrive, late."""
    primary_down(world, group, ctx)
    held, release, done = threading.Event(), threading.Event(), threading.Event()
    first: list[str] = []  # the execution whose changes hang

    def before(name: str, payload: Any) -> None:
        if name != "ExecuteFunction" or not isinstance(payload, dict):
            return
        first[:1] = first[:1] or [str(payload.get("execution_id"))]
        if payload.get("execution_id") == first[0]:  # every change of the first execution hangs
            ctx.extra.setdefault("_late_payloads", []).append(payload)
            held.set()
            release.wait(timeout=HOLD_SECONDS)

    def after(inv: Any) -> None:
        if any(inv.payload is p for p in ctx.extra.get("_late_payloads", [])):
            ctx.extra.setdefault("late_writes", []).append(inv.error or {"result": inv.result})
            if len(ctx.extra["late_writes"]) == len(ctx.extra["_late_payloads"]):
                done.set()

    def crash_and_take_over() -> None:
        try:
            if held.wait(timeout=HOLD_SECONDS):
                ctx.extra["_takeover"] = _take_over(world, group, ctx)
        finally:
            release.set()  # the old holder's change arrives, late
        done.wait(timeout=HOLD_SECONDS)

    world.lambdas.before.append(before)
    world.lambdas.after.append(after)
    thread = threading.Thread(target=crash_and_take_over, daemon=True)
    thread.start()
    ctx.threads.append(thread)


def _take_over(world: World, group: Group, ctx: Context) -> str:
    sfn = world.clients.get("stepfunctions")
    old = sfn.list_executions(stateMachineArn=world.state_machine_arn, statusFilter="RUNNING")["executions"][0]
    old_arn = old["executionArn"]
    lease = Lease(world.plan.settings.lease, world.clients)  # type: ignore[arg-type]
    lease.expire(group.name, int(time.time()) - 1)  # its lease runs out (lock_ttl_seconds pass)
    source = sfn.describe_execution(executionArn=old_arn)
    new = sfn.start_execution(
        stateMachineArn=world.state_machine_arn, name=f"{old['name']}-retry-1", input=source["input"]
    )["executionArn"]
    world.wait(new, timeout=HOLD_SECONDS)
    return str(new)


def _late_write_refused(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    for thread in ctx.threads:
        thread.join(timeout=2 * HOLD_SECONDS)
    lease = Lease(world.plan.settings.lease, world.clients)  # type: ignore[arg-type]
    ctx.extra["lease_after"] = [
        {"region": v.region, "owner": v.item.get("owner"), "token": v.item.get("token")} for v in lease.read(group.name)
    ]
    ctx.extra.pop("_late_payloads", None)
    takeover = ctx.extra.pop("_takeover", None)
    return [takeover] if takeover else []


def _takeover_fenced(report: DrillReport, world: World, ctx: Context) -> list[str]:
    gate_decisions(report, ctx)
    out: list[str] = []
    statuses = [e.status for e in report.executions]
    if statuses != ["FAILED", "SUCCEEDED"]:
        out.append(f"expected the stale holder's execution FAILED and the new one SUCCEEDED, got {statuses}")
    failure = (report.executions[0].final.get("error") or {}) if report.executions else {}
    if failure.get("Error") != "StaleLeaseError":
        out.append(f"the stale holder should stop with StaleLeaseError, got {failure}")
    old_token = (_lease_check(report, 0).get("values") or {}).get("token")
    new_lock = _lease_check(report, 1)
    new_token = (new_lock.get("values") or {}).get("token")
    if not (isinstance(old_token, int) and isinstance(new_token, int) and new_token > old_token):
        out.append(f"the new holder needs a higher token than the old one: {old_token} -> {new_token}")
    if not (new_lock.get("values") or {}).get("took_over"):
        out.append(f"the new holder should report the takeover: {new_lock.get('detail')}")
    late = ctx.extra.get("late_writes") or [{}]
    if any(w.get("errorType") != "StaleLeaseError" for w in late):
        out.append(f"each of the old holder's late changes should be refused with StaleLeaseError, got {late}")
    return out


register(
    Scenario(
        name="lease-holder-crash",
        summary=(
            "The us-west-2 stack's execution holds the lease and stops answering with its changes in flight; once "
            "the lease runs out a re-drive takes it over with a higher token and fails over; the old holder's late "
            "changes are refused (StaleLeaseError), it stops and its failure notice says why."
        ),
        plan=PLAN,
        applies=symmetric_with_lease,
        setup=_hold_first_change,
        events=lambda world, group, ctx: [_probe_fires(world, group)],
        post=_late_write_refused,
        expect=Expect(
            status="FAILED", end_state="Failed", executions=2, notified=["failed", "succeeded"], extra=_takeover_fenced
        ),
    )
)
