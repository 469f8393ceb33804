"""Action types: one module per AWS service, registered here by their plan ``type``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from failover.actions.base import Action, ActionContext, Dependency, Observation, for_standby
from failover.errors import PlanError

#: plan type -> "module:Class" (imported on first use, so a function loads only what it runs)
REGISTRY: dict[str, str] = {
    "route53_records": "failover.actions.route53:Route53Records",
    "route53_health_check_invert": "failover.actions.route53:Route53HealthCheckInvert",
    "route53_metric_switch": "failover.actions.route53_metric:Route53MetricSwitch",
    "arc_routing_control": "failover.actions.arc:ArcRoutingControl",
    "rds_instance_failover": "failover.actions.rds:RdsInstanceFailover",
    "rds_cluster_failover": "failover.actions.rds:RdsClusterFailover",
    "rds_promote_replica": "failover.actions.rds:RdsPromoteReplica",
    "aurora_global": "failover.actions.aurora_global:AuroraGlobal",
    "elb_weights": "failover.actions.elb:ElbWeights",
    "asg_capacity": "failover.actions.autoscaling:AsgCapacity",
    "s3_mrap_routes": "failover.actions.s3_mrap:S3MrapRoutes",
    "dynamodb_global_table": "failover.actions.dynamodb_global:DynamoDbGlobalTable",
    "lambda_hook": "failover.actions.lambda_hook:LambdaHook",
    "ecs_service_capacity": "failover.actions.ecs:EcsServiceCapacity",
    "aurora_capacity": "failover.actions.aurora_capacity:AuroraCapacity",
    "docdb_global_cluster": "failover.actions.docdb_global:DocDbGlobalCluster",
    "elasticache_global_datastore": "failover.actions.elasticache_global:ElastiCacheGlobalDatastore",
    "lambda_event_source_mappings": "failover.actions.lambda_consumers:LambdaEventSourceMappings",
}


def action_class(type_name: str) -> type[Action[Any]]:
    try:
        module_name, class_name = REGISTRY[type_name].split(":")
    except KeyError:
        raise PlanError(f"unknown action type '{type_name}'", known=sorted(REGISTRY)) from None
    cls: type[Action[Any]] = getattr(import_module(module_name), class_name)
    return cls


def build_action(spec: Any, name: str, standby: str = "secondary") -> Action[Any]:
    """The action of ``spec`` between the primary and ``standby`` (the gate's chosen pair)."""
    return action_class(spec.type)(for_standby(spec, standby), name)


__all__ = ["REGISTRY", "Action", "ActionContext", "Dependency", "Observation", "action_class", "build_action"]
