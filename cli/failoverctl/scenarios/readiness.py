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
    return next(spec for _stage, _name, spec in group.iter_actions() if spec.type == kind)


def _slack_secret(world: World) -> str:
    arn = os.environ.get("SLACK_WEBHOOK_SECRET_ARN", "")
    if arn:
        return arn
    arn = world.clients.get("secretsmanager").create_secret(Name="failover-drill-slack-webhook", SecretString="{}")[
        "ARN"
    ]
    world._set_env({"SLACK_WEBHOOK_SECRET_ARN": arn})
    return str(arn)


def drift(world: World, group: Group, ctx: Context) -> None:
    """Break one thing of each kind (after the intact world was evaluated)."""
    lb, fleet, routing = _spec(group, "elb_weights"), _spec(group, "asg_capacity"), _spec(group, "arc_routing_control")
    table = _spec(group, "dynamodb_global_table")
    alarm = group.secondary.alarms[0]
    world.clients.get("cloudwatch", alarm.region).delete_alarms(AlarmNames=[alarm.name])
    world.clients.get("elbv2", lb.region).modify_listener(
        ListenerArn=lb.listener_arn,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": lb.secondary.target_group_arn}],
    )
    world.clients.get("autoscaling", fleet.primary.region).update_auto_scaling_group(
        AutoScalingGroupName=fleet.primary.asg_name, MaxSize=20, DesiredCapacity=16
    )
    inventory.set_quota(world.sim, fleet.secondary.region, "ec2", readiness.EC2_VCPU_QUOTA, 8, "lowered")
    dynamodb_ext.set_replica_status(world.sim, table.table_name, table.secondary.region, "CREATING")
    world.set_replication_lag(group, 30.0)
    world.clients.get("sns").delete_topic(TopicArn=world.resolver.physical["FailoverTopic"])
    world.clients.get("secretsmanager").put_secret_value(
        SecretId=_slack_secret(world), SecretString=json.dumps({"url": "http://hooks.example.com/not-https"})
    )
    world.resolver.parameters["RoutingControlArns"] = [routing.primary.routing_control_arn]
    readiness.install_role_policy(world)


def setup(world: World, group: Group, ctx: Context) -> None:
    readiness.prepare(world)
    ctx.extra["evaluation"] = {"intact": readiness.evaluate(world)}
    drift(world, group, ctx)


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
    missing = [k for k in KINDS if k not in kinds]
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
