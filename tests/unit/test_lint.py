"""Static-stability lint: control-plane calls and dependencies on us-east-1 or the region being left."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from failover.plan import load_plan, parse_plan
from failoverctl.planning.lint import has_errors, lint_plan

ROOT = Path(__file__).resolve().parents[2]
PANEL = "arn:aws:route53-recovery-control::123456789012:controlpanel/abc"


def _plan(actions: list[dict[str, Any]], **group: Any) -> Any:
    base: dict[str, Any] = {
        "name": "shop",
        "primary": {"name": "east", "region": "us-east-1"},
        "secondary": {"name": "west", "region": "us-west-2"},
        "stages": [{"name": "go", "actions": actions}],
    }
    return parse_plan({"groups": [base | group]})


RECORDS = {
    "type": "route53_records",
    "name": "dns",
    "hosted_zone_id": "Z0EXAMPLE",
    "record_name": "shop.example.com",
    "primary": {"values": ["east.example.com"]},
    "secondary": {"values": ["west.example.com"]},
}
ARC = {
    "type": "arc_routing_control",
    "name": "arc",
    "cluster_endpoints": [
        {"endpoint": "https://a.example.com/v1", "region": "us-east-1"},
        {"endpoint": "https://b.example.com/v1", "region": "eu-west-1"},
    ],
    "primary": {"routing_control_arn": f"{PANEL}/routingcontrol/east"},
    "secondary": {"routing_control_arn": f"{PANEL}/routingcontrol/west"},
}


def test_route53_control_plane_in_the_region_being_left_is_an_error() -> None:
    # Given a group leaving us-east-1 that moves DNS through the Route 53 control plane
    findings = lint_plan(_plan([RECORDS]))

    # Then the linter names the call as an error and the data-plane alternative
    [finding] = findings
    assert (finding.severity, finding.stage, finding.action) == ("error", "go", "dns")
    assert (finding.plane, finding.service, finding.api, finding.region) == (
        "control",
        "route53",
        "ChangeResourceRecordSets",
        "us-east-1",
    )
    assert "route53_metric_switch" in finding.alternative
    assert has_errors(findings)


def test_route53_control_plane_is_a_warning_when_leaving_another_region() -> None:
    plan = _plan(
        [RECORDS],
        primary={"name": "west", "region": "us-west-2"},
        secondary={"name": "euw", "region": "eu-west-1"},
    )
    [finding] = lint_plan(plan)
    assert finding.severity == "warning"
    assert "us-east-1" in finding.message
    assert not has_errors([finding])


def test_data_plane_with_other_endpoints_is_only_informational() -> None:
    # Given ARC endpoints in the region being left and in another region
    [finding] = lint_plan(_plan([ARC]))

    # Then it is listed (the endpoint in us-east-1 is tried last) but is no error
    assert finding.severity == "info"
    assert finding.plane == "data"
    assert "tried last" in finding.message


def test_data_plane_only_in_the_region_being_left_is_an_error() -> None:
    only_east = ARC | {"cluster_endpoints": [{"endpoint": "https://a.example.com/v1", "region": "us-east-1"}]}
    [finding] = lint_plan(_plan([only_east]))
    assert finding.severity == "error"
    assert "region being left" in finding.message


def test_data_plane_in_the_target_region_is_not_listed() -> None:
    switch = {
        "type": "route53_metric_switch",
        "region": "us-west-2",
        "namespace": "Shop",
        "metric_name": "Takeover",
    }
    assert lint_plan(_plan([switch])) == []


def test_control_plane_in_the_target_region_is_listed_as_info() -> None:
    asg = {
        "type": "asg_capacity",
        "primary": {"asg_name": "e", "region": "us-east-1", "min_size": 1, "desired_capacity": 1},
        "secondary": {"asg_name": "w", "region": "us-west-2", "min_size": 1, "desired_capacity": 1},
    }
    [finding] = lint_plan(_plan([asg]))
    assert (finding.severity, finding.plane, finding.region) == ("info", "control", "us-west-2")
    assert finding.alternative


def test_failback_lints_the_other_way() -> None:
    switch = {"type": "route53_metric_switch", "region": "us-west-2", "namespace": "Shop", "metric_name": "T"}
    [finding] = lint_plan(_plan([switch]), "failback")
    assert finding.severity == "error"  # failing back, us-west-2 is the region being left


def test_trigger_alarms_in_us_east_1_or_the_primary_region_are_warnings() -> None:
    plan = _plan(
        [ARC],
        triggers={
            "alarms": [
                {"name": "shop-health", "region": "us-east-1"},
                {"name": "shop-canary", "region": "us-west-2"},
            ]
        },
    )
    triggers = [f for f in lint_plan(plan) if f.stage == "trigger"]
    assert [(f.action, f.severity) for f in triggers] == [("shop-health", "warning")]
    assert "HealthCheckStatus" in triggers[0].message
    assert "us-west-2" in triggers[0].alternative


def test_gate_health_checks_read_from_the_region_being_left() -> None:
    plan = _plan([ARC], secondary={"name": "west", "region": "us-west-2", "health_checks": ["hc-1"]})
    [gate] = [f for f in lint_plan(plan) if f.stage == "validate"]
    assert (gate.severity, gate.api) == ("error", "GetHealthCheckStatus")

    with_alarms = _plan(
        [ARC],
        secondary={
            "name": "west",
            "region": "us-west-2",
            "health_checks": ["hc-1"],
            "alarms": [{"name": "west-5xx", "region": "us-west-2"}],
        },
    )
    [gate] = [f for f in lint_plan(with_alarms) if f.stage == "validate"]
    assert gate.severity == "warning"


def test_the_region_evacuation_example_has_no_errors() -> None:
    findings = lint_plan(load_plan(ROOT / "plans" / "region-evacuation.yaml"))
    assert not has_errors(findings)
    assert {f.action for f in findings} == {"checkout-db", "checkout-fleet", "checkout-routing", "checkout-lb"}
    assert all(f.severity == "info" for f in findings)
