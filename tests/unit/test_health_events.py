"""AWS Health events as a trigger: open issues for a group's services in its primary region; the rest ignored."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import load_event

from failover.errors import PlanError
from failover.events import Ignored, parse_event, parse_events
from failover.models import AUTOMATIC_SOURCES, Direction, FailoverRequest, Source
from failover.plan import Plan, load_plan, load_plan_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan(ROOT / "plans" / "example.yaml")


def test_a_public_issue_for_a_named_service_in_the_primary_region_fails_the_group_over(plan: Plan) -> None:
    request = parse_event(load_event("health_public_issue"), plan)
    assert isinstance(request, FailoverRequest)
    assert (request.group, request.direction, request.source) == ("web", Direction.FAILOVER, Source.HEALTH_EVENT)
    assert request.source in AUTOMATIC_SOURCES
    assert request.trigger.event_id.startswith("arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/")
    assert request.trigger.source_identifier == "AWS_EC2_OPERATIONAL_ISSUE"
    assert request.trigger.region == "us-east-1"
    assert request.trigger.time == "2026-01-27T08:52:51.000Z"  # startTime, an RFC 1123 date in the event
    assert "PUBLIC" in str(request.trigger.reason) and "use1-az4" in str(request.trigger.reason)


def test_an_account_specific_issue_names_its_affected_entities(plan: Plan) -> None:
    request = parse_event(load_event("health_account_specific_issue"), plan)
    assert isinstance(request, FailoverRequest)
    assert request.group == "web"
    assert "ACCOUNT_SPECIFIC" in str(request.trigger.reason)
    assert "affected: i-0abcd1234efgh5678" in str(request.trigger.reason)


def _changed(**detail: Any) -> dict[str, Any]:
    event = copy.deepcopy(load_event("health_public_issue"))
    region = detail.pop("region", None)
    if region:
        event["region"] = region
        event["detail"]["eventRegion"] = region
    event["detail"].update(detail)
    return event


@pytest.mark.parametrize(
    ("event", "reason", "says"),
    [
        (_changed(region="eu-west-1"), "unknown_health_event", "no group has its primary in eu-west-1"),
        (_changed(service="S3"), "unknown_health_event", "names S3"),
        (_changed(eventTypeCategory="scheduledChange"), "health_category_ignored", "scheduledChange, not an issue"),
        (_changed(eventTypeCategory="accountNotification"), "health_category_ignored", "accountNotification"),
        (_changed(statusCode="closed"), "health_status_ignored", "is closed"),
        (_changed(eventArn=None), "malformed", "AWS Health event without the expected detail"),
    ],
)
def test_unrelated_health_events_are_ignored_with_a_reason(
    plan: Plan, event: dict[str, Any], reason: str, says: str
) -> None:
    result = parse_event(event, plan)
    assert isinstance(result, Ignored)
    assert result.reason == reason
    assert says in result.detail


def test_one_issue_fails_over_every_group_it_concerns() -> None:
    doc = yaml.safe_load((ROOT / "plans" / "example.yaml").read_text())
    doc["groups"][1]["triggers"]["health_services"] = ["EC2"]  # api: primary us-east-1 too
    plan = load_plan_text(yaml.safe_dump(doc), "plan.yaml")
    requests = parse_events(load_event("health_public_issue"), plan)
    assert isinstance(requests, list)
    assert [r.group for r in requests] == ["web", "api"]
    assert len({r.request_id for r in requests}) == 2  # one incident each


@pytest.mark.parametrize(("services", "ok"), [(["EC2", "RDS"], True), (["ec2"], False), (["EC2", "EC2"], False)])
def test_health_services_are_aws_health_service_codes_named_once(services: list[str], ok: bool) -> None:
    doc = yaml.safe_load((ROOT / "plans" / "example.yaml").read_text())
    doc["groups"][0]["triggers"]["health_services"] = services
    if ok:
        assert load_plan_text(yaml.safe_dump(doc), "plan.yaml").groups[0].triggers.health_services == services
    else:
        with pytest.raises(PlanError):
            load_plan_text(yaml.safe_dump(doc), "plan.yaml")


def test_the_trigger_opens_one_incident_per_group_an_issue_concerns(tmp_path: Path) -> None:
    from failover.config import get_env
    from failover.steps.trigger import Trigger
    from failoverctl.sim.world import World

    # Given web and api both name EC2 and have their primary in us-east-1
    doc = yaml.safe_load((ROOT / "plans" / "example.yaml").read_text())
    doc["groups"][1]["triggers"]["health_services"] = ["EC2"]
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(doc))
    with World(path) as world:
        # When an EC2 issue in us-east-1 arrives
        result = Trigger(world.plan, get_env(), world.clients, world.store).handle(load_event("health_public_issue"))
        # Then each group has its own incident and execution
        others = result.extra["other_groups"]
        assert (result.status, result.group) == ("started", "web")
        assert [(o["status"], o["group"]) for o in others] == [("started", "api")]
        sfn = world.clients.get("stepfunctions")
        names = {e["name"] for e in sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"]}
        assert names == {result.incident_id, others[0]["incident_id"]}
        # And an unrelated event is ignored with its reason
        scheduled = load_event("health_public_issue")
        scheduled["detail"]["eventTypeCategory"] = "scheduledChange"
        ignored = Trigger(world.plan, get_env(), world.clients, world.store).handle(scheduled)
        assert (ignored.status, ignored.reason) == ("ignored", "health_category_ignored")
