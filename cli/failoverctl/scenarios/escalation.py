"""Escalation: the primary's region is impaired, so the database's planned switchover is refused.

The Aurora (or DocumentDB) global database's writer region is impaired: AWS refuses
``SwitchoverGlobalCluster``. The action escalates to ``FailoverGlobalCluster`` with ``AllowDataLoss``
as the group's ``safety.escalation`` says: at once (``automatic``), once a person approves it
(``approval``: the message carries the replication lag as the data-loss estimate and the one-way
door), or not at all (``never``, or an action whose plan entry does not allow data loss). A refused
escalation stops the run: it fails, notifies, and the traffic stage never runs.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from failover.actions import build_action
from failover.actions.aurora_global import AuroraGlobal
from failover.actions.context import context_for
from failover.models import FailoverRequest, Source
from failover.plan import Group
from failoverctl.scenarios.base import (
    Context,
    Expect,
    Scenario,
    answer_approvals,
    primary_down,
    register,
)
from failoverctl.scenarios.policy import WORLD_LAG_SECONDS

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

NAME = "switchover-blocked-escalates"
GLOBAL_DATABASES = {"aurora_global", "docdb_global_cluster"}


def databases(group: Group) -> list[tuple[str, Any]]:
    """(name, spec) of the group's global-database actions."""
    return [(name, spec) for _stage, name, spec in group.iter_actions() if spec.type in GLOBAL_DATABASES]


def escalates(group: Group) -> bool:
    """Every global database of the group may escalate (the plan allows data loss; the policy is not never)."""
    found = databases(group)
    return bool(found) and group.safety.escalation_policy != "never" and all(s.allow_data_loss for _n, s in found)


def _impair_primary_region(world: World, group: Group, ctx: Context) -> None:
    from failoverctl.sim.extensions.outage import impair_region

    ctx.extra["group"] = group.name
    primary_down(world, group, ctx)
    for name, spec in databases(group):
        impair_region(world.sim, spec.primary.region)
        ctx.extra.setdefault("impaired_regions", []).append(spec.primary.region)
        # the lag each secondary publishes (as AWS does, in its own region): the estimate's source
        action = build_action(spec, name)
        if not isinstance(action, AuroraGlobal):
            continue
        metric = action.lag_metrics[-1]
        world.clients.get("cloudwatch", spec.secondary.region).put_metric_data(
            Namespace=metric.namespace,
            MetricData=[
                {
                    "MetricName": metric.name,
                    "Dimensions": [{"Name": "DBClusterIdentifier", "Value": spec.secondary.cluster_arn.split(":")[-1]}],
                    "Value": WORLD_LAG_SECONDS / metric.seconds_per_unit,
                }
            ],
        )


@dataclasses.dataclass
class EscalationScenario(Scenario):
    """A group whose gate always asks a person asks twice: the scenario's approver answers both."""

    def run(self, world: World, group: Group, ctx: Context) -> list[str]:
        if group.safety.approval.mode == "always" and self.approver:
            answer_approvals(world, self.approver, ctx, after=1)
        return super().run(world, group, ctx)


def expect_for(scenario: Scenario, group: Group) -> Expect:
    """What the group's escalation policy makes of the refused switchover."""
    target = group.sides_for(scenario.direction)[1]
    if not databases(group):
        # nothing to escalate: the drill is an ordinary failover
        return Expect(active_after=target, notified=["started", "succeeded"])
    if group.safety.dry_run:
        # a rehearsal calls nothing: the impaired region goes unseen, and nothing may change
        return Expect(active_after=None, notified=["started", "succeeded"], extra=_nothing_lost)
    # the stage's other actions (standby capacity) may have changed beside the database: the
    # resources do not all read one side, so the check is the writer's and the traffic's own
    stopped = Expect(
        status="FAILED", end_state="Failed", active_after=None, notified=["started", "failed"], extra=_stopped
    )
    if not escalates(group):
        return stopped
    if group.safety.escalation_policy == "automatic":
        return dataclasses.replace(scenario.expect, notified=["started", "succeeded"])
    if scenario.approver != "approve":
        return dataclasses.replace(stopped, notified=["started", "approval", "failed"])
    return scenario.expect


def _results(report: DrillReport, world: World, ctx: Context) -> list[dict[str, Any]]:
    group = world.plan.group(ctx.extra["group"])
    names = {name for name, _spec in databases(group)}
    completed = ((report.main.final.get("cursor") or {}).get("completed") or []) if report.main else []
    return [r for r in completed if r.get("name") in names]


def _escalated(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    group = world.plan.group(ctx.extra["group"])
    results = _results(report, world, ctx)
    for result in results:
        found = result.get("escalation") or {}
        if result.get("status") != "changed" or found.get("outcome") != "escalated":
            problems.append(f"{result.get('name')} should have escalated, got {result.get('status')}: {found}")
            continue
        if not str(found.get("refused", "")).startswith("InvalidGlobalClusterStateFault"):
            problems.append(f"the switchover should be refused with InvalidGlobalClusterStateFault, got {found}")
        if found.get("estimated_data_loss_seconds") is None:
            problems.append(f"the escalation of {result.get('name')} carries no data-loss estimate: {found}")
        if group.safety.escalation_policy == "approval" and not found.get("approved_by"):
            problems.append(f"the escalation of {result.get('name')} should name who approved it: {found}")
        if not result.get("one_way"):
            problems.append(f"the data-loss failover of {result.get('name')} should be recorded as one-way")
    if len(results) != len(databases(group)):
        problems.append(f"expected one result per global database, got {results}")
    recorded = {str(e.get("name")) for e in world.store.one_way(group.name)}
    missing = {str(r.get("name")) for r in results} - recorded
    if missing:
        problems.append(f"the one-way doors of {sorted(missing)} should be recorded for the failback gate")
    if group.safety.escalation_policy == "approval":
        asked = [m for m in report.sns if m["attributes"].get("phase") == "approval"]
        if not any("ESCALATION APPROVAL NEEDED" in str(m.get("message")) for m in asked):
            problems.append("no approval notification asked for the escalation")
        elif not any("s of writes" in str(m.get("message")) for m in asked):
            problems.append("the escalation approval message does not give the data-loss estimate")
    return problems


def _nothing_lost(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """Every global database's writer is still on the side left, and no failover with data loss ran."""
    problems: list[str] = []
    group = world.plan.group(ctx.extra["group"])
    source = group.sides_for(report.main.final["request"]["direction"] if report.main else "failover")[0]
    request = FailoverRequest(request_id="escalation-check", group=group.name, source=Source.MANUAL)
    for name, spec in databases(group):
        side = build_action(spec, name).observe(context_for(group, request, world.clients, dry_run=True)).side
        if side != source:
            problems.append(f"the writer of {name} should still be on the {source}, got {side}")
    data_loss = world.sim.state.get("aurora.data_loss_failovers") or world.sim.state.get("docdb.data_loss_failovers")
    if data_loss:
        problems.append(f"no failover with data loss may run, got {data_loss}")
    return problems


def _stopped(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    group = world.plan.group(ctx.extra["group"])
    stages = [stage.name for stage in group.stages]
    first = min(stages.index(stage.name) for stage, _n, spec in group.iter_actions() if spec.type in GLOBAL_DATABASES)
    completed = (report.main.final.get("cursor") or {}).get("completed") or [] if report.main else []
    later = [r.get("name") for r in completed if r.get("stage") in stages[first + 1 :]]
    if later:
        problems.append(f"the run stops at the database's stage: no later stage may run, got {later}")
    for result in _results(report, world, ctx):
        found = result.get("escalation") or {}
        if result.get("status") != "failed" or found.get("outcome") not in ("denied", "not_allowed"):
            problems.append(f"{result.get('name')} should stop without escalating, got {result.get('status')}: {found}")
    problems += _nothing_lost(report, world, ctx)
    failed = [m for m in report.sns if m["attributes"].get("phase") == "failed"]
    if failed and not any("InvalidGlobalClusterStateFault" in str(m.get("message")) for m in failed):
        problems.append("the failure notice should say the switchover was refused and why")
    return problems


register(
    EscalationScenario(
        name=NAME,
        plan="plans/region-evacuation.yaml",
        group="checkout",
        summary="us-east-1 is impaired: AWS refuses the Aurora switchover; a person approves the failover with "
        "data loss (the message gives the replication lag), it runs, is recorded as one-way, and traffic moves.",
        setup=_impair_primary_region,
        approver="approve",
        expect=Expect(notified=["approval", "started", "succeeded"], extra=_escalated),
    )
)
