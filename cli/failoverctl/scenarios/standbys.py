"""More than two regions: the gate passes over a standby that cannot take the group and chooses the next.

On ``plans/three-region.yaml`` the primary (us-east-1) fails while the preferred standby (us-west-2)
is unhealthy too: the gate records why it passed us-west-2 over and fails over to eu-west-1, whose
Auto Scaling group is raised and to which DNS moves; us-west-2 is left untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from failover.checks.targets import CHOICE_CHECK
from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

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
