"""Plan models of every action type: what a plan may say about an action.

Each action type has one spec here (pure data, validated by pydantic) and one module beside this
file that carries it out. ``primary`` and ``secondary`` hold the per-side settings; the direction of
a request decides which side is the source and which is the target.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from failover.errors import PlanError

REGION_RE = r"^[a-z]{2}(-gov)?-[a-z]+-\d$"
Region = Annotated[str, Field(pattern=REGION_RE)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


ROLE_ARN_RE = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]+$"


class AssumeRole(Strict):
    """The IAM role in another account that an action's calls are made as (STS ``AssumeRole``).

    The session is named after the incident; ``external_id`` is passed when the role's trust policy
    asks for one (``sts:ExternalId``).
    """

    role_arn: str = Field(pattern=ROLE_ARN_RE)
    external_id: str | None = Field(default=None, min_length=2, max_length=1224, pattern=r"^[A-Za-z0-9_+=,.@:/-]+$")

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]


class ActionSpecBase(Strict):
    type: Any
    name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    typical_seconds: float | None = Field(
        default=None, ge=0, description="Override of the action type's typical duration (RTO estimate)."
    )
    #: make this action's calls in another account, as this role
    assume_role: AssumeRole | None = None


class Sided(ActionSpecBase):
    """An action with settings per side: ``primary``, ``secondary`` (the group's first standby), and
    ``standbys`` for each further standby of the group, by the standby's name.

    An action always runs between the primary and one standby: ``for_standby`` gives the spec of
    that pair, in which ``secondary`` holds the chosen standby's settings, so each action type reads
    ``primary`` and ``secondary`` whichever standby the gate chose.

    Each action type names its side model on all three fields (no ``Generic``: every parametrized
    pydantic model is one more class built at every cold start).
    """

    primary: Any
    secondary: Any
    standbys: dict[str, Any] = Field(default_factory=dict, max_length=8)

    def for_standby(self, standby: str) -> Self:
        """This spec between the primary and ``standby`` (``secondary`` or a further standby's name)."""
        if standby == "secondary":
            return self
        if standby not in self.standbys:
            raise PlanError(
                f"action '{self.name or self.type}' has no settings for standby '{standby}'",
                known=["secondary", *self.standbys],
            )
        return self.model_copy(update={"secondary": self.standbys[standby], "standbys": {}})

    def all_sides(self) -> list[Any]:
        """The settings of every side: the primary's, then each standby's in order."""
        return [self.primary, self.secondary, *self.standbys.values()]


# ---------------------------------------------------------------- Route 53


class AliasTarget(Strict):
    hosted_zone_id: str
    dns_name: str
    evaluate_target_health: bool = True


class RecordTarget(Strict):
    values: list[str] | None = Field(default=None, min_length=1)
    alias: AliasTarget | None = None
    set_identifier: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> RecordTarget:
        if (self.values is None) == (self.alias is None):
            raise ValueError("give exactly one of 'values' or 'alias'")
        return self


class Route53RecordsSpec(Sided):
    """Point a record at the target side: UPSERT a simple record, or move weighted records."""

    primary: RecordTarget
    secondary: RecordTarget
    standbys: dict[str, RecordTarget] = Field(default_factory=dict, max_length=8)

    type: Literal["route53_records"]
    hosted_zone_id: str = Field(pattern=r"^[A-Z0-9]{1,32}$")
    record_name: str
    record_type: Literal["A", "AAAA", "CNAME"] = "CNAME"
    routing: Literal["simple", "weighted"] = "simple"
    ttl: int = Field(default=60, ge=0, le=172800)
    active_weight: int = Field(default=100, ge=1, le=255)

    @field_validator("record_name")
    @classmethod
    def _fqdn(cls, value: str) -> str:
        value = value.strip().lower()
        if not re.fullmatch(r"(\*\.)?([a-z0-9_-]{1,63}\.)+[a-z]{2,63}\.?", value):
            raise ValueError(f"'{value}' is not a DNS name")
        return value if value.endswith(".") else value + "."

    @model_validator(mode="after")
    def _weighted_needs_ids(self) -> Route53RecordsSpec:
        if self.routing == "weighted":
            ids = [side.set_identifier for side in self.all_sides()]
            if not all(ids) or len(set(ids)) != len(ids):
                raise ValueError("weighted routing needs a distinct set_identifier on each side")
        return self


class Route53HealthCheckInvertSpec(ActionSpecBase):
    """Invert the health check behind the primary failover record so Route 53 answers with the secondary."""

    type: Literal["route53_health_check_invert"]
    health_check_id: str
    hosted_zone_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{1,32}$")
    record_name: str | None = None


class Route53MetricSwitchSpec(ActionSpecBase):
    """Publish the metric behind a CLOUDWATCH_METRIC health check (data plane, no Route 53 API call)."""

    type: Literal["route53_metric_switch"]
    region: Region
    namespace: str
    metric_name: str
    dimensions: dict[str, str] = Field(default_factory=dict)
    failover_value: float = 1.0
    failback_value: float = 0.0
    alarm_name: str | None = None
    health_check_id: str | None = None


# ---------------------------------------------------------------- ARC


class ClusterEndpoint(Strict):
    endpoint: str
    region: Region


class RoutingControlSide(Strict):
    routing_control_arn: str


class ArcRoutingControlSpec(Sided):
    primary: RoutingControlSide
    secondary: RoutingControlSide
    standbys: dict[str, RoutingControlSide] = Field(default_factory=dict, max_length=8)

    type: Literal["arc_routing_control"]
    cluster_endpoints: list[ClusterEndpoint] = Field(min_length=1)
    safety_rules_to_override: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------- RDS and Aurora


class AzSide(Strict):
    availability_zone: str


class RdsInstanceFailoverSpec(Sided):
    primary: AzSide
    secondary: AzSide
    standbys: dict[str, AzSide] = Field(default_factory=dict, max_length=8)

    type: Literal["rds_instance_failover"]
    region: Region
    db_instance_identifier: str


class WriterSide(Strict):
    instance_identifier: str


class RdsClusterFailoverSpec(Sided):
    primary: WriterSide
    secondary: WriterSide
    standbys: dict[str, WriterSide] = Field(default_factory=dict, max_length=8)

    type: Literal["rds_cluster_failover"]
    region: Region
    db_cluster_identifier: str


class GlobalClusterSide(Strict):
    cluster_arn: str
    region: Region


class AuroraGlobalSpec(Sided):
    primary: GlobalClusterSide
    secondary: GlobalClusterSide
    standbys: dict[str, GlobalClusterSide] = Field(default_factory=dict, max_length=8)

    type: Literal["aurora_global"]
    global_cluster_identifier: str
    allow_data_loss: bool = Field(
        default=False,
        description="Allow failover_global_cluster (data loss possible) when switchover is impossible.",
    )


class ReplicaSide(Strict):
    identifier: str
    region: Region
    kind: Literal["instance", "cluster"] = "instance"


class RdsPromoteReplicaSpec(Sided):
    primary: ReplicaSide
    secondary: ReplicaSide
    standbys: dict[str, ReplicaSide] = Field(default_factory=dict, max_length=8)

    type: Literal["rds_promote_replica"]


# ---------------------------------------------------------------- ELB, Auto Scaling


class TargetGroupSide(Strict):
    target_group_arn: str


class ElbWeightsSpec(Sided):
    primary: TargetGroupSide
    secondary: TargetGroupSide
    standbys: dict[str, TargetGroupSide] = Field(default_factory=dict, max_length=8)

    type: Literal["elb_weights"]
    region: Region
    listener_arn: str
    rule_arn: str | None = None
    active_weight: int = Field(default=100, ge=1, le=999)


class AsgSide(Strict):
    asg_name: str
    region: Region
    min_size: int = Field(ge=0)
    desired_capacity: int = Field(ge=0)
    max_size: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _sizes(self) -> AsgSide:
        if self.desired_capacity < self.min_size:
            raise ValueError("desired_capacity must be at least min_size")
        if self.max_size is not None and self.max_size < self.desired_capacity:
            raise ValueError("max_size must be at least desired_capacity")
        return self


class AsgCapacitySpec(Sided):
    primary: AsgSide
    secondary: AsgSide
    standbys: dict[str, AsgSide] = Field(default_factory=dict, max_length=8)

    type: Literal["asg_capacity"]
    wait_for_in_service: bool = True


# ---------------------------------------------------------------- S3, DynamoDB, Lambda


class BucketSide(Strict):
    bucket: str
    region: Region


class S3MrapRoutesSpec(Sided):
    primary: BucketSide
    secondary: BucketSide
    standbys: dict[str, BucketSide] = Field(default_factory=dict, max_length=8)

    type: Literal["s3_mrap_routes"]
    account_id: str = Field(pattern=r"^\d{12}$")
    mrap_arn: str
    control_regions: list[Region] = Field(
        default_factory=lambda: ["us-east-1", "us-west-2", "ap-southeast-2", "ap-northeast-1", "eu-west-1"],
        min_length=1,
    )


class RegionSide(Strict):
    region: Region


class DynamoDbGlobalTableSpec(Sided):
    primary: RegionSide
    secondary: RegionSide
    standbys: dict[str, RegionSide] = Field(default_factory=dict, max_length=8)

    type: Literal["dynamodb_global_table"]
    table_name: str


class LambdaHookSpec(ActionSpecBase):
    type: Literal["lambda_hook"]
    function_arn: str = Field(
        pattern=r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9_$-]+)?$"
    )
    payload: dict[str, object] = Field(default_factory=dict)


# ---------------------------------------------------------------- containers, caches, document databases, consumers


class EcsServiceSide(Strict):
    cluster: str = Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")
    service: str = Field(pattern=r"^[A-Za-z0-9_-]{1,255}$")
    region: Region
    desired_count: int = Field(ge=0, le=5000, description="tasks the side runs when it is active")
    min_capacity: int | None = Field(
        default=None, ge=0, description="Application Auto Scaling minimum when active (default: desired_count)"
    )


class EcsServiceCapacitySpec(Sided):
    """Raise the target side's ECS service (and its Application Auto Scaling minimum); never scale down."""

    primary: EcsServiceSide
    secondary: EcsServiceSide
    standbys: dict[str, EcsServiceSide] = Field(default_factory=dict, max_length=8)

    type: Literal["ecs_service_capacity"]
    wait_for_steady_state: bool = True


def _half_step(value: float | None) -> float | None:
    if value is not None and (value * 2) != int(value * 2):
        raise ValueError("Aurora capacity units come in steps of 0.5")
    return value


class ServerlessV2Capacity(Strict):
    min_acu: float = Field(ge=0, le=256)
    max_acu: float | None = Field(default=None, ge=1, le=256)

    @model_validator(mode="after")
    def _steps(self) -> ServerlessV2Capacity:
        _half_step(self.min_acu)
        _half_step(self.max_acu)
        if self.max_acu is not None and self.max_acu < self.min_acu:
            raise ValueError("max_acu must be at least min_acu")
        return self


class ProvisionedReaders(Strict):
    count: int = Field(ge=1, le=15, description="readers of at least instance_class the cluster must have")
    instance_class: str = Field(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$")
    identifier_prefix: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9-]{0,50}$",
        description="name of the readers this action creates or resizes (default '<cluster>-failover-')",
    )


class AuroraCapacitySide(Strict):
    cluster_identifier: str = Field(pattern=r"^[a-z][a-z0-9-]{0,62}$")
    region: Region
    serverless_v2: ServerlessV2Capacity | None = None
    readers: ProvisionedReaders | None = None

    @model_validator(mode="after")
    def _something(self) -> AuroraCapacitySide:
        if self.serverless_v2 is None and self.readers is None:
            raise ValueError("give serverless_v2, readers or both")
        return self

    @property
    def reader_prefix(self) -> str:
        if self.readers is not None and self.readers.identifier_prefix:
            return self.readers.identifier_prefix
        return f"{self.cluster_identifier}-failover-"


class AuroraCapacitySpec(Sided):
    """Raise the target cluster's capacity before traffic arrives (Serverless v2 minimum, provisioned readers)."""

    primary: AuroraCapacitySide
    secondary: AuroraCapacitySide
    standbys: dict[str, AuroraCapacitySide] = Field(default_factory=dict, max_length=8)

    type: Literal["aurora_capacity"]


class DocDbGlobalClusterSpec(Sided):
    """Amazon DocumentDB global cluster switchover, or (allowed and approved) failover with data loss."""

    primary: GlobalClusterSide
    secondary: GlobalClusterSide
    standbys: dict[str, GlobalClusterSide] = Field(default_factory=dict, max_length=8)

    type: Literal["docdb_global_cluster"]
    global_cluster_identifier: str = Field(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$")
    allow_data_loss: bool = Field(
        default=False,
        description="Allow FailoverGlobalCluster (data loss possible) when switchover is impossible.",
    )


class ReplicationGroupSide(Strict):
    replication_group_id: str = Field(pattern=r"^[a-zA-Z][a-zA-Z0-9-]{0,39}$")
    region: Region


class ElastiCacheGlobalDatastoreSpec(Sided):
    """Promote the target region's replication group to primary of an ElastiCache Global Datastore."""

    primary: ReplicationGroupSide
    secondary: ReplicationGroupSide
    standbys: dict[str, ReplicationGroupSide] = Field(default_factory=dict, max_length=8)

    type: Literal["elasticache_global_datastore"]
    global_replication_group_id: str = Field(pattern=r"^[a-z]{5}-[a-zA-Z0-9-]{1,40}$")


class EventSourceMappingRef(Strict):
    function_name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    event_source_arn: str | None = Field(default=None, pattern=r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$")


class ConsumerSide(Strict):
    region: Region
    mappings: list[EventSourceMappingRef] = Field(min_length=1, max_length=50)


class LambdaEventSourceMappingsSpec(Sided):
    """Enable the target side's event source mappings and disable the source's: work runs in one region."""

    primary: ConsumerSide
    secondary: ConsumerSide
    standbys: dict[str, ConsumerSide] = Field(default_factory=dict, max_length=8)

    type: Literal["lambda_event_source_mappings"]
    on_source_unreachable: Literal["continue", "fail"] = Field(
        default="continue",
        description="when the source region's Lambda API cannot be reached: enable the target anyway, or fail",
    )


ActionSpec = Annotated[
    Route53RecordsSpec
    | Route53HealthCheckInvertSpec
    | Route53MetricSwitchSpec
    | ArcRoutingControlSpec
    | RdsInstanceFailoverSpec
    | RdsClusterFailoverSpec
    | AuroraGlobalSpec
    | RdsPromoteReplicaSpec
    | ElbWeightsSpec
    | AsgCapacitySpec
    | S3MrapRoutesSpec
    | DynamoDbGlobalTableSpec
    | LambdaHookSpec
    | EcsServiceCapacitySpec
    | AuroraCapacitySpec
    | DocDbGlobalClusterSpec
    | ElastiCacheGlobalDatastoreSpec
    | LambdaEventSourceMappingsSpec,
    Field(discriminator="type"),
]
