"""Seeders for containers, caches, document databases and queue consumers (see ``seeders.py``).

Each ``seed_<type>(spec, clients, sim, active)`` creates what the action names with the ``active``
side serving and the other side on standby, and returns the plan identifiers AWS (moto) generated
differently (for example a queue ARN in a plan written for another account):

- ``ecs_service_capacity``: a cluster, task definition and service per side (the standby service at
  zero tasks) and a scalable target (standby minimum 0, maximum its ``desired_count``);
- ``aurora_capacity``: a cluster per side with a writer; the active one at its Serverless v2 range and
  readers, the standby at 0.5-``min`` ACU with one small reader named with the action's prefix;
- ``docdb_global_cluster``: the global cluster and its member clusters in the DocumentDB extension;
- ``elasticache_global_datastore``: a replication group per region in moto, linked into a global
  datastore by the ElastiCache extension;
- ``lambda_event_source_mappings``: an SQS queue, a function and a mapping per reference, enabled on
  the active side only.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from failover.actions.specs import (
    AuroraCapacitySide,
    AuroraCapacitySpec,
    DocDbGlobalClusterSpec,
    EcsServiceCapacitySpec,
    ElastiCacheGlobalDatastoreSpec,
    LambdaEventSourceMappingsSpec,
)
from failover.infra.clients import Clients
from failoverctl.sim.aws import SimAWS
from failoverctl.sim.extensions import docdb as docdb_ext
from failoverctl.sim.extensions import elasticache_global as elasticache_ext

Mapping = dict[str, str]
MASTER = {"MasterUsername": "failover", "MasterUserPassword": "sim-password-1"}  # moto's fake database
ACCOUNT = "123456789012"


def _code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


# ---------------------------------------------------------------- ECS


def seed_ecs_service_capacity(spec: EcsServiceCapacitySpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    for name in ("primary", "secondary"):
        side = getattr(spec, name)
        ecs = clients.get("ecs", side.region)
        ecs.create_cluster(clusterName=side.cluster)
        family = f"{side.service}-task"
        ecs.register_task_definition(
            family=family,
            containerDefinitions=[{"name": side.service, "image": "public.ecr.aws/nginx/nginx:stable", "memory": 512}],
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )
        running = name == active
        ecs.create_service(cluster=side.cluster, serviceName=side.service, taskDefinition=family, desiredCount=0)
        if running and side.desired_count:
            ecs.update_service(cluster=side.cluster, service=side.service, desiredCount=side.desired_count)
        floor = side.desired_count if side.min_capacity is None else side.min_capacity
        clients.get("application-autoscaling", side.region).register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/{side.cluster}/{side.service}",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=floor if running else 0,
            MaxCapacity=max(side.desired_count, floor, 1),
        )
    return {}


# ---------------------------------------------------------------- Aurora capacity


def _aurora_side(clients: Clients, side: AuroraCapacitySide, running: bool) -> None:
    rds = clients.get("rds", side.region)
    scaling = {"MinCapacity": 0.5, "MaxCapacity": 8.0}
    if running and side.serverless_v2 is not None:
        want = side.serverless_v2
        scaling = {"MinCapacity": want.min_acu, "MaxCapacity": max(want.max_acu or 0.0, want.min_acu, 1.0)}
    try:
        rds.create_db_cluster(
            DBClusterIdentifier=side.cluster_identifier,
            Engine="aurora-postgresql",
            ServerlessV2ScalingConfiguration=scaling,
            **MASTER,
        )
    except ClientError as err:
        if _code(err) != "DBClusterAlreadyExistsFault":
            raise
        rds.modify_db_cluster(
            DBClusterIdentifier=side.cluster_identifier, ServerlessV2ScalingConfiguration=scaling, ApplyImmediately=True
        )
    instances: list[tuple[str, str]] = [(f"{side.cluster_identifier}-writer", "db.serverless")]
    if side.readers is not None:
        if running:
            instances += [
                (f"{side.reader_prefix}{n}", side.readers.instance_class) for n in range(1, side.readers.count + 1)
            ]
        else:
            instances.append((f"{side.reader_prefix}1", "db.t3.medium"))
    for identifier, instance_class in instances:
        try:
            rds.create_db_instance(
                DBInstanceIdentifier=identifier,
                DBClusterIdentifier=side.cluster_identifier,
                Engine="aurora-postgresql",
                DBInstanceClass=instance_class,
            )
        except ClientError as err:
            if _code(err) != "DBInstanceAlreadyExists":
                raise


def seed_aurora_capacity(spec: AuroraCapacitySpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    for name in ("primary", "secondary"):
        _aurora_side(clients, getattr(spec, name), running=name == active)
    return {}


# ---------------------------------------------------------------- DocumentDB, ElastiCache


def seed_docdb_global_cluster(spec: DocDbGlobalClusterSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    members = [spec.primary.cluster_arn, spec.secondary.cluster_arn]
    docdb_ext.add_global_cluster(sim, spec.global_cluster_identifier, members, getattr(spec, active).cluster_arn)
    return {}


def seed_elasticache_global_datastore(
    spec: ElastiCacheGlobalDatastoreSpec, clients: Clients, sim: SimAWS, active: str
) -> Mapping:
    members = []
    for name in ("primary", "secondary"):
        side = getattr(spec, name)
        try:
            clients.get("elasticache", side.region).create_replication_group(
                ReplicationGroupId=side.replication_group_id,
                ReplicationGroupDescription=f"{name} member of {spec.global_replication_group_id}",
                Engine="redis",
                CacheNodeType="cache.r7g.large",
                NumCacheClusters=2,
            )
        except ClientError as err:
            if _code(err) != "ReplicationGroupAlreadyExists":
                raise
        members.append((side.replication_group_id, side.region))
    primary = getattr(spec, active)
    elasticache_ext.add_global_datastore(
        sim, spec.global_replication_group_id, members, (primary.replication_group_id, primary.region)
    )
    return {}


# ---------------------------------------------------------------- Lambda consumers


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {'ok': True}\n")
    return buffer.getvalue()


def _role(clients: Clients) -> str:
    iam = clients.get("iam")
    name = "drill-consumer-role"
    try:
        return str(
            iam.create_role(
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                ),
            )["Role"]["Arn"]
        )
    except ClientError as err:
        if _code(err) != "EntityAlreadyExists":
            raise
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])


def seed_lambda_event_source_mappings(
    spec: LambdaEventSourceMappingsSpec, clients: Clients, sim: SimAWS, active: str
) -> Mapping:
    mapping: Mapping = {}
    role = _role(clients)
    for name in ("primary", "secondary"):
        side = getattr(spec, name)
        lam = clients.get("lambda", side.region)
        sqs = clients.get("sqs", side.region)
        for ref in side.mappings:
            queue_name = (
                ref.event_source_arn.rsplit(":", 1)[-1] if ref.event_source_arn else f"{ref.function_name}-queue"
            )
            url = sqs.create_queue(QueueName=queue_name)["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            if ref.event_source_arn and ref.event_source_arn != queue_arn:
                mapping[ref.event_source_arn] = queue_arn
            try:
                lam.create_function(
                    FunctionName=ref.function_name,
                    Runtime="python3.13",
                    Role=role,
                    Handler="app.handler",
                    Code={"ZipFile": _zip()},
                )
            except ClientError as err:
                if _code(err) != "ResourceConflictException":
                    raise
            existing = lam.list_event_source_mappings(FunctionName=ref.function_name, EventSourceArn=queue_arn)
            if not existing.get("EventSourceMappings"):
                lam.create_event_source_mapping(
                    FunctionName=ref.function_name, EventSourceArn=queue_arn, BatchSize=10, Enabled=name == active
                )
    return mapping


SEEDERS: dict[str, Callable[[Any, Clients, SimAWS, str], Mapping]] = {
    "ecs_service_capacity": seed_ecs_service_capacity,
    "aurora_capacity": seed_aurora_capacity,
    "docdb_global_cluster": seed_docdb_global_cluster,
    "elasticache_global_datastore": seed_elasticache_global_datastore,
    "lambda_event_source_mappings": seed_lambda_event_source_mappings,
}
