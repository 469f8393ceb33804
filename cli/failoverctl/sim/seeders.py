"""Create in the simulated AWS the resources an action of a plan names, with one side active.

``seed(spec, clients, sim, active="primary")`` builds what ``spec`` refers to (DB clusters and the
global cluster, Auto Scaling groups, load balancer listeners and target groups with healthy
targets, routing controls, Multi-Region Access Point routes, table replicas, the alarm and metric
behind a metric switch) so that the ``active`` side serves. It returns the identifiers the plan
must be rewritten with where AWS (moto) generates them: ``{"<identifier in the plan>": "<real
one>"}``, e.g. a target group ARN. Seeding is deterministic (names come from the spec) and safe to
repeat for resources two actions share. Action types not listed in ``SEEDERS`` (``route53_*``,
built with the hosted zone) and ``lambda_hook`` (the drill answers invocations of unknown
functions) need nothing and map nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from failover.actions.specs import (
    ArcRoutingControlSpec,
    AsgCapacitySpec,
    AuroraGlobalSpec,
    DynamoDbGlobalTableSpec,
    ElbWeightsSpec,
    LambdaHookSpec,
    RdsClusterFailoverSpec,
    RdsInstanceFailoverSpec,
    RdsPromoteReplicaSpec,
    Route53MetricSwitchSpec,
    S3MrapRoutesSpec,
)
from failover.infra.clients import Clients
from failoverctl.sim.aws import SimAWS
from failoverctl.sim.extensions import arc as arc_ext
from failoverctl.sim.extensions import aurora as aurora_ext
from failoverctl.sim.extensions import cloudwatch as cloudwatch_ext
from failoverctl.sim.extensions import dynamodb as dynamodb_ext
from failoverctl.sim.extensions import rds as rds_ext
from failoverctl.sim.extensions import route53 as route53_ext
from failoverctl.sim.extensions import s3control as s3control_ext
from failoverctl.sim.layer_seeders import SEEDERS as LAYER_SEEDERS

Mapping = dict[str, str]
MASTER = {"MasterUsername": "failover", "MasterUserPassword": "sim-password-1"}  # moto's fake database


def _other(side: str) -> str:
    return "secondary" if side == "primary" else "primary"


def _exists(err: ClientError, *codes: str) -> bool:
    return err.response.get("Error", {}).get("Code") in codes


# ---------------------------------------------------------------- CloudWatch + Route 53


def seed_route53_metric_switch(spec: Route53MetricSwitchSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    cw = clients.get("cloudwatch", spec.region)
    dimensions = [{"Name": k, "Value": v} for k, v in sorted(spec.dimensions.items())]
    mapping: Mapping = {}
    if spec.alarm_name:
        rising = spec.failover_value > spec.failback_value
        cw.put_metric_alarm(
            AlarmName=spec.alarm_name,
            Namespace=spec.namespace,
            MetricName=spec.metric_name,
            Dimensions=dimensions,
            Statistic="Maximum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=spec.failover_value,
            ComparisonOperator="GreaterThanOrEqualToThreshold" if rising else "LessThanOrEqualToThreshold",
            TreatMissingData="missing",
        )
        if spec.health_check_id:
            hc = clients.get("route53").create_health_check(
                CallerReference=f"metric-switch-{spec.health_check_id}",
                HealthCheckConfig={
                    "Type": "CLOUDWATCH_METRIC",
                    "AlarmIdentifier": {"Region": spec.region, "Name": spec.alarm_name},
                    "InsufficientDataHealthStatus": "LastKnownStatus",
                },
            )["HealthCheck"]
            cloudwatch_ext.link_metric_health_check(sim, hc["Id"], spec.alarm_name, spec.region)
            route53_ext.set_health(sim, hc["Id"], 100.0)
            if hc["Id"] != spec.health_check_id:
                mapping[spec.health_check_id] = hc["Id"]
    value = spec.failover_value if active == "secondary" else spec.failback_value
    cw.put_metric_data(
        Namespace=spec.namespace,
        MetricData=[{"MetricName": spec.metric_name, "Dimensions": dimensions, "Value": value, "Unit": "None"}],
    )
    return mapping


# ---------------------------------------------------------------- ARC


def seed_arc_routing_control(spec: ArcRoutingControlSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    # every side's routing control (a group with several standbys has one per standby), one rule set over all
    arns = []
    for side, settings in zip(("primary", "secondary"), (spec.primary, spec.secondary), strict=True):
        arc_ext.add_routing_control(sim, settings.routing_control_arn, state="On" if side == active else "Off")
        arns.append(settings.routing_control_arn)
    for settings in spec.standbys.values():
        arc_ext.add_routing_control(sim, settings.routing_control_arn, state="Off")
        arns.append(settings.routing_control_arn)
    panel = arns[0].split("/routingcontrol/", 1)[0]
    arc_ext.add_assertion_rule(sim, f"{panel}/safetyrule/at-least-one-on", arns, min_on=1, name="at-least-one-on")
    # never two sides taking traffic: the rule that makes the routing controls part of the lease's fence
    pair = arns[0].rsplit("/", 1)[-1]
    arc_ext.add_assertion_rule(
        sim, f"{panel}/safetyrule/never-two-on-{pair}", arns, min_on=2, name=f"never-two-on-{pair}", inverted=True
    )
    return {}


# ---------------------------------------------------------------- RDS and Aurora


def _arn_parts(arn: str) -> tuple[str, str]:
    """(region, identifier) of an RDS ARN."""
    parts = arn.split(":")
    return parts[3], parts[-1]


def seed_rds_instance_failover(spec: RdsInstanceFailoverSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    rds = clients.get("rds", spec.region)
    try:
        rds.create_db_instance(
            DBInstanceIdentifier=spec.db_instance_identifier,
            Engine="postgres",
            DBInstanceClass="db.t3.micro",
            AllocatedStorage=20,
            MultiAZ=True,
            AvailabilityZone=getattr(spec, active).availability_zone,
            **MASTER,
        )
    except ClientError as err:
        if not _exists(err, "DBInstanceAlreadyExists"):
            raise
    rds_ext.set_standby_az(
        sim, spec.region, spec.db_instance_identifier, getattr(spec, _other(active)).availability_zone
    )
    return {}


def seed_rds_cluster_failover(spec: RdsClusterFailoverSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    rds = clients.get("rds", spec.region)
    try:
        rds.create_db_cluster(DBClusterIdentifier=spec.db_cluster_identifier, Engine="aurora-postgresql", **MASTER)
    except ClientError as err:
        if not _exists(err, "DBClusterAlreadyExistsFault"):
            raise
    for side in (active, _other(active)):  # the first instance of a cluster becomes its writer
        try:
            rds.create_db_instance(
                DBInstanceIdentifier=getattr(spec, side).instance_identifier,
                DBClusterIdentifier=spec.db_cluster_identifier,
                Engine="aurora-postgresql",
                DBInstanceClass="db.r6g.large",
            )
        except ClientError as err:
            if not _exists(err, "DBInstanceAlreadyExists"):
                raise
    return {}


def seed_aurora_global(spec: AuroraGlobalSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    mapping: Mapping = {}
    real: dict[str, str] = {}
    for side in ("primary", "secondary"):
        region, identifier = _arn_parts(getattr(spec, side).cluster_arn)
        rds = clients.get("rds", region)
        kwargs: dict[str, Any] = {"DBClusterIdentifier": identifier, "Engine": "aurora-postgresql"}
        if side == "primary":
            kwargs.update(MASTER)
        else:
            kwargs["GlobalClusterIdentifier"] = spec.global_cluster_identifier
        try:
            cluster = rds.create_db_cluster(**kwargs)["DBCluster"]
        except ClientError as err:
            if not _exists(err, "DBClusterAlreadyExistsFault"):
                raise
            cluster = rds.describe_db_clusters(DBClusterIdentifier=identifier)["DBClusters"][0]
        real[side] = cluster["DBClusterArn"]
        if cluster["DBClusterArn"] != getattr(spec, side).cluster_arn:
            mapping[getattr(spec, side).cluster_arn] = cluster["DBClusterArn"]
        if side == "primary":
            try:
                clients.get("rds", region).create_global_cluster(
                    GlobalClusterIdentifier=spec.global_cluster_identifier,
                    SourceDBClusterIdentifier=cluster["DBClusterArn"],
                )
            except ClientError as err:
                if not _exists(err, "GlobalClusterAlreadyExistsFault"):
                    raise
    aurora_ext.set_writer(spec.global_cluster_identifier, real[active])
    return mapping


def seed_rds_promote_replica(spec: RdsPromoteReplicaSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    writer, replica = getattr(spec, active), getattr(spec, _other(active))
    source = clients.get("rds", writer.region)
    target = clients.get("rds", replica.region)
    if writer.kind == "cluster":
        arn = source.create_db_cluster(DBClusterIdentifier=writer.identifier, Engine="aurora-postgresql", **MASTER)[
            "DBCluster"
        ]["DBClusterArn"]
        target.create_db_cluster(
            DBClusterIdentifier=replica.identifier,
            Engine="aurora-postgresql",
            ReplicationSourceIdentifier=arn,
            **MASTER,  # moto insists; RDS takes the source's credentials
        )
        return {}
    arn = source.create_db_instance(
        DBInstanceIdentifier=writer.identifier,
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        AllocatedStorage=20,
        **MASTER,
    )["DBInstance"]["DBInstanceArn"]
    target.create_db_instance_read_replica(DBInstanceIdentifier=replica.identifier, SourceDBInstanceIdentifier=arn)
    return {}


# ---------------------------------------------------------------- ELB, Auto Scaling


def _name_in_arn(arn: str, kind: str) -> str:
    """The load balancer or target group name in an ELB ARN (``.../app/<name>/...``, ``targetgroup/<name>/...``)."""
    path = arn.split(":", 5)[-1].split("/")
    if kind == "targetgroup":
        return path[1]
    return path[2]


def zones(clients: Clients, region: str, count: int = 2) -> list[str]:
    """The region's first ``count`` available Availability Zones, as EC2 names them: the letters differ
    by region (ap-northeast-1 has no ``b``), so they are asked for, never assumed."""
    found = clients.get("ec2", region).describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}]
    )["AvailabilityZones"]
    return sorted(z["ZoneName"] for z in found)[:count]


def _network(clients: Clients, region: str) -> tuple[str, list[str]]:
    ec2 = clients.get("ec2", region)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(zones(clients, region), start=1)
    ]
    return vpc, subnets


def seed_elb_weights(spec: ElbWeightsSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    elb = clients.get("elbv2", spec.region)
    vpc, subnets = _network(clients, spec.region)
    lb = elb.create_load_balancer(Name=_name_in_arn(spec.listener_arn, "loadbalancer"), Subnets=subnets)
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    mapping: Mapping = {}
    weights = []
    for index, side in enumerate(("primary", "secondary"), start=1):
        placeholder = getattr(spec, side).target_group_arn
        tg = elb.create_target_group(
            Name=_name_in_arn(placeholder, "targetgroup"), Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip"
        )["TargetGroups"][0]["TargetGroupArn"]
        elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": f"10.20.{index}.10", "Port": 80}])
        mapping[placeholder] = tg
        weights.append({"TargetGroupArn": tg, "Weight": spec.active_weight if side == active else 0})
    forward = [{"Type": "forward", "ForwardConfig": {"TargetGroups": weights}}]
    listener = elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=forward)
    mapping[spec.listener_arn] = listener["Listeners"][0]["ListenerArn"]
    if spec.rule_arn:
        rule = elb.create_rule(
            ListenerArn=mapping[spec.listener_arn],
            Priority=10,
            Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
            Actions=forward,
        )
        mapping[spec.rule_arn] = rule["Rules"][0]["RuleArn"]
    return {k: v for k, v in mapping.items() if k != v}


def seed_asg_capacity(spec: AsgCapacitySpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    for side in ("primary", "secondary"):
        group = getattr(spec, side)
        ec2 = clients.get("ec2", group.region)
        template = f"{group.asg_name}-template"
        try:
            image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            ec2.create_launch_template(
                LaunchTemplateName=template, LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"}
            )
        except ClientError as err:
            if not _exists(err, "InvalidLaunchTemplateName.AlreadyExistsException"):
                raise
        running = side == active
        autoscaling = clients.get("autoscaling", group.region)
        if autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group.asg_name])["AutoScalingGroups"]:
            continue
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName=group.asg_name,
            LaunchTemplate={"LaunchTemplateName": template},
            MinSize=group.min_size if running else 0,
            DesiredCapacity=group.desired_capacity if running else 0,
            MaxSize=max(group.max_size or 0, group.desired_capacity),
            AvailabilityZones=zones(clients, group.region),
        )
    return {}


# ---------------------------------------------------------------- S3, DynamoDB, Lambda


def seed_s3_mrap_routes(spec: S3MrapRoutesSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    routes = []
    for side in ("primary", "secondary"):
        bucket = getattr(spec, side)
        s3 = clients.get("s3", bucket.region)
        kwargs: dict[str, Any] = {"Bucket": bucket.bucket}
        if bucket.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": bucket.region}
        try:
            s3.create_bucket(**kwargs)
        except ClientError as err:
            if not _exists(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        routes.append(
            {"Bucket": bucket.bucket, "Region": bucket.region, "TrafficDialPercentage": 100 if side == active else 0}
        )
    s3control_ext.add_mrap(sim, spec.mrap_arn, routes)
    return {}


def seed_dynamodb_global_table(spec: DynamoDbGlobalTableSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    regions = [spec.primary.region, spec.secondary.region]
    for region in regions:
        try:
            clients.get("dynamodb", region).create_table(
                TableName=spec.table_name,
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except ClientError as err:
            if not _exists(err, "ResourceInUseException"):
                raise
    dynamodb_ext.add_global_table(sim, spec.table_name, regions)
    return {}


def seed_lambda_hook(spec: LambdaHookSpec, clients: Clients, sim: SimAWS, active: str) -> Mapping:
    return {}


SEEDERS: dict[str, Callable[[Any, Clients, SimAWS, str], Mapping]] = {
    "route53_metric_switch": seed_route53_metric_switch,
    "arc_routing_control": seed_arc_routing_control,
    "rds_instance_failover": seed_rds_instance_failover,
    "rds_cluster_failover": seed_rds_cluster_failover,
    "aurora_global": seed_aurora_global,
    "rds_promote_replica": seed_rds_promote_replica,
    "elb_weights": seed_elb_weights,
    "asg_capacity": seed_asg_capacity,
    "s3_mrap_routes": seed_s3_mrap_routes,
    "dynamodb_global_table": seed_dynamodb_global_table,
    "lambda_hook": seed_lambda_hook,
    **LAYER_SEEDERS,
}


def seed(spec: Any, clients: Clients, sim: SimAWS, *, active: str = "primary") -> dict[str, str]:
    """Create what ``spec`` names with ``active`` serving; the plan identifiers to replace, old -> new."""
    if active not in ("primary", "secondary"):
        raise ValueError(f"active must be 'primary' or 'secondary', not {active!r}")
    seeder = SEEDERS.get(spec.type)
    return seeder(spec, clients, sim, active) if seeder is not None else {}


#: seeders that create a side's resources only where they are missing, so a spec narrowed to a further
#: standby (its primary seeded already) seeds that standby alone
STANDBY_SEEDERS = frozenset({"asg_capacity"})


def seed_standby(spec: Any, standby: str, clients: Clients, sim: SimAWS) -> dict[str, str]:
    """Create what a further ``standby``'s settings of ``spec`` name (idle: traffic is on the primary)."""
    if spec.type not in STANDBY_SEEDERS or not getattr(spec, "standbys", None):
        return {}
    return seed(spec.for_standby(standby), clients, sim, active="primary")


def rewrite(text: str, mapping: dict[str, str]) -> str:
    """``text`` (a plan) with every identifier of ``mapping`` replaced, longest first."""
    for old in sorted(mapping, key=len, reverse=True):
        text = text.replace(old, mapping[old])
    return text
