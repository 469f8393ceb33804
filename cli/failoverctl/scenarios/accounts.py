"""Other accounts: an action runs in another account through the role it assumes.

On ``plans/cross-account-database.yaml`` the Aurora global database belongs to a second account.
The primary fails; the gate observes the database as that account's role, the execute function
assumes the role (session named after the incident, the plan's external id) and switches the
global cluster over there, and DNS moves in the stack's own account. The drill checks that the
writer changed in the other account and that the stack's account holds no such database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/cross-account-database.yaml"


def _roles(group: Group) -> list[tuple[str, str]]:
    """(action name, role ARN) of each action of ``group`` that assumes a role."""
    return [(name, spec.assume_role.role_arn) for _s, name, spec in group.iter_actions() if spec.assume_role]


def _remember(world: World, group: Group, ctx: Context) -> None:
    ctx.extra["group"] = group.name
    primary_down(world, group, ctx)


def ran_in_the_other_account(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """Each role was assumed by the stack's functions with a session named after the incident."""
    from moto.sts.models import sts_backends

    group = world.plan.group(ctx.extra.get("group", ""))
    roles = _roles(group)
    if not roles:
        return []  # on a group with no other account, the scenario is a primary outage
    incident = ((report.main.final.get("request") or {}).get("incident_id") if report.main else None) or ""
    out = []
    for name, role_arn in roles:
        account = role_arn.split(":")[4]
        sessions = [
            r.session_name
            for partition in ("aws",)
            for r in sts_backends[account][partition].assumed_roles
            if r.role_arn == role_arn
        ]
        if not any(incident and incident in s for s in sessions):
            out.append(f"{name}: {role_arn} was not assumed with a session naming incident {incident} ({sessions})")
    denied = [d.describe() for d in (world.iam.denials if world.iam else [])]
    return out + denied


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
