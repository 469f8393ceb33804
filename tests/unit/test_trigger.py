"""The trigger: one execution per incident; duplicates and storms start nothing more; ignores are counted."""

from __future__ import annotations

import copy
import json
from typing import Any

from tests.conftest import load_event

from failover.config import get_env
from failover.steps.trigger import Trigger, incident_id_for, timing_for


def trigger(world: Any) -> Trigger:
    return Trigger(world.plan, get_env(), world.clients, world.store)


def executions(world: Any) -> list[dict[str, Any]]:
    sfn = world.clients.get("stepfunctions")
    found: list[dict[str, Any]] = sfn.list_executions(stateMachineArn=world.state_machine_arn)["executions"]
    return found


def alarm(world: Any, name: str = "web-primary-health", event_id: str = "e-1") -> dict[str, Any]:
    world.set_alarm(name, "us-east-1", "ALARM")
    event: dict[str, Any] = world.alarm_event(name, "us-east-1", event_id=event_id)
    return event


def test_an_alarm_starts_one_execution_named_after_its_incident(world: Any) -> None:
    result = trigger(world).handle(alarm(world))
    assert result.status == "started"
    assert result.execution_arn and result.execution_arn.endswith(result.incident_id or "?")
    assert result.incident_id and result.incident_id.startswith("web-failover-")
    started = executions(world)
    assert [e["name"] for e in started] == [result.incident_id]
    execution_input = json.loads(
        world.clients.get("stepfunctions").describe_execution(executionArn=result.execution_arn)["input"]
    )
    assert execution_input["request"]["incident_id"] == result.incident_id
    assert execution_input["timing"]["confirmation_seconds"] == 0  # drills scale waits to zero
    assert any(e["kind"] == "triggered" for e in world.store.timeline(result.incident_id))


def test_a_duplicate_delivery_starts_no_second_execution(world: Any) -> None:
    event = alarm(world)
    first = trigger(world).handle(event)
    second = trigger(world).handle(copy.deepcopy(event))
    assert first.status == "started"
    assert second.status == "deduplicated"
    assert second.incident_id == first.incident_id
    assert len(executions(world)) == 1


def test_a_second_alarm_of_the_same_group_joins_the_open_incident(world: Any) -> None:
    first = trigger(world).handle(alarm(world, "web-primary-health", "e-1"))
    second = trigger(world).handle(alarm(world, "web-primary-latency", "e-2"))
    assert (first.status, second.status) == ("started", "deduplicated")
    assert second.reason == "incident_open"
    assert len(executions(world)) == 1


def test_alarms_of_different_groups_are_different_incidents(world: Any) -> None:
    web = trigger(world).handle(alarm(world, "web-primary-health", "e-1"))
    api = trigger(world).handle(alarm(world, "api-primary-health", "e-2"))
    assert web.status == api.status == "started"
    assert web.incident_id != api.incident_id
    assert len(executions(world)) == 2


def test_a_claim_without_an_execution_is_started_on_the_next_event(world: Any) -> None:
    """A trigger that crashed between claiming the incident and starting it loses nothing."""
    world.store.claim_incident("web", "failover", "web-failover-crashed-claim", 900)
    result = trigger(world).handle(alarm(world))
    assert result.status == "started"
    assert result.incident_id == "web-failover-crashed-claim"


def test_ignored_events_are_reported_not_raised(world: Any) -> None:
    ok = trigger(world).handle(load_event("cloudwatch_alarm_ok"))
    unknown = trigger(world).handle(load_event("cloudwatch_unknown_alarm"))
    assert (ok.status, ok.reason) == ("ignored", "not_alarm_state")
    assert (unknown.status, unknown.reason) == ("ignored", "unknown_alarm")
    assert executions(world) == []


def test_a_rejected_manual_request_is_notified_like_every_other_message(world: Any) -> None:
    event = load_event("manual_unknown_group")
    result = trigger(world).handle(event)
    assert (result.status, result.reason) == ("rejected", "unknown_group")
    assert executions(world) == []
    [message] = world.sns_messages()
    # the one notification path: the phase's attributes, subject and text, like every phase
    assert message["attributes"] | {"severity": "warning"} == message["attributes"]
    assert (message["attributes"]["phase"], message["attributes"]["group"]) == ("rejected", "payments")
    assert message["subject"] == "Failover REJECTED: payments (primary -> secondary)"
    assert "The manual request by jane to failover payments was rejected: " in message["message"]
    assert "no failover group 'payments' in the plan" in message["message"]
    assert "No change was made." in message["message"]
    # recorded in the result; no incident opens, so the table is left as it was
    records = result.extra["notified"]["records"]
    assert [(r["channel"], r["phase"], r["ok"]) for r in records] == [
        ("sns", "rejected", True),
        ("slack", "rejected", True),
    ]
    assert world.store.timeline(event["id"]) == []


def test_a_malformed_request_is_rejected_with_its_reason(world: Any) -> None:
    event = load_event("manual_unknown_group")
    event["detail"] = {"direction": "sideways", "requested_by": "jane"}
    result = trigger(world).handle(event)
    assert (result.status, result.reason) == ("rejected", "malformed")
    [message] = world.sns_messages()
    assert message["attributes"]["phase"] == "rejected"
    assert "failover request is invalid (group: Field required)" in message["message"]


def test_manual_requests_are_their_own_incidents_without_a_confirmation_wait(world: Any) -> None:
    first = trigger(world).handle(load_event("manual_failover_request"))
    assert first.status == "started"
    group = world.plan.group("web")
    from failover.models import FailoverRequest

    request = FailoverRequest.model_validate(first.request)
    assert timing_for(group, request, 1.0)["confirmation_seconds"] == 0
    auto = request.model_copy(update={"source": "alarm"})
    assert timing_for(group, auto, 1.0)["confirmation_seconds"] == group.safety.confirmation_seconds


def test_automatic_failback_only_when_failed_over(world: Any) -> None:
    event = load_event("cloudwatch_alarm_ok")
    event["detail"]["alarmName"] = "admin-primary-health"
    on_primary = trigger(world).handle(event)
    assert (on_primary.status, on_primary.reason) == ("ignored", "not_failed_over")
    world.store.set_active("admin", "secondary", "earlier", failover=True)
    on_secondary = trigger(world).handle(event)
    assert on_secondary.status == "started"
    assert on_secondary.incident_id and "-failback-" in on_secondary.incident_id


def test_incident_ids_are_valid_execution_names() -> None:
    from failover.models import FailoverRequest

    request = FailoverRequest(request_id="x" * 200, group="a-very-long-group-name-of-forty-chars-xx", source="alarm")
    name = incident_id_for(request)
    assert len(name) <= 80
    assert all(c.isalnum() or c in "-_" for c in name)


def test_a_failed_over_groups_trigger_returning_to_ok_is_announced_as_recovered(world: Any) -> None:
    event = load_event("cloudwatch_alarm_ok")  # web-primary-health back to OK; web fails back by hand
    on_primary = trigger(world).handle(event)
    assert on_primary.extra == {}
    assert world.sns_messages() == []
    world.store.set_active("web", "secondary", "earlier", failover=True)
    result = trigger(world).handle(event)
    assert (result.status, result.reason) == ("ignored", "not_alarm_state")
    assert result.extra["notified"]["phase"] == "recovered"
    messages = world.sns_messages()
    assert [m["attributes"]["phase"] for m in messages] == ["recovered"]
    assert "web-primary-health" in messages[0]["message"]


def test_an_aws_health_event_joining_an_open_incident_is_remembered_for_the_gate(world: Any) -> None:
    # Given an incident of web opened by its alarm
    first = trigger(world).handle(alarm(world, "web-primary-health", "e-1"))
    # When an AWS Health issue for the primary's region and one of web's services arrives
    second = trigger(world).handle(load_event("health_public_issue"))
    # Then it joins the incident, and the incident remembers the event for the AWS Health signal
    assert (first.status, second.status) == ("started", "deduplicated")
    [remembered] = world.store.remembered_health_events(first.incident_id)
    assert remembered["event_arn"].startswith("arn:aws:health:us-east-1::event/EC2/")
    assert remembered["region"] == "us-east-1"


def test_with_signals_the_first_look_comes_after_one_interval() -> None:
    from failover.models import FailoverRequest, Source
    from failover.plan import parse_plan

    doc = {
        "groups": [
            {
                "name": "web",
                "primary": {"name": "east", "region": "us-east-1"},
                "secondary": {"name": "west", "region": "us-west-2"},
                "triggers": {"alarms": [{"name": "a", "region": "us-east-1"}]},
                "signals": {"quorum": 2, "interval_seconds": 15, "canaries": [{"name": "c", "region": "us-west-2"}]},
                "safety": {"confirmation_seconds": 120},
                "stages": [
                    {
                        "name": "s",
                        "actions": [
                            {
                                "type": "lambda_hook",
                                "name": "h",
                                "function_arn": "arn:aws:lambda:us-west-2:123456789012:function:f",
                            }
                        ],
                    }
                ],
            }
        ]
    }
    group = parse_plan(doc).group("web")
    alarm_request = FailoverRequest(request_id="r", group="web", source=Source.ALARM)
    timing = timing_for(group, alarm_request, 1.0)
    assert timing["confirmation_seconds"] == 15
    assert timing["corroboration"] == {"period_seconds": 120, "interval_seconds": 15, "waited_seconds": 15}
    # a person's request is confirmed already: no wait, no clock
    manual = timing_for(group, alarm_request.model_copy(update={"source": Source.MANUAL}), 1.0)
    assert manual["confirmation_seconds"] == 0 and "corroboration" not in manual
