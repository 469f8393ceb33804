"""The simulator's own extensions refuse what AWS documents as refused for their preconditions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from failoverctl.sim.extensions import arc as arc_ext
from failoverctl.sim.extensions import route53 as route53_ext
from failoverctl.sim.extensions import s3control as s3_ext
from failoverctl.sim.iam import acting_as

ACCOUNT = "123456789012"
PANEL = f"arn:aws:route53-recovery-control::{ACCOUNT}:controlpanel/0123456789abcdef0123456789abcdef"
EAST = f"{PANEL}/routingcontrol/east"
WEST = f"{PANEL}/routingcontrol/west"
GATE = f"{PANEL}/routingcontrol/gate"
MRAP = f"arn:aws:s3::{ACCOUNT}:accesspoint/mfzwi23gnjvgw.mrap"


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as caught:
        call()
    return dict(caught.value.response["Error"])


def arc_client(region: str = "us-east-1") -> Any:
    return boto3.session.Session().client(
        "route53-recovery-cluster",
        region_name=region,
        endpoint_url=f"https://aaaa.route53-recovery-cluster.{region}.amazonaws.com/v1",
    )


def entries(**states: str) -> list[dict[str, str]]:
    arns = {"east": EAST, "west": WEST, "gate": GATE}
    return [{"RoutingControlArn": arns[k], "RoutingControlState": v} for k, v in states.items()]


# ------------------------------------------------------------------ ARC routing controls


def test_turning_every_routing_control_off_under_an_assertion_rule_is_refused(sim: Any) -> None:
    arc_ext.add_routing_control(sim, EAST, state="On")
    arc_ext.add_routing_control(sim, WEST, state="Off")
    rule = f"{PANEL}/safetyrule/one-on"
    arc_ext.add_assertion_rule(sim, rule, [EAST, WEST], min_on=1)
    arc = arc_client()
    error = error_of(lambda: arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(east="Off")))
    assert error["Code"] == "ConflictException", (error, sim.calls)
    assert arc_ext.routing_control_state(sim, EAST) == "On"  # nothing changed
    # switching in one call keeps one On and is allowed; overriding the rule allows all Off
    arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(east="Off", west="On"))
    assert arc_ext.routing_control_state(sim, WEST) == "On"
    arc.update_routing_control_state(RoutingControlArn=WEST, RoutingControlState="Off", SafetyRulesToOverride=[rule])
    assert arc_ext.routing_control_state(sim, WEST) == "Off"


def test_an_inverted_assertion_rule_refuses_two_regions_on(sim: Any) -> None:
    # Given "ATLEAST 2" inverted over the two regions' controls (the fence of symmetric stacks)
    arc_ext.add_routing_control(sim, EAST, state="On")
    arc_ext.add_routing_control(sim, WEST, state="Off")
    arc_ext.add_assertion_rule(sim, f"{PANEL}/safetyrule/never-two-on", [EAST, WEST], min_on=2, inverted=True)
    arc = arc_client()
    # When a late writer turns its own region on without turning the other off, Then it is refused
    error = error_of(lambda: arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(west="On")))
    assert error["Code"] == "ConflictException" and "fewer than 2" in error["Message"]
    assert arc_ext.routing_control_state(sim, WEST) == "Off"
    # and the one-transaction switch is allowed
    arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(east="Off", west="On"))
    assert (arc_ext.routing_control_state(sim, EAST), arc_ext.routing_control_state(sim, WEST)) == ("Off", "On")


def test_a_gating_rule_blocks_target_changes_while_its_gate_is_off(sim: Any) -> None:
    for arn, state in ((EAST, "On"), (WEST, "Off"), (GATE, "Off")):
        arc_ext.add_routing_control(sim, arn, state=state)
    arc_ext.add_gating_rule(sim, f"{PANEL}/safetyrule/gate", [GATE], [EAST, WEST])
    arc = arc_client()
    error = error_of(lambda: arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(west="On")))
    assert error["Code"] == "ConflictException"
    assert arc_ext.routing_control_state(sim, WEST) == "Off"
    arc.update_routing_control_state(RoutingControlArn=GATE, RoutingControlState="On")
    arc.update_routing_control_states(UpdateRoutingControlStateEntries=entries(west="On"))
    assert arc_ext.routing_control_state(sim, WEST) == "On"


def test_an_unknown_routing_control_and_an_unavailable_endpoint(sim: Any) -> None:
    arc = arc_client()
    assert error_of(lambda: arc.get_routing_control_state(RoutingControlArn=EAST))["Code"] == (
        "ResourceNotFoundException"
    )
    arc_ext.add_routing_control(sim, EAST, state="On")
    arc_ext.set_endpoint_available(sim, "us-east-1", False)
    assert error_of(lambda: arc.get_routing_control_state(RoutingControlArn=EAST))["Code"] == (
        "EndpointTemporarilyUnavailableException"
    )
    assert arc_client("us-west-2").get_routing_control_state(RoutingControlArn=EAST)["RoutingControlState"] == "On"


# ------------------------------------------------------------------ S3 Multi-Region Access Point routes


def test_setting_every_access_point_route_to_zero_is_refused(sim: Any) -> None:
    s3_ext.add_mrap(
        sim,
        MRAP,
        [
            {"Bucket": "b-east", "Region": "us-east-1", "TrafficDialPercentage": 100},
            {"Bucket": "b-west", "Region": "us-west-2", "TrafficDialPercentage": 0},
        ],
    )
    s3c = boto3.session.Session().client("s3control", region_name="us-west-2")
    error = error_of(
        lambda: s3c.submit_multi_region_access_point_routes(
            AccountId=ACCOUNT, Mrap=MRAP, RouteUpdates=[{"Bucket": "b-east", "TrafficDialPercentage": 0}]
        )
    )
    assert error["Code"] == "InvalidRequest"
    assert {r["Bucket"]: r["TrafficDialPercentage"] for r in s3_ext.routes(sim, MRAP)} == {"b-east": 100, "b-west": 0}
    # outside the five routing regions the API does not answer
    s3c_eu = boto3.session.Session().client("s3control", region_name="eu-central-1")
    assert error_of(lambda: s3c_eu.get_multi_region_access_point_routes(AccountId=ACCOUNT, Mrap=MRAP))["Code"] == (
        "InvalidRequest"
    )
    # a dial outside 0-100
    assert error_of(
        lambda: s3c.submit_multi_region_access_point_routes(
            AccountId=ACCOUNT, Mrap=MRAP, RouteUpdates=[{"Bucket": "b-west", "TrafficDialPercentage": 101}]
        )
    )["Code"] in ("InvalidRequest", "ParamValidation")


# ------------------------------------------------------------------ Route 53 health status and DNS answers


def test_health_check_status_of_unknown_and_calculated_health_checks(sim: Any) -> None:
    r53 = boto3.session.Session().client("route53")
    assert error_of(lambda: r53.get_health_check_status(HealthCheckId="no-such-check"))["Code"] == "NoSuchHealthCheck"
    child = r53.create_health_check(
        CallerReference="child",
        HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": "a.example.com", "Port": 443},
    )["HealthCheck"]["Id"]
    calculated = r53.create_health_check(
        CallerReference="calc",
        HealthCheckConfig={"Type": "CALCULATED", "ChildHealthChecks": [child], "HealthThreshold": 1},
    )["HealthCheck"]["Id"]
    assert error_of(lambda: r53.get_health_check_status(HealthCheckId=calculated))["Code"] == "InvalidInput"
    # 18% is the line: 3 of 16 checkers (18.75%) healthy is healthy, 2 of 16 is not
    route53_ext.set_health(sim, child, 18.75)
    assert route53_ext.is_healthy(sim, child)
    route53_ext.set_health(sim, child, 12.5)
    assert not route53_ext.is_healthy(sim, child)


def test_dns_answer_for_an_unknown_zone(sim: Any) -> None:
    r53 = boto3.session.Session().client("route53")
    error = error_of(
        lambda: r53.test_dns_answer(HostedZoneId="ZNOSUCHZONE", RecordName="a.example.com", RecordType="A")
    )
    assert error["Code"] == "NoSuchHostedZone"


# ------------------------------------------------------------------ CloudWatch metrics behind alarms


def test_a_function_may_not_publish_into_an_aws_namespace_or_non_finite_values(sim: Any) -> None:
    cw = boto3.session.Session().client("cloudwatch", region_name="us-east-1")
    with acting_as("ExecuteFunction"):
        reserved = error_of(
            lambda: cw.put_metric_data(Namespace="AWS/RDS", MetricData=[{"MetricName": "m", "Value": 1}])
        )
        assert reserved["Code"] == "InvalidParameterValue"
        nan = error_of(
            lambda: cw.put_metric_data(Namespace="Failover/web", MetricData=[{"MetricName": "m", "Value": math.nan}])
        )
        assert nan["Code"] == "InvalidParameterValue"
        old = datetime.now(UTC) - timedelta(days=15)
        stale = error_of(
            lambda: cw.put_metric_data(
                Namespace="Failover/web", MetricData=[{"MetricName": "m", "Value": 1.0, "Timestamp": old}]
            )
        )
        assert stale["Code"] == "InvalidParameterValue"
        cw.put_metric_data(Namespace="Failover/web", MetricData=[{"MetricName": "m", "Value": 1.0}])


def test_an_alarm_follows_the_newest_datapoint_of_its_metric(sim: Any) -> None:
    cw = boto3.session.Session().client("cloudwatch", region_name="eu-west-1")
    cw.put_metric_alarm(
        AlarmName="lag",
        Namespace="Failover/db",
        MetricName="lag",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=5.0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cw.put_metric_data(Namespace="Failover/db", MetricData=[{"MetricName": "lag", "Value": 9.0}])
    assert cw.describe_alarms(AlarmNames=["lag"])["MetricAlarms"][0]["StateValue"] == "ALARM"
    cw.put_metric_data(Namespace="Failover/db", MetricData=[{"MetricName": "lag", "Value": 1.0}])
    assert cw.describe_alarms(AlarmNames=["lag"])["MetricAlarms"][0]["StateValue"] == "OK"
    # an alarm in another region never sees this region's datapoints
    assert (
        not boto3.session.Session()
        .client("cloudwatch", region_name="us-east-1")
        .describe_alarms(AlarmNames=["lag"])["MetricAlarms"]
    )


def test_health_check_status_has_one_observation_per_checker_of_its_regions(sim: Any) -> None:
    # Given a health check configured with three checker regions (the minimum), and one of them failing
    r53 = boto3.session.Session().client("route53")
    hc = r53.create_health_check(
        CallerReference="three-regions",
        HealthCheckConfig={
            "Type": "HTTPS",
            "FullyQualifiedDomainName": "a.example.com",
            "Port": 443,
            "Regions": ["us-east-1", "eu-west-1", "ap-southeast-2"],
        },
    )["HealthCheck"]["Id"]
    route53_ext.set_failing_regions(sim, hc, ["eu-west-1"])
    # When its status is read
    observations = r53.get_health_check_status(HealthCheckId=hc)["HealthCheckObservations"]
    # Then only its regions' checkers answer, each with its IP and its latest report, as AWS returns them
    assert sorted({o["Region"] for o in observations}) == ["ap-southeast-2", "eu-west-1", "us-east-1"]
    assert all(o["IPAddress"] and o["StatusReport"]["CheckedTime"] for o in observations)
    failing = sorted({o["Region"] for o in observations if o["StatusReport"]["Status"].startswith("Failure")})
    assert failing == ["eu-west-1"]
    assert route53_ext.is_healthy(sim, hc)  # 4 of 6 checkers healthy is above 18%
    with pytest.raises(ValueError, match="not Route 53 health-checker regions"):
        route53_ext.set_failing_regions(sim, hc, ["eu-central-1"])


def test_aws_health_describe_events_filters_pages_and_answers_only_at_its_endpoints(sim: Any) -> None:
    from botocore.exceptions import EndpointConnectionError

    from failoverctl.sim.extensions import health as health_ext

    for n in range(12):
        health_ext.post_event(sim, "EC2", "us-east-1", f"AWS_EC2_ISSUE_{n}")
    health_ext.post_event(sim, "EC2", "us-east-1", "AWS_EC2_OLD", status="closed")
    health_ext.post_event(sim, "EC2", "eu-west-1", "AWS_EC2_ELSEWHERE")
    health_ext.post_event(sim, "RDS", "us-east-1", "AWS_RDS_MAINTENANCE", category="scheduledChange", scope="ACCOUNT")
    wanted = {"regions": ["us-east-1"], "services": ["EC2"], "eventStatusCodes": ["open"]}
    health = boto3.session.Session().client("health", region_name="us-east-1")
    pages = list(health.get_paginator("describe_events").paginate(filter=wanted, PaginationConfig={"PageSize": 10}))
    assert [len(p["events"]) for p in pages] == [10, 2]
    codes = {e["eventTypeCode"] for p in pages for e in p["events"]}
    assert codes == {f"AWS_EC2_ISSUE_{n}" for n in range(12)}
    [account] = health.describe_events(filter={"eventTypeCategories": ["scheduledChange"]})["events"]
    assert account["eventScopeCode"] == "ACCOUNT" and ":123456789012:event/RDS/" in account["arn"]
    # the passive endpoint answers too; a client in another region reaches the global endpoint (as botocore
    # resolves it); a regional endpoint AWS Health does not have cannot be reached
    assert boto3.session.Session().client("health", region_name="us-east-2").describe_events()["events"]
    assert boto3.session.Session().client("health", region_name="eu-west-1").describe_events()["events"]
    elsewhere = boto3.session.Session().client(
        "health", region_name="eu-west-1", endpoint_url="https://health.eu-west-1.amazonaws.com"
    )
    with pytest.raises(EndpointConnectionError):
        elsewhere.describe_events()
    # an account without a support plan that includes the API is refused
    health_ext.set_subscribed(sim, False)
    assert error_of(health.describe_events)["Code"] == "SubscriptionRequiredException"
