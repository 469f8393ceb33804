"""More than two regions: the gate passes over a standby that cannot take the group and chooses the next.

On ``plans/three-region.yaml`` the primary (us-east-1) fails while the preferred standby (us-west-2)
is unhealthy too: the gate records why it passed us-west-2 over and fails over to eu-west-1, whose
Auto Scaling group is raised and to which DNS moves; us-west-2 is left untouched.

``symmetric-second-standby`` does the same with a stack in each of the three regions
(``plans/symmetric-three-region.yaml``): the primary's health alarm reaches every stack (us-east-1's
own, the standbys' through their forwarders); only the stack in the chosen region acts. Then the
first standby recovers and its own probe fires for the same outage: its stack, whose table knows
nothing of the failover, is granted the lease and stands down on the cooldown the lease carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.checks.targets import CHOICE_CHECK
from failover.plan import Group
from failover.steps.validate import SHARED_COOLDOWN
from failoverctl.scenarios.base import Context, Expect, Scenario, fire_trigger, primary_down, register
from failoverctl.scenarios.multi_region import gate_decisions, symmetric_with_lease

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/three-region.yaml"


def first_standby_down(world: World, group: Group, ctx: Context) -> None:
    """The primary fails, and so does the first standby: its health checks and its own alarms."""
    primary_down(world, group, ctx)
    world.set_side_health(group, "secondary", 5.0)
    for alarm in group.secondary.alarms:
        world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: the first standby is failing too")


def second_standby_chosen(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """The decision names the second standby, and says why the first was passed over."""
    decision = ((report.main.final.get("gate") or {}).get("decision") or {}) if report.main else {}
    group = world.plan.group(ctx.extra.get("group", "")) if ctx.extra.get("group") else None
    if group is None or len(group.standbys) < 2:
        return []
    expected = group.standby_keys()[1]
    out = []
    if decision.get("target_side") != expected:
        out.append(f"the gate chose {decision.get('target_side')!r}, expected the second standby {expected!r}")
    choice = next((c for c in decision.get("checks", []) if c.get("name") == CHOICE_CHECK), None)
    passed = [p.get("side") for p in ((choice or {}).get("values") or {}).get("passed_over", [])]
    if passed != ["secondary"]:
        out.append(f"the decision should record the first standby as passed over, got {passed}")
    return out


def _remember_group(world: World, group: Group, ctx: Context) -> None:
    ctx.extra["group"] = group.name
    first_standby_down(world, group, ctx)


register(
    Scenario(
        name="three-region-choose-target",
        summary="The primary fails and the first standby is unhealthy: the gate passes it over, records why, and "
        "fails over to the second standby.",
        plan=PLAN,
        group="shop",
        setup=_remember_group,
        expect=Expect(active_after="eu-west-1", notified=["started", "succeeded"], extra=second_standby_chosen),
    )
)


# ---------------------------------------------------------------------- symmetric-second-standby

SYMMETRIC_PLAN = "plans/symmetric-three-region.yaml"


def _primary_and_first_standby_down(world: World, group: Group, ctx: Context) -> None:
    ctx.extra["group"] = group.name
    first_standby_down(world, group, ctx)
    for alarm in group.primary.alarms:
        world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: the primary is failing")


def _first_standby_recovers_and_asks(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    """The first standby is healthy again and its own probe of the primary fires: same outage, its stack."""
    world.set_side_health(group, "secondary", 100.0)
    for alarm in group.secondary.alarms:
        world.set_alarm(alarm.name, alarm.region, "OK", "Threshold no longer crossed")
    region = group.secondary.region
    probe = next(i for i, a in enumerate(group.triggers.alarms) if a.region == region)
    route = world.route(fire_trigger(world, group, probe), region)
    ctx.routes.append(route.summary())
    late = [str(r["execution_arn"]) for r in route.results if r.get("status") == "started"]
    for arn in late:
        world.wait(arn)
    return late


def _one_activation_in_the_chosen_region(report: DrillReport, world: World, ctx: Context) -> list[str]:
    group = world.plan.group(ctx.extra.get("group", ""))
    chosen = group.side(group.standby_keys()[1])
    gates = gate_decisions(report, ctx)
    at_once, late = gates[:3], gates[3:]
    out: list[str] = []
    acted = [g for g in at_once if g["outcome"] == "proceed"]
    if [g["stack"] for g in acted] != [chosen.region] or acted[0]["end_state"] != "Succeeded":
        out.append(f"exactly one stack, the one in {chosen.region}, should act: {at_once}")
    down = [g for g in at_once if g["outcome"] == "skip" and str(g["reason"]).startswith("standing down")]
    if sorted(g["stack"] for g in down) != sorted({group.primary.region, group.secondary.region}):
        out.append(f"the stacks in the other regions should stand down: {at_once}")
    forwarded = sorted(str(r["forwarded_by"]) for r in ctx.routes if r.get("forwarded_by"))
    standbys = sorted(group.side(k).region for k in group.standby_keys())
    if forwarded != [f"health-alarm-forwarder (us-east-1 -> {region})" for region in standbys]:
        out.append(f"the primary's alarm should reach each standby's stack through its own forwarder: {forwarded}")
    if world.active_side(group) != group.standby_keys()[1]:
        out.append(f"traffic should be on {chosen.name}, found {world.active_side(group)}")
    if len(late) != 1 or late[0]["stack"] != group.secondary.region or late[0]["outcome"] != "skip":
        return [*out, f"the recovered first standby's stack should stand down once: {late}"]
    checks: list[dict[str, Any]] = late[0]["checks"]
    shared = next((c for c in checks if c.get("name") == SHARED_COOLDOWN), {})
    last = (shared.get("values") or {}).get("last_activation") or {}
    if shared.get("ok") is not False or last.get("activated_region") != chosen.region:
        out.append(f"the late execution should stand down on the cooldown the lease carries: {shared}")
    return out


register(
    Scenario(
        name="symmetric-second-standby",
        summary="Symmetric stacks in three regions: the primary fails and the first standby is unhealthy; the "
        "primary's alarm reaches all three stacks, only the second standby's acts (one lease grant), the others "
        "stand down. The first standby then recovers and its probe fires: its stack stands down on the cooldown "
        "the lease carries.",
        plan=SYMMETRIC_PLAN,
        group="shop",
        applies=lambda world: symmetric_with_lease(world) and any(len(g.standbys) >= 2 for g in world.plan.groups),
        setup=_primary_and_first_standby_down,
        parallel=True,
        post=_first_standby_recovers_and_asks,
        expect=Expect(
            executions=4, outcome=None, end_state=None, active_after=None, extra=_one_activation_in_the_chosen_region
        ),
    )
)
