"""Other accounts: an action runs in another account through the role it assumes.

On ``plans/cross-account-database.yaml`` the Aurora global database belongs to a second account.
The primary fails; the gate observes the database as that account's role, the execute function
assumes the role (session named after the incident, the plan's external id) and switches the
global cluster over there, and DNS moves in the stack's own account. The drill checks that the
writer changed in the other account and that the stack's account holds no such database.

``cross-account-standby`` (``plans/cross-account-standby.yaml``): the standby side lives in another
account and names its role; the gate reads its alarm and its replication metric there (as
``failover-gate``), finds it healthy and within the RPO budget, and fails over. The stack's own
account has neither the alarm nor the metric, so a read there would have refused the standby.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from failover.checks.health import GATE_SESSION
from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/cross-account-database.yaml"


def _roles(group: Group) -> list[tuple[str, str]]:
    """(action name, role ARN) of each action of ``group`` that assumes a role."""
    return [(name, spec.assume_role.role_arn) for _s, name, spec in group.iter_actions() if spec.assume_role]


def _assumed_sessions(role_arn: str) -> list[str]:
    from moto.sts.models import sts_backends

    return [r.session_name for r in sts_backends[role_arn.split(":")[4]]["aws"].assumed_roles if r.role_arn == role_arn]


def _remember(world: World, group: Group, ctx: Context) -> None:
    ctx.extra["group"] = group.name
    primary_down(world, group, ctx)


def ran_in_the_other_account(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """Each role was assumed by the stack's functions with a session named after the incident."""
    group = world.plan.group(ctx.extra.get("group", ""))
    roles = _roles(group)
    if not roles:
        return []  # on a group with no other account, the scenario is a primary outage
    incident = ((report.main.final.get("request") or {}).get("incident_id") if report.main else None) or ""
    found = {role_arn: _assumed_sessions(role_arn) for _name, role_arn in roles}
    out = [
        f"{name}: {role_arn} was not assumed with a session naming incident {incident} ({found[role_arn]})"
        for name, role_arn in roles
        if not any(incident and incident in s for s in found[role_arn])
    ]
    return out + _denials(world)


def _denials(world: World) -> list[str]:
    return [d.describe() for d in (world.iam.denials if world.iam else [])]


register(
    Scenario(
        name="cross-account-database",
        summary="The database is in another account: the functions assume its role (session named after the "
        "incident) and switch it over there; DNS moves in the stack's account.",
        plan=PLAN,
        group="orders",
        setup=_remember,
        expect=Expect(notified=["started", "succeeded"], extra=ran_in_the_other_account),
    )
)


def read_the_side_in_its_account(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """The gate assumed each side's role (session ``failover-gate``); the stack's account has none of its alarms."""
    group = world.plan.group(ctx.extra.get("group", ""))
    sides = [s for s in (group.primary, *group.standbys) if s.assume_role is not None]
    sessions = {s.name: _assumed_sessions(s.assume_role.role_arn) for s in sides if s.assume_role}
    ctx.extra["side_sessions"] = sessions
    out = [f"the gate did not read side {name} as its role: {found}" for name, found in sessions.items()]
    out = [line for line, found in zip(out, sessions.values(), strict=True) if GATE_SESSION not in found]
    cloudwatch = world.clients.get  # the stack's own account
    out += [
        f"alarm {a.name} should exist only in the side's account"
        for side in sides
        for a in side.alarms
        if cloudwatch("cloudwatch", a.region).describe_alarms(AlarmNames=[a.name])["MetricAlarms"]
    ]
    return out + _denials(world)


register(
    Scenario(
        name="cross-account-standby",
        summary="The standby lives in another account: the gate reads its alarm and replication lag there, as the "
        "role the side names, and fails over; the stack's own account has neither.",
        plan="plans/cross-account-standby.yaml",
        group="payments",
        setup=_remember,
        expect=Expect(notified=["started", "succeeded"], extra=read_the_side_in_its_account),
    )
)
