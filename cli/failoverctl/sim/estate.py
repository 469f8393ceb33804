"""A realistic two-region estate in the simulated AWS: what ``failoverctl plan discover`` is tried on.

us-east-1 serves, us-west-2 stands by:

- ``web``: a Route 53 failover record pair with a health check per side, and alarms on them;
- ``api``: a latency record pair with health checks;
- ``checkout``: a weighted record pair, an Aurora global database, Auto Scaling groups tagged
  ``failover:group=checkout`` (the standby at zero), a us-west-2 load balancer whose listener
  weighs a target group per region, ARC routing controls in a control panel, a DynamoDB global
  table, an S3 Multi-Region Access Point, CloudWatch alarms on the fleets, replication lag data
  and the EC2 vCPU quota of both regions;
- ``orders``: an RDS Multi-AZ instance with an alarm.

``simulated_account()`` starts moto and the extension with fake credentials, for a command or a
test that reads "an account" without one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

from failover.actions.specs import (
    AuroraGlobalSpec,
    DynamoDbGlobalTableSpec,
    ElbWeightsSpec,
    RdsInstanceFailoverSpec,
    S3MrapRoutesSpec,
)
from failover.infra.clients import Clients
from failoverctl.sim import seeders
from failoverctl.sim.aws import SIM, SimAWS
from failoverctl.sim.extensions import arc as arc_ext
from failoverctl.sim.extensions import inventory
from failoverctl.sim.extensions import route53 as route53_ext

ACCOUNT = "123456789012"
PRIMARY, STANDBY = "us-east-1", "us-west-2"
GROUP_TAG = "failover:group"
EC2_VCPU_QUOTA = "L-1216C47A"  # Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, in vCPUs
PANEL = f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/5d3f6c0a9e2b4c71a8d0e6f1b2c3d4e5"
CLUSTER = f"arn:aws:route53-recovery-control::{ACCOUNT}:cluster/9a8b7c6d-1e2f-4a5b-8c7d-6e5f4a3b2c1d"
MRAP = f"arn:aws:s3::{ACCOUNT}:accesspoint/mfzwi23gnjvgw.mrap"
AMI = "ami-12c6146b"  # any image id: the simulated EC2 starts instances from it without listing images
FLEET = {"min_size": 3, "desired_capacity": 6, "max_size": 12}
CLUSTER_REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2")


@contextlib.contextmanager
def simulated_account(sim: SimAWS = SIM) -> Iterator[Clients]:
    """moto plus the extension, with fake credentials, for as long as the block runs."""
    from moto import mock_aws

    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")}
    os.environ.update(dict.fromkeys(saved, "testing"))
    mock = mock_aws()
    mock.start()
    from failoverctl.sim.extensions import register_all

    sim.install()
    sim.reset()
    register_all(sim)
    sim.enabled = True
    try:
        yield Clients(default_region=PRIMARY)
    finally:
        sim.enabled = False
        sim.reset()
        mock.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _health_check(clients: Clients, sim: SimAWS, fqdn: str) -> str:
    hc = clients.get("route53").create_health_check(
        CallerReference=fqdn,
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": fqdn,
            "Port": 443,
            "ResourcePath": "/health",
            "RequestInterval": 30,
            "FailureThreshold": 3,
        },
    )["HealthCheck"]["Id"]
    route53_ext.set_health(sim, hc, 100.0)
    return str(hc)


def _record(name: str, value: str, **routing: Any) -> dict[str, Any]:
    rrset = {"Name": name, "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": value}], **routing}
    return {"Action": "UPSERT", "ResourceRecordSet": rrset}


def _alarm(
    clients: Clients, region: str, name: str, namespace: str, metric: str, dims: dict[str, str], **kw: Any
) -> None:
    cw = clients.get("cloudwatch", region)
    cw.put_metric_alarm(
        AlarmName=name,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
        Statistic=kw.get("statistic", "Average"),
        Period=60,
        EvaluationPeriods=1,
        Threshold=kw.get("threshold", 1.0),
        ComparisonOperator=kw.get("comparison", "GreaterThanThreshold"),
        ActionsEnabled=False,
    )
    cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="seeded healthy")


def _fleet(clients: Clients, region: str, name: str, running: bool) -> None:
    """An Auto Scaling group on a t3.micro launch template: the primary's fleet running, the standby at zero."""
    clients.get("ec2", region).create_launch_template(
        LaunchTemplateName=f"{name}-template", LaunchTemplateData={"ImageId": AMI, "InstanceType": "t3.micro"}
    )
    clients.get("autoscaling", region).create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"{name}-template"},
        MinSize=FLEET["min_size"] if running else 0,
        DesiredCapacity=FLEET["desired_capacity"] if running else 0,
        MaxSize=FLEET["max_size"],
        AvailabilityZones=seeders.zones(clients, region),
    )


def seed_estate(clients: Clients, sim: SimAWS = SIM) -> dict[str, Any]:
    """Create the estate; returns the identifiers AWS (moto) generated."""
    r53 = clients.get("route53")
    zone = r53.create_hosted_zone(Name="example.com", CallerReference="estate-example.com")["HostedZone"]["Id"]
    zone_id = zone.rsplit("/", 1)[-1]
    hcs = {
        name: _health_check(clients, sim, f"{name}.example.com")
        for name in ("web-use1", "web-usw2", "api-use1", "api-usw2")
    }
    r53.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                _record("web.example.com", "web-use1.example.com", SetIdentifier="web-primary", Failover="PRIMARY",
                        HealthCheckId=hcs["web-use1"]),
                _record("web.example.com", "web-usw2.example.com", SetIdentifier="web-secondary", Failover="SECONDARY",
                        HealthCheckId=hcs["web-usw2"]),
                _record("api.example.com", "api-use1.example.com", SetIdentifier="api-use1", Region=PRIMARY,
                        HealthCheckId=hcs["api-use1"]),
                _record("api.example.com", "api-usw2.example.com", SetIdentifier="api-usw2", Region=STANDBY,
                        HealthCheckId=hcs["api-usw2"]),
                _record("checkout.example.com", "checkout-use1.example.com", SetIdentifier="use1", Weight=100),
                _record("checkout.example.com", "checkout-usw2.example.com", SetIdentifier="usw2", Weight=0),
            ]
        },
    )  # fmt: skip
    health = ("AWS/Route53", "HealthCheckStatus")
    r53_alarm = {"statistic": "Minimum", "comparison": "LessThanThreshold"}
    _alarm(clients, PRIMARY, "web-primary-health", *health, {"HealthCheckId": hcs["web-use1"]}, **r53_alarm)
    _alarm(clients, PRIMARY, "web-secondary-health", *health, {"HealthCheckId": hcs["web-usw2"]}, **r53_alarm)
    _alarm(clients, PRIMARY, "api-primary-health", *health, {"HealthCheckId": hcs["api-use1"]}, **r53_alarm)

    # checkout: the data, the fleet, the load balancer, the routing controls, sessions and assets
    seeders.seed(
        AuroraGlobalSpec(
            type="aurora_global",
            global_cluster_identifier="checkout-global",
            primary={"cluster_arn": f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:cluster:checkout-use1", "region": PRIMARY},
            secondary={"cluster_arn": f"arn:aws:rds:{STANDBY}:{ACCOUNT}:cluster:checkout-usw2", "region": STANDBY},
        ),
        clients,
        sim,
    )
    clients.get("cloudwatch", STANDBY).put_metric_data(
        Namespace="AWS/RDS",
        MetricData=[
            {
                "MetricName": "AuroraGlobalDBReplicationLag",
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "checkout-usw2"}],
                "Value": 180.0,
                "Unit": "Milliseconds",
            }
        ],
    )
    for region, name, running in ((PRIMARY, "checkout-use1", True), (STANDBY, "checkout-usw2", False)):
        _fleet(clients, region, name, running)
    for region, name in ((PRIMARY, "checkout-use1"), (STANDBY, "checkout-usw2")):
        clients.get("autoscaling", region).create_or_update_tags(
            Tags=[
                {"ResourceId": name, "ResourceType": "auto-scaling-group", "Key": GROUP_TAG, "Value": "checkout",
                 "PropagateAtLaunch": True}
            ]
        )  # fmt: skip
        inventory.set_quota(sim, region, "ec2", EC2_VCPU_QUOTA, 64, "Running On-Demand Standard instances")
    elb = f"arn:aws:elasticloadbalancing:{STANDBY}:{ACCOUNT}"
    lb = seeders.seed(
        ElbWeightsSpec(
            type="elb_weights",
            region=STANDBY,
            listener_arn=f"{elb}:listener/app/checkout/0/0",
            primary={"target_group_arn": f"{elb}:targetgroup/checkout-use1/1"},
            secondary={"target_group_arn": f"{elb}:targetgroup/checkout-usw2/2"},
        ),
        clients,
        sim,
    )
    inventory.add_arc_cluster(
        sim,
        CLUSTER,
        "failover-cluster",
        [{"Endpoint": f"https://host-{r}.example.com/v1", "Region": r} for r in CLUSTER_REGIONS],
    )
    inventory.add_control_panel(sim, PANEL, "checkout", CLUSTER)
    for region, state in ((PRIMARY, "On"), (STANDBY, "Off")):
        arc_ext.add_routing_control(
            sim, f"{PANEL}/routingcontrol/checkout{region.replace('-', '')}", name=f"checkout-{region}", state=state
        )
    arc_ext.add_assertion_rule(
        sim, f"{PANEL}/safetyrule/at-least-one-on", list(sim.state[arc_ext.CONTROLS]), min_on=1, name="at-least-one-on"
    )
    seeders.seed(
        DynamoDbGlobalTableSpec(
            type="dynamodb_global_table",
            table_name="checkout-sessions",
            primary={"region": PRIMARY},
            secondary={"region": STANDBY},
        ),
        clients,
        sim,
    )
    seeders.seed(
        S3MrapRoutesSpec(
            type="s3_mrap_routes",
            account_id=ACCOUNT,
            mrap_arn=MRAP,
            primary={"bucket": "checkout-assets-use1", "region": PRIMARY},
            secondary={"bucket": "checkout-assets-usw2", "region": STANDBY},
        ),
        clients,
        sim,
    )
    inventory.name_mrap(sim, MRAP, "checkout-assets")
    cpu = ("AWS/EC2", "CPUUtilization")
    _alarm(clients, PRIMARY, "checkout-use1-cpu", *cpu, {"AutoScalingGroupName": "checkout-use1"}, threshold=90)
    _alarm(clients, STANDBY, "checkout-usw2-cpu", *cpu, {"AutoScalingGroupName": "checkout-usw2"}, threshold=90)

    # orders: one Multi-AZ database in the primary region
    seeders.seed(
        RdsInstanceFailoverSpec(
            type="rds_instance_failover",
            region=PRIMARY,
            db_instance_identifier="orders-db",
            primary={"availability_zone": f"{PRIMARY}a"},
            secondary={"availability_zone": f"{PRIMARY}b"},
        ),
        clients,
        sim,
    )
    _alarm(clients, PRIMARY, "orders-db-cpu", "AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": "orders-db"},
           threshold=90)  # fmt: skip
    return {"hosted_zone_id": zone_id, "health_checks": hcs, "load_balancer": lb}
