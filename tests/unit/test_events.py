"""Event normalisation: every source becomes one request, or an ignore with its reason; nothing raises."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import load_event

from failover.events import Ignored, parse_event
from failover.models import Direction, FailoverRequest, Source
from failover.plan import Plan, load_plan

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(ROOT / "plans" / "example.yaml")


def test_route53_health_check_alarm_becomes_a_health_check_request(plan: Plan) -> None:
    request = parse_event(load_event("cloudwatch_health_check_alarm"), plan)
    assert isinstance(request, FailoverRequest)
    assert request.group == "web"
    assert request.source == Source.HEALTH_CHECK
    assert request.direction == Direction.FAILOVER
    assert request.trigger.health_check_id == "11111111-1111-4111-8111-111111111111"
    assert request.trigger.alarm_name == "web-primary-health"
    assert request.request_id == "a1b2c3d4-0000-4000-8000-000000000001"


def test_metric_and_composite_alarms_become_alarm_requests(plan: Plan) -> None:
    metric = parse_event(load_event("cloudwatch_metric_alarm"), plan)
    composite = parse_event(load_event("cloudwatch_composite_alarm"), plan)
    assert isinstance(metric, FailoverRequest) and metric.source == Source.ALARM
    assert isinstance(composite, FailoverRequest) and composite.source == Source.ALARM
    assert composite.trigger.health_check_id is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("cloudwatch_alarm_ok", "not_alarm_state"),
        ("cloudwatch_alarm_insufficient_data", "not_alarm_state"),
        ("cloudwatch_unknown_alarm", "unknown_alarm"),
        ("rds_instance_backup", "unknown_rds_source"),
    ],
)
def test_events_we_do_not_act_on_say_why(plan: Plan, name: str, reason: str) -> None:
    result = parse_event(load_event(name), plan)
    assert isinstance(result, Ignored)
    assert result.reason == reason
    assert result.detail


def test_ok_transition_of_an_automatic_failback_group_is_a_failback_candidate(plan: Plan) -> None:
    event = load_event("cloudwatch_alarm_ok")
    event["detail"]["alarmName"] = "admin-primary-health"
    request = parse_event(event, plan)
    assert isinstance(request, FailoverRequest)
    assert request.direction == Direction.FAILBACK
    assert request.group == "admin"


def test_manual_requests_carry_who_and_why(plan: Plan) -> None:
    request = parse_event(load_event("manual_failover_request"), plan)
    assert isinstance(request, FailoverRequest)
    assert request.source == Source.MANUAL
    assert "jane" in request.requested_by
    assert request.reason and "AWS Health" in request.reason
    assert request.dry_run is False
    failback = parse_event(load_event("manual_failback_request"), plan)
    assert isinstance(failback, FailoverRequest) and failback.direction == Direction.FAILBACK


def test_drill_requests_are_dry_runs_unless_they_say_otherwise(plan: Plan) -> None:
    event = load_event("drill_dry_run_request")
    del event["detail"]["dry_run"]
    request = parse_event(event, plan)
    assert isinstance(request, FailoverRequest)
    assert request.source == Source.DRILL and request.dry_run is True


def test_manual_request_for_an_unknown_group_is_rejected_and_must_be_told(plan: Plan) -> None:
    result = parse_event(load_event("manual_unknown_group"), plan)
    assert isinstance(result, Ignored)
    assert result.reason == "unknown_group" and result.notify is True
    assert "payments" in result.detail


def test_rds_failover_events_of_a_named_source_trigger_a_group(tmp_path: Path) -> None:
    text = (
        (ROOT / "plans" / "example.yaml")
        .read_text()
        .replace(
            "    triggers:\n      alarms:\n        - { name: api-primary-health, region: us-east-1 }",
            "    triggers:\n      rds_source_ids: [checkout-use1]\n      alarms:\n"
            "        - { name: api-primary-health, region: us-east-1 }",
        )
    )
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    plan = load_plan(path)
    request = parse_event(load_event("rds_cluster_failover"), plan)
    assert isinstance(request, FailoverRequest)
    assert request.group == "api" and request.source == Source.RDS_EVENT
    backup = load_event("rds_instance_backup")
    backup["detail"]["SourceIdentifier"] = "checkout-use1"
    ignored = parse_event(backup, plan)
    assert isinstance(ignored, Ignored) and ignored.reason == "rds_category_ignored"


@pytest.mark.parametrize(
    "event",
    [
        None,
        "text",
        [],
        {},
        {"detail-type": "CloudWatch Alarm State Change"},
        {
            "version": "0",
            "id": "x",
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "account": "1",
            "time": "2026-01-01T00:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": {},
        },
    ],
)
def test_malformed_events_are_ignored_with_a_reason(plan: Plan, event: Any) -> None:
    result = parse_event(event, plan)
    assert isinstance(result, Ignored)
    assert result.reason == "malformed"


def test_unsupported_sources_are_ignored(plan: Plan) -> None:
    event = copy.deepcopy(load_event("cloudwatch_health_check_alarm"))
    event["source"] = "aws.ec2"
    event["detail-type"] = "EC2 Instance State-change Notification"
    result = parse_event(event, plan)
    assert isinstance(result, Ignored) and result.reason == "unsupported_event"
