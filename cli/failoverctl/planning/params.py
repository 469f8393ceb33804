"""The template parameters a plan implies: the trigger rules' alarm names and the resources IAM is scoped to.

``failoverctl plan params FILE`` prints them as ``sam deploy --parameter-overrides`` text (or JSON),
so that the deployed rules and policies name exactly what the plan uses. A parameter the plan has
nothing for is ``none`` (the template grants nothing for it).
"""

from __future__ import annotations

from typing import Any

from failover.plan import Plan

LIST_PARAMETERS = (
    "TriggerAlarmNames",
    "RdsSourceIds",
    "HealthServices",
    "HealthRegions",
    "HostedZoneIds",
    "RecordNames",
    "HealthCheckIds",
    "MetricNamespaces",
    "RoutingControlArns",
    "DbInstanceArns",
    "DbClusterArns",
    "GlobalClusterArns",
    "LoadBalancerResourceArns",
    "AutoScalingGroupArns",
    "MultiRegionAccessPointArns",
    "HookFunctionArns",
    "EcsServiceArns",
    "AuroraCapacityArns",
    "GlobalDatastoreArns",
    "ConsumerFunctionArns",
    "CrossAccountRoleArns",
    "LeaseTableArns",
)
#: parameters whose empty value is "" rather than "none" (they feed rule patterns, not policies)
EMPTY_AS_BLANK = {"TriggerAlarmNames", "RdsSourceIds", "HealthServices", "HealthRegions"}


def _cluster_arn(region: str, account: str, identifier: str) -> str:
    return f"arn:aws:rds:{region}:{account}:cluster:{identifier}"


def template_parameters(plan: Plan, account: str = "*") -> dict[str, list[str]]:
    out: dict[str, set[str]] = {name: set() for name in LIST_PARAMETERS}
    if plan.settings.lease is not None:
        out["LeaseTableArns"].update(
            t.table if t.table.startswith("arn:") else f"arn:aws:dynamodb:{t.region}:{account}:table/{t.name}"
            for t in plan.settings.lease.tables
        )
    for group in plan.groups:
        out["TriggerAlarmNames"].update(a.name for a in group.triggers.alarms)
        out["RdsSourceIds"].update(group.triggers.rds_source_ids)
        if group.triggers.health_services:
            out["HealthServices"].update(group.triggers.health_services)
            out["HealthRegions"].add(group.primary.region)
        # the gate reads a side in another account (health, alarms, replication, capacity) as its role
        out["CrossAccountRoleArns"].update(
            side.assume_role.role_arn for side in (group.primary, *group.standbys) if side.assume_role is not None
        )
        for _standby, _stage, _name, spec in group.iter_pair_actions():
            if spec.assume_role is not None:
                # its calls are made as that role in its account: the stack's own policy grants only the assumption
                out["CrossAccountRoleArns"].add(spec.assume_role.role_arn)
            else:
                _add_action(out, spec, account)
    return {name: sorted(values) or ([""] if name in EMPTY_AS_BLANK else ["none"]) for name, values in out.items()}


def _add_action(out: dict[str, set[str]], spec: Any, account: str) -> None:
    """The resources of one action spec, narrowed to one pair of sides."""
    kind = spec.type
    if kind == "route53_records":
        out["HostedZoneIds"].add(spec.hosted_zone_id)
        out["RecordNames"].add(spec.record_name.rstrip("."))
    elif kind == "route53_health_check_invert":
        out["HealthCheckIds"].add(spec.health_check_id)
    elif kind == "route53_metric_switch":
        out["MetricNamespaces"].add(spec.namespace)
    elif kind == "arc_routing_control":
        out["RoutingControlArns"].update({spec.primary.routing_control_arn, spec.secondary.routing_control_arn})
    elif kind == "rds_instance_failover":
        out["DbInstanceArns"].add(f"arn:aws:rds:{spec.region}:{account}:db:{spec.db_instance_identifier}")
    elif kind == "rds_cluster_failover":
        out["DbClusterArns"].add(_cluster_arn(spec.region, account, spec.db_cluster_identifier))
        out["DbInstanceArns"].update(
            f"arn:aws:rds:{spec.region}:{account}:db:{s.instance_identifier}" for s in (spec.primary, spec.secondary)
        )
    elif kind == "aurora_global":
        out["GlobalClusterArns"].add(f"arn:aws:rds::{account}:global-cluster:{spec.global_cluster_identifier}")
        out["DbClusterArns"].update({spec.primary.cluster_arn, spec.secondary.cluster_arn})
    elif kind == "rds_promote_replica":
        for side in (spec.primary, spec.secondary):
            if side.kind == "cluster":
                out["DbClusterArns"].add(_cluster_arn(side.region, account, side.identifier))
            else:
                out["DbInstanceArns"].add(f"arn:aws:rds:{side.region}:{account}:db:{side.identifier}")
    elif kind == "elb_weights":
        out["LoadBalancerResourceArns"].add(spec.rule_arn or spec.listener_arn)
    elif kind == "asg_capacity":
        out["AutoScalingGroupArns"].update(
            f"arn:aws:autoscaling:{s.region}:{account}:autoScalingGroup:*:autoScalingGroupName/{s.asg_name}"
            for s in (spec.primary, spec.secondary)
        )
    elif kind == "s3_mrap_routes":
        out["MultiRegionAccessPointArns"].add(spec.mrap_arn)
    elif kind == "lambda_hook":
        out["HookFunctionArns"].add(spec.function_arn)
    elif kind == "ecs_service_capacity":
        out["EcsServiceArns"].update(
            f"arn:aws:ecs:{s.region}:{account}:service/{s.cluster}/{s.service}" for s in (spec.primary, spec.secondary)
        )
    elif kind == "aurora_capacity":
        for s in (spec.primary, spec.secondary):
            out["AuroraCapacityArns"].add(_cluster_arn(s.region, account, s.cluster_identifier))
            if s.readers is not None:  # the readers it may create or resize, by name prefix
                out["AuroraCapacityArns"].add(f"arn:aws:rds:{s.region}:{account}:db:{s.reader_prefix}*")
    elif kind == "docdb_global_cluster":  # DocumentDB's IAM is RDS's: the same parameters as aurora_global
        out["GlobalClusterArns"].add(f"arn:aws:rds::{account}:global-cluster:{spec.global_cluster_identifier}")
        out["DbClusterArns"].update({spec.primary.cluster_arn, spec.secondary.cluster_arn})
    elif kind == "elasticache_global_datastore":
        out["GlobalDatastoreArns"].add(
            f"arn:aws:elasticache::{account}:globalreplicationgroup:{spec.global_replication_group_id}"
        )
        out["GlobalDatastoreArns"].update(
            f"arn:aws:elasticache:{s.region}:{account}:replicationgroup:{s.replication_group_id}"
            for s in (spec.primary, spec.secondary)
        )
    elif kind == "lambda_event_source_mappings":
        out["ConsumerFunctionArns"].update(
            f"arn:aws:lambda:{s.region}:{account}:function:{m.function_name}"
            for s in (spec.primary, spec.secondary)
            for m in s.mappings
        )


def as_overrides(params: dict[str, Any], plan_file: str | None = None) -> list[str]:
    """``Key=value`` strings for ``sam deploy --parameter-overrides`` or samconfig.toml."""
    lines = [f"PlanFile={plan_file}"] if plan_file else []
    lines += [f"{name}={','.join(values)}" for name, values in params.items()]
    return lines
