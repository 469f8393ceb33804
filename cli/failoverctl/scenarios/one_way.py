"""One-way doors: a failback after a replica promotion waits for the old side to be re-protected.

The failover promotes the orders database's cross-region replica. Failing back before the old writer
is a replica again needs a person (nobody answers: the request is denied on timeout); once it is a
replica of the new writer again and caught up, the same request goes through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.checks.reprotection import NAME as REPROTECTED
from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/replica-promotion.yaml"


def applies(group: Group) -> bool:
    """The story needs a replica promotion (instances) and a group whose policy lets a person's failover run."""
    promotes = [s for _st, _n, s in group.iter_actions() if s.type == "rds_promote_replica"]
    return (
        bool(promotes)
        and all(s.primary.kind == "instance" for s in promotes)
        and group.safety.approval.mode == "conditional"
        and not group.safety.dry_run
    )


def _promote_first(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    ctx.extra["group"] = group.name
    if not applies(group):
        ctx.extra["not_applicable"] = "the group promotes no replica instance, or its policy gates every failover"
        return []
    primary_down(world, group, ctx)
    return [world.request_event(group.name, reason="us-east-1 database unreachable")]


def reprotect(world: World, group: Group) -> None:
    """What an operator does: rebuild the old writer as a replica of the promoted one, let it catch up."""
    for _stage, _name, spec in group.iter_actions():
        if spec.type != "rds_promote_replica":
            continue
        old, new = spec.primary, spec.secondary
        source_arn = world.clients.get("rds", new.region).describe_db_instances(DBInstanceIdentifier=new.identifier)[
            "DBInstances"
        ][0]["DBInstanceArn"]
        rds = world.clients.get("rds", old.region)
        rds.delete_db_instance(DBInstanceIdentifier=old.identifier, SkipFinalSnapshot=True)
        rds.create_db_instance_read_replica(DBInstanceIdentifier=old.identifier, SourceDBInstanceIdentifier=source_arn)
        world.clients.get("cloudwatch", old.region).put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[
                {
                    "MetricName": "ReplicaLag",
                    "Dimensions": [{"Name": "DBInstanceIdentifier", "Value": old.identifier}],
                    "Value": 0.4,
                }
            ],
        )


def _fail_back_twice(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    if not executions:
        return []
    world.set_side_health(group, "primary", 100.0)
    ctx.extra["one_way_after_failover"] = world.store.one_way(group.name)
    more: list[str] = []
    for step in ("before re-protection", "after re-protection"):
        if step == "after re-protection":
            reprotect(world, group)
        event = world.request_event(group.name, direction="failback", reason=f"us-east-1 recovered ({step})")
        for result in world.route(event).results:
            if result.get("status") == "started" and result.get("execution_arn"):
                world.wait(result["execution_arn"])
                more.append(result["execution_arn"])
    return more


def _check(report: DrillReport, index: int) -> dict[str, Any]:
    if len(report.executions) <= index:
        return {}
    decision = (report.executions[index].final.get("gate") or {}).get("decision") or {}
    return {
        "outcome": decision.get("outcome"),
        "reason": decision.get("reason"),
        "check": next((c for c in decision.get("checks", []) if c.get("name") == REPROTECTED), {}),
    }


def _gated_until_reprotected(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    if ctx.extra.get("not_applicable"):
        return problems
    group = world.plan.group(ctx.extra["group"])
    promoted = sorted(n for _s, n, spec in group.iter_actions() if spec.type == "rds_promote_replica")
    recorded = ctx.extra.get("one_way_after_failover") or []
    if sorted(e.get("name") for e in recorded) != promoted or any(e.get("from_side") != "primary" for e in recorded):
        problems.append(f"the promotion should be recorded as one-way, leaving the primary; got {recorded}")
    before, after = _check(report, 1), _check(report, 2)
    ctx.extra["failback_decisions"] = [before, after]
    if before.get("outcome") != "approval" or before["check"].get("ok") is not False:
        problems.append(f"the first failback should need approval for the unprotected side, got {before}")
    elif "re-protection needs" not in str(before.get("reason")):
        problems.append(f"the approval reason should say what re-protection needs, got {before.get('reason')}")
    if len(report.executions) > 1 and report.executions[1].end_state != "Denied":
        problems.append(f"nobody approved: the first failback should end Denied, got {report.executions[1].end_state}")
    checked = (after.get("check") or {}).get("values", {}).get("actions", {})
    lags = [checked.get(name, {}).get("lag_seconds") for name in promoted]
    if after.get("outcome") != "proceed" or after["check"].get("ok") is not True or None in lags:
        problems.append(f"after re-protection the failback should proceed with the lag in the check, got {after}")
    state = world.store.group_state(ctx.extra["group"])
    if state.get("active_side") != "primary":
        problems.append(
            f"the group should be recorded on the primary after the failback, got {state.get('active_side')}"
        )
    # failing back promoted the rebuilt replica in turn: now the secondary is the side left unprotected
    left = [(e.get("name"), e.get("from_side")) for e in state.get("one_way") or []]
    if sorted(left) != [(name, "secondary") for name in promoted]:
        problems.append(f"the failback's own promotion should be recorded as leaving the secondary, got {left}")
    approvals = [m for m in report.sns if m["attributes"].get("phase") == "approval"]
    if not any("re-protection needs" in str(m.get("message")) for m in approvals):
        problems.append("the approval notification does not say what re-protection needs")
    return problems


register(
    Scenario(
        name="failback-after-promotion",
        plan=PLAN,
        group="orders",
        summary="A failover promoted the replica (one-way): failing back needs a person until the old writer is "
        "a caught-up replica again, then it proceeds.",
        events=_promote_first,
        post=_fail_back_twice,
        # both databases are standalone writers after the failback promoted the rebuilt replica, so the
        # resources read "mixed": where traffic is recorded is checked in the group's state instead
        expect=Expect(
            active_after=None,
            executions=3,
            notified=["started", "succeeded", "approval", "denied"],
            extra=_gated_until_reprotected,
        ),
    )
)
