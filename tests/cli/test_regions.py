"""Regions are real: the stack sees its own region's events, and other regions' only through the forwarder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.cli.helpers import plan_path, run_json

from failover.plan import load_plan_text
from failoverctl.regions import ForwarderRegionError, delivery_findings, forwarder, stack_region

ROOT = Path(__file__).resolve().parents[2]

#: eu-west-1 -> eu-central-1, its trigger alarm in the region being left: no forwarder can bring it
STRANDED = plan_path("stranded-trigger.yaml")


def _alarm_event(name: str, region: str, state: str = "ALARM") -> dict[str, Any]:
    return {
        "id": f"evt-{name}-{state}",
        "source": "aws.cloudwatch",
        "detail-type": "CloudWatch Alarm State Change",
        "region": region,
        "account": "123456789012",
        "detail": {"alarmName": name, "state": {"value": state}},
    }


def test_the_forwarder_template_forwards_only_its_alarms_and_only_from_us_east_1() -> None:
    fwd = forwarder("us-west-2", ["web-primary-health"])

    assert (fwd.region, fwd.target_region) == ("us-east-1", "us-west-2")
    assert fwd.forwards(_alarm_event("web-primary-health", "us-east-1"), "us-west-2")
    assert fwd.forwards(_alarm_event("web-primary-health", "us-east-1", "OK"), "us-west-2")
    assert not fwd.forwards(_alarm_event("web-primary-health", "us-east-1", "INSUFFICIENT_DATA"), "us-west-2")
    assert not fwd.forwards(_alarm_event("another-alarm", "us-east-1"), "us-west-2")
    assert not fwd.forwards(_alarm_event("web-primary-health", "us-east-1"), "eu-central-1")
    with pytest.raises(ForwarderRegionError, match="RunInUsEast1"):
        forwarder("eu-central-1", ["orders-dublin-down"], region="eu-west-1")


def test_plan_lint_reports_a_trigger_no_forwarder_can_bring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "plan", "lint", STRANDED, "--json")

    assert code == 1
    stranded = [f for f in doc["findings"] if f["api"] == "EventBridge delivery"]
    assert [(f["action"], f["region"], f["severity"]) for f in stranded] == [
        ("orders-dublin-down", "eu-west-1", "error")
    ]
    assert "eu-central-1" in stranded[0]["message"]
    # a us-east-1 alarm of a stack elsewhere needs the forwarder: a warning that names it
    example = load_plan_text((ROOT / "plans" / "example.yaml").read_text(), "example.yaml")
    warned = delivery_findings(example)
    assert warned and {f.severity for f in warned} == {"warning"}
    alarms = [f for f in warned if f.action != "EC2,ELASTICLOADBALANCING"]
    assert alarms and all("health-alarm-forwarder" in f.message for f in alarms)
    # and web's AWS Health services, emitted in us-east-1, need the AWS Health forwarder there
    [health] = [f for f in warned if f.action == "EC2,ELASTICLOADBALANCING"]
    assert (health.group, health.region) == ("web", "us-east-1")
    assert "templates/aws-health-forwarder.yaml deployed in us-east-1 (TargetRegion=us-west-2" in health.message
    assert stack_region(example.group("web")) == "us-west-2"


def test_an_alarm_in_a_region_without_forwarder_starts_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a plan whose trigger alarm changes state in eu-west-1 while the stack runs in eu-central-1

    # When the primary fails
    code, data = run_json(capsys, "drill", "--plan", STRANDED, "--scenario", "primary-outage", "--json", "--no-slack")

    # Then, as in AWS, the event never reaches the stack's rules: no trigger, no execution; the drill says why
    assert code == 1
    assert data["stack_region"] == "eu-central-1"
    assert data["executions"] == []
    assert data["routes"][0]["rules"] == []
    assert data["routes"][0]["results"] == []
    assert any("no forwarder in eu-west-1" in p for p in data["problems"])


def test_us_east_1_alarms_reach_a_stack_elsewhere_only_through_the_forwarder() -> None:
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml", region="us-west-2") as world:
        event = world.alarm_event("web-primary-health", "us-east-1")
        before = len(world.lambdas.invocations)
        world.forwarders = []
        stranded = world.route(event)
        assert (stranded.rules, stranded.results) == ([], [])
        assert stranded.undelivered and "us-east-1" in stranded.undelivered
        assert len(world.lambdas.invocations) == before

        world.forwarders = [forwarder("us-west-2", ["web-primary-health"])]
        forwarded = world.route(world.alarm_event("admin-primary-health", "us-east-1"))
        assert forwarded.results == [] and forwarded.undelivered  # not one of the forwarder's AlarmNames
        delivered = world.route(event)
        assert delivered.forwarded_by == "health-alarm-forwarder (us-east-1 -> us-west-2)"
        assert delivered.rules
        assert delivered.results and delivered.results[0].get("status") != "error"


def test_symmetric_stacks_each_get_their_forwarders_from_plan_params(capsys: pytest.CaptureFixture[str]) -> None:
    # Given symmetric stacks in three regions whose trigger includes a us-east-1 alarm
    code, doc = run_json(capsys, "plan", "params", "plans/symmetric-three-region.yaml", "--forwarders", "--json")
    # Then every side's region runs a stack, and each standby's stack gets its own copy of the forwarder
    assert code == 0
    assert doc["stack_regions"] == ["us-east-1", "us-west-2", "eu-west-1"]
    assert [(f["template"], f["region"], f["parameters"]) for f in doc["forwarders"]] == [
        (
            "templates/health-alarm-forwarder.yaml",
            "us-east-1",
            {"TargetRegion": region, "AlarmNames": "shop-primary-health"},
        )
        for region in ("us-west-2", "eu-west-1")
    ]
    # each copy is a separate stack, so both can be deployed in us-east-1
    assert len({f["stack_name"] for f in doc["forwarders"]}) == 2


def test_plan_lint_checks_the_triggers_of_every_standbys_stack() -> None:
    plan = load_plan_text((ROOT / "plans" / "symmetric-three-region.yaml").read_text(), "symmetric-three-region.yaml")
    findings = delivery_findings(plan)
    # the us-east-1 alarm is forwarded to each standby's stack: a warning per stack, with its pair
    warned = sorted((f.stack_region, f.standby) for f in findings if f.severity == "warning")
    assert warned == [("eu-west-1", "eu-west-1"), ("us-west-2", "secondary")]
    # the other standby's probe is never seen, but each stack has triggers it does see: not an error
    unseen = {(f.stack_region, f.action) for f in findings if f.severity == "info"}
    assert unseen == {("us-west-2", "shop-primary-probe-euw1"), ("eu-west-1", "shop-primary-probe-usw2")}
    # with only the probe of us-west-2, the eu-west-1 stack would never start: an error for that stack
    text = (ROOT / "plans" / "symmetric-three-region.yaml").read_text()
    for name in ("shop-primary-health, region: us-east-1", "shop-primary-probe-euw1, region: eu-west-1"):
        text = text.replace(f"        - {{ name: {name} }}\n", "")
    stranded = delivery_findings(load_plan_text(text, "probe-in-one-region.yaml"))
    assert [(f.stack_region, f.severity) for f in stranded] == [("eu-west-1", "error")]
