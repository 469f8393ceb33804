"""A region evacuation of a containerised service: capacity first, then data, then consumers and traffic.

The scenario holds on any plan (``--plan``): it expects every action of the drilled group to change
something, each stage to be verified before the next starts, the writes of the promotions and
scale-ups to go to the region being activated, and the source side's queue consumers to be
disabled before the target's are enabled (work runs in exactly one region).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/region-evacuation-containers.yaml"

#: write calls that must go to the region being activated (API names as the simulated AWS logs them)
TARGET_REGION_WRITES = (
    "ecs.UpdateService",
    "rds.ModifyDBCluster",
    "rds.CreateDBInstance",
    "docdb.SwitchoverGlobalCluster",
    "elasticache.FailoverGlobalReplicationGroup",
)
TOGGLE = "lambda.UpdateEventSourceMapping"


def _remember_group(world: World, group: Group, ctx: Context) -> None:
    ctx.extra["group"] = group.name
    ctx.extra["calls_before"] = len(world.sim.calls)  # seeding the world is not part of the failover
    primary_down(world, group, ctx)


def _evacuated(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    group = next(g for g in world.plan.groups if g.name == ctx.extra["group"])
    final = report.main.final if report.main else {}
    actions: list[dict[str, Any]] = list(final.get("cursor", {}).get("completed", []))
    done = {(a.get("stage"), a.get("name")) for a in actions}
    planned = {(stage.name, name) for stage, name, _spec in group.iter_actions()}
    if done != planned:
        problems.append(f"expected every action of every stage, got {sorted(map(str, done))}")
    unchanged = [(a.get("name"), a.get("status"), a.get("detail")) for a in actions if a.get("status") != "changed"]
    if unchanged:
        problems.append(f"every action should have changed something: {unchanged}")
    verified = [v.get("stage") for v in final.get("cursor", {}).get("verifications", []) if v.get("ok")]
    if verified != [stage.name for stage in group.stages]:
        problems.append(f"each stage must be verified before the next, got {verified}")
    target, source = group.secondary.region, group.primary.region
    calls = world.sim.calls[ctx.extra["calls_before"] :]
    for call in calls:
        if call.api in TARGET_REGION_WRITES and call.served_by != "fault" and call.region != target:
            problems.append(f"{call.api} went to {call.region}, not to the region being activated ({target})")
    toggles = [c.region for c in calls if c.api == TOGGLE and c.served_by != "fault"]
    if any(spec.type == "lambda_event_source_mappings" for _s, _n, spec in group.iter_actions()):
        if not toggles or set(toggles) != {source, target}:
            problems.append(f"consumers must be toggled in {source} and {target}, got {toggles}")
        elif toggles.index(target) < len(toggles) - toggles[::-1].index(source) - 1:
            problems.append(f"the {source} consumers must all be disabled before the {target} ones start: {toggles}")
    return problems


register(
    Scenario(
        name="region-evacuation-containers",
        plan=PLAN,
        group="shop",
        summary="Evacuate us-east-1 for a service on ECS: scale the standby service and Aurora capacity, switch "
        "DocumentDB and the ElastiCache Global Datastore, then move the SQS consumers and DNS.",
        setup=_remember_group,
        expect=Expect(notified=["started", "succeeded"], extra=_evacuated),
    )
)
