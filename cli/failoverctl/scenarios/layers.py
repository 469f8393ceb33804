"""Scenarios that move every layer: a region evacuation in ordered stages, and a stage that fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/region-evacuation.yaml"


def _actions(report: DrillReport) -> list[dict[str, Any]]:
    return list(report.main.final.get("cursor", {}).get("completed", [])) if report.main else []


#: action types with nothing to switch: they report unchanged when they run
NOTHING_TO_SWITCH = {"dynamodb_global_table"}


def _stages_in_order(report: DrillReport, world: World, ctx: Context) -> list[str]:
    """Every action of every stage of the drilled group changed, stage by stage, each verified before the next."""
    problems = []
    group = world.plan.group(str(((report.main.final.get("request") or {}) if report.main else {}).get("group")))
    planned = [(stage.name, name, spec.type) for stage, name, spec in group.iter_actions()]
    stage_names = [stage.name for stage in group.stages]
    actions = _actions(report)
    by_stage = [(str(a.get("stage")), str(a.get("name")), str(a.get("status"))) for a in actions]
    if {(s, n) for s, n, _ in by_stage} != {(s, n) for s, n, _ in planned}:
        problems.append(f"expected every action of every stage, got {by_stage}")
    kinds = {n: t for _s, n, t in planned}
    unchanged = [
        (n, st) for _s, n, st in by_stage if st != ("unchanged" if kinds.get(n) in NOTHING_TO_SWITCH else "changed")
    ]
    if unchanged:
        problems.append(f"every action should have changed something, got {unchanged}")
    stages = [a.get("stage") for a in actions]
    if stages != sorted(stages, key=lambda s: stage_names.index(s) if s in stage_names else len(stage_names)):
        problems.append(f"a later stage ran before an earlier one was recorded: {stages}")
    final = report.main.final if report.main else {}
    verified = [v.get("stage") for v in final.get("cursor", {}).get("verifications", []) if v.get("ok")]
    if verified != stage_names:
        problems.append(f"each stage must be verified before the next, got {verified}")
    if report.main and report.main.state_names.count("Run Stage") != len(stage_names):
        problems.append(f"the timeline should show {len(stage_names)} stage(s)")
    return problems


register(
    Scenario(
        name="region-evacuation",
        plan=PLAN,
        group="checkout",
        summary="Evacuate us-east-1: Aurora global switchover and standby scale-up in parallel, "
        "then ARC and ELB weights.",
        expect=Expect(notified=["started", "succeeded"], extra=_stages_in_order),
    )
)


#: the write call of each action type that a refusing AWS answers with an error (not a retryable one)
FAILING_CALL = {
    "aurora_global": ("rds.SwitchoverGlobalCluster", "InvalidGlobalClusterStateFault"),
    "rds_cluster_failover": ("rds.FailoverDBCluster", "InvalidDBClusterStateFault"),
    "rds_instance_failover": ("rds.RebootDBInstance", "InvalidDBInstanceState"),
    "rds_promote_replica": ("rds.PromoteReadReplica", "InvalidDBInstanceState"),
    "route53_records": ("route53.ChangeResourceRecordSets", "InvalidChangeBatch"),
    "route53_health_check_invert": ("route53.UpdateHealthCheck", "InvalidInput"),
    "route53_metric_switch": ("cloudwatch.PutMetricData", "InvalidParameterValue"),
    "arc_routing_control": ("route53-recovery-cluster.UpdateRoutingControlStates", "ConflictException"),
    "elb_weights": ("elbv2.ModifyListener", "ValidationError"),
    "asg_capacity": ("autoscaling.UpdateAutoScalingGroup", "ValidationError"),
    "s3_mrap_routes": ("s3control.SubmitMultiRegionAccessPointRoutes", "InvalidRequest"),
    "lambda_hook": ("lambda.Invoke", "InvalidParameterValueException"),
    "ecs_service_capacity": ("ecs.UpdateService", "ServiceNotActiveException"),
    "aurora_capacity": ("rds.ModifyDBCluster", "InvalidDBClusterStateFault"),
    "docdb_global_cluster": ("docdb.SwitchoverGlobalCluster", "InvalidGlobalClusterStateFault"),
    "elasticache_global_datastore": (
        "elasticache.FailoverGlobalReplicationGroup",
        "InvalidGlobalReplicationGroupState",
    ),
    "lambda_event_source_mappings": ("lambda.UpdateEventSourceMapping", "ResourceInUseException"),
}


def first_action_refused(world: World, group: Group, ctx: Context) -> None:
    """The first action of the first stage that changes something meets a refusing AWS."""
    for action in group.stages[0].actions:
        if action.type in FAILING_CALL:
            api, code = FAILING_CALL[action.type]
            if action.type == "elb_weights" and action.rule_arn:
                api = "elbv2.ModifyRule"
            if action.type == "aurora_capacity" and action.secondary.serverless_v2 is None:
                api = "rds.ModifyDBInstance"  # the seeded standby has a small reader to resize first
            world.sim.inject(api, "error", 1, code=code)
            ctx.extra["refused"] = {"api": api, "code": code, "stage": group.stages[0].name}
            return


def _stopped_after_the_failed_stage(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    actions = _actions(report)
    first = ctx.extra.get("refused", {}).get("stage")
    stages = {a.get("stage") for a in actions}
    if stages != {first}:
        problems.append(f"no later stage may start after a failure in '{first}', got stages {sorted(map(str, stages))}")
    if not any(a.get("status") == "failed" for a in actions):
        problems.append(f"an action of '{first}' should have failed, got {[a.get('status') for a in actions]}")
    changed = [a for a in actions if a.get("status") == "changed"]
    for a in changed:
        if not a.get("undo"):
            problems.append(f"{a.get('name')} changed something before the failure and must say how to undo it")
    failed = [m for m in report.sns if m["attributes"].get("phase") == "failed"]
    if not failed:
        problems.append("no failure notification")
    for a in changed:
        if failed and str(a.get("name")) not in str(failed[0].get("message")):
            problems.append(f"the failure notification must list what was changed ({a.get('name')})")
    for g in world.plan.groups:
        if world.store.lock(g.name):
            problems.append("the lock must be released after a failure")
    return problems


register(
    Scenario(
        name="stage-failure",
        plan=PLAN,
        group="checkout",
        summary="An action of stage 1 (the database switchover) is refused: later stages never start; "
        "the failure says what changed and how to undo.",
        setup=first_action_refused,
        expect=Expect(
            status="FAILED",
            end_state="Failed",
            outcome="proceed",
            active_after=None,
            notified=["started", "failed"],
            extra=_stopped_after_the_failed_stage,
        ),
    )
)
