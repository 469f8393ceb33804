"""Plan drift: the account stops matching the plan, and the scheduled evaluation finds each kind of it.

The scenario runs the template's evaluate function on the intact world first (no finding), then
breaks one thing of each readiness kind and runs it again: an alarm deleted (missing), a listener
that no longer forwards to the primary's target group (unusable), a primary fleet grown past what
the standby scales to (standby_capacity), a standby region's vCPU quota lowered (service_quota), a
global-table replica no longer active (replication), Aurora lag over the RPO budget (rpo), the
topic deleted (sns_topic), the Slack secret overwritten (slack_secret), and a routing control the
deployed role was never granted (iam). A third run finds the same and notifies nobody again.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failover.readiness.findings import KINDS
from failoverctl.scenarios.base import Context, Expect, Scenario, register
from failoverctl.sim import readiness
from failoverctl.sim.extensions import dynamodb as dynamodb_ext
from failoverctl.sim.extensions import inventory

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/plan-drift.yaml"


def _spec(group: Group, kind: str) -> Any:
    return next((spec for _stage, _name, spec in group.iter_actions() if spec.type == kind), None)


def drift(world: World, group: Group, ctx: Context) -> set[str]:
    """Break one thing of each kind the group's plan has (after the intact world was evaluated); the kinds broken."""
    broken = {"sns_topic"}
    alarms = [*group.secondary.alarms, *group.primary.alarms, *group.triggers.alarms]
    if alarms:
        world.clients.get("cloudwatch", alarms[0].region).delete_alarms(AlarmNames=[alarms[0].name])
        broken.add("missing")
    lb = _spec(group, "elb_weights")
    if lb is not None and lb.rule_arn is None:
        world.clients.get("elbv2", lb.region).modify_listener(
            ListenerArn=lb.listener_arn,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": lb.secondary.target_group_arn}],
        )
        broken.add("unusable")
    fleet = _spec(group, "asg_capacity")
    if fleet is not None:
        desired = max(fleet.secondary.desired_capacity, fleet.secondary.max_size or 0) + 4
        world.clients.get("autoscaling", fleet.primary.region).update_auto_scaling_group(
            AutoScalingGroupName=fleet.primary.asg_name, MaxSize=desired, DesiredCapacity=desired
        )
        inventory.set_quota(world.sim, fleet.secondary.region, "ec2", readiness.EC2_VCPU_QUOTA, 1, "lowered")
        broken |= {"standby_capacity", "service_quota"}
    table = _spec(group, "dynamodb_global_table")
    if table is not None:
        dynamodb_ext.set_replica_status(world.sim, table.table_name, table.secondary.region, "CREATING")
        broken.add("replication")
    if group.replication is not None and group.safety.rpo_budget_seconds is not None:
        world.set_replication_lag(group, group.safety.rpo_budget_seconds + 25.0)
        broken.add("rpo")
    world.clients.get("sns").delete_topic(TopicArn=world.resolver.physical["FailoverTopic"])
    slack_secret = os.environ.get("SLACK_WEBHOOK_SECRET_ARN", "")
    if slack_secret:  # a stack deployed without Slack has no secret to break (and may not read one)
        world.clients.get("secretsmanager").put_secret_value(
            SecretId=slack_secret, SecretString=json.dumps({"url": "http://hooks.example.com/not-https"})
        )
        broken.add("slack_secret")
    routing, records = _spec(group, "arc_routing_control"), _spec(group, "route53_records")
    if routing is not None:  # deployed before the standby's routing control was added to the plan
        world.resolver.parameters["RoutingControlArns"] = [routing.primary.routing_control_arn]
        broken.add("iam")
    elif records is not None:  # deployed before the record was added to the plan
        world.resolver.parameters["RecordNames"] = ["deployed-before.example.com"]
        broken.add("iam")
    readiness.install_role_policy(world)
    return broken


def setup(world: World, group: Group, ctx: Context) -> None:
    readiness.prepare(world)
    ctx.extra["evaluation"] = {"intact": readiness.evaluate(world)}
    ctx.extra["broken"] = sorted(drift(world, group, ctx))


def evaluate_twice(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    ctx.extra["evaluation"]["drifted"] = readiness.evaluate(world)
    ctx.extra["evaluation"]["again"] = readiness.evaluate(world)
    ctx.extra["evaluation"]["findings"] = ctx.extra["evaluation"]["drifted"].get("findings", [])
    return []


def _every_kind(report: DrillReport, world: World, ctx: Context) -> list[str]:
    runs = ctx.extra.get("evaluation", {})
    problems = []
    for name in ("intact", "drifted", "again"):
        if "error" in runs.get(name, {}):
            problems.append(f"the {name} evaluation failed: {runs[name]['error']}")
    if problems:
        return problems
    if runs["intact"]["findings"]:
        problems.append(f"the intact world has findings: {runs['intact']['findings']}")
    kinds = {f["kind"] for f in runs["drifted"]["findings"]}
    missing = [k for k in ctx.extra.get("broken", KINDS) if k not in kinds]
    if missing:
        problems.append(f"no finding of kind(s) {', '.join(missing)}")
    if not runs["drifted"]["change"]["changed"]:
        problems.append("the drift was not reported as a change")
    if runs["again"]["change"]["changed"] or runs["again"]["notified"]:
        problems.append("an unchanged evaluation notified again")
    if sorted(f["kind"] for f in runs["again"]["findings"]) != sorted(f["kind"] for f in runs["drifted"]["findings"]):
        problems.append("the second evaluation disagrees with the first")
    return problems


register(
    Scenario(
        name="plan-drift",
        plan=PLAN,
        group="checkout",
        summary="The account drifts from the plan in every way readiness checks; the scheduled evaluation "
        "finds each kind and notifies once.",
        setup=setup,
        events=lambda world, group, ctx: [],
        post=evaluate_twice,
        expect=Expect(
            status="SUCCEEDED", end_state=None, outcome=None, active_after=None, executions=0, extra=_every_kind
        ),
    )
)
