"""SNS: one message per phase with filterable attributes and a body per protocol (moto)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from failover.infra.clients import Clients
from failover.steps.notify.messages import PHASES, Incident
from failover.steps.notify.sns import MACHINE_PROTOCOLS, MAX_MESSAGE_BYTES, attributes, message_body, publish
from failoverctl.preview.sample import EXECUTION_ID, sample_group, sample_state

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def view(phase: str, state: dict[str, Any] | None = None) -> Incident:
    state = sample_state(phase, NOW) if state is None else state
    return Incident.from_state(phase, state, sample_group(), EXECUTION_ID, "us-east-1", now=NOW)


@pytest.mark.parametrize("phase", PHASES)
def test_publish_sets_attributes_subject_and_per_protocol_bodies(
    phase: str, topic_arn: str, clients: Clients, sns_messages: Callable[[str], list[Any]]
) -> None:
    # Given an incident at a phase, When it is published
    record = publish(view(phase), topic_arn=topic_arn, sns_client=clients.get("sns"))
    # Then the record says so and moto holds one message with the attributes subscribers filter on
    assert record.ok
    assert record.channel == "sns"
    assert record.phase == phase
    assert record.message_id
    [(message_id, message, subject, attrs, _group)] = sns_messages(topic_arn)
    assert message_id == record.message_id
    assert {k: v["Value"] for k, v in attrs.items()} == {
        "group": "web",
        "phase": phase,
        "severity": view(phase).severity,
        "direction": "failover",
        "dry_run": "false",
        "status": view(phase).status,
    }
    assert subject == view(phase).subject()
    body = json.loads(message)
    assert body["default"] == body["email"]
    assert view(phase).headline in body["email"]
    for protocol in MACHINE_PROTOCOLS:
        machine = json.loads(body[protocol])
        assert machine["phase"] == phase
        assert machine["group"] == "web"
        assert machine["schema"] == "failover.notification/1"


def test_dry_run_attribute_and_body(topic_arn: str, clients: Clients, sns_messages: Callable[[str], list[Any]]) -> None:
    state = sample_state("started", NOW)
    state["request"]["dry_run"] = True
    publish(view("started", state), topic_arn=topic_arn, sns_client=clients.get("sns"))
    [(_, message, subject, attrs, _)] = sns_messages(topic_arn)
    assert attrs["dry_run"]["Value"] == "true"
    assert "DRY RUN" in json.loads(message)["email"]
    assert "DRY RUN" in (subject or "")


def test_a_filter_policy_sends_only_failures_to_the_pager(aws: None, topic_arn: str, clients: Clients) -> None:
    # Given a pager queue subscribed with the filter policy from docs/notifications.md
    sqs = boto3.client("sqs", region_name="us-east-1")
    queue_url = sqs.create_queue(QueueName="pager")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    boto3.client("sns", region_name="us-east-1").subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={
            "FilterPolicy": json.dumps({"severity": ["critical"], "dry_run": ["false"]}),
            "RawMessageDelivery": "true",
        },
    )
    # When every phase is published
    for phase in PHASES:
        publish(view(phase), topic_arn=topic_arn, sns_client=clients.get("sns"))
    # Then the pager receives the failure only, as JSON for machines
    received = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 1
    machine = json.loads(received[0]["Body"])
    assert machine["phase"] == "failed"
    assert machine["error"]["error"] == "VerificationFailed"


def test_huge_incident_fits_in_one_sns_message(topic_arn: str, clients: Clients) -> None:
    state = sample_state("failed", NOW)
    state["gate"]["decision"]["checks"] = [{"name": f"c{i}", "ok": False, "detail": "d" * 2000} for i in range(5000)]
    state["request"]["trigger"]["reason"] = "r" * 100_000
    state["error"] = {"Error": "X", "Cause": "é" * 100_000}
    incident = view("failed", state)
    body = message_body(incident)
    assert len(body.encode()) <= MAX_MESSAGE_BYTES
    assert json.loads(json.loads(body)["sqs"])["truncated"] is True
    assert publish(incident, topic_arn=topic_arn, sns_client=clients.get("sns")).ok


def test_a_publish_error_is_recorded_not_raised(aws: None, clients: Clients) -> None:
    missing = "arn:aws:sns:us-east-1:123456789012:no-such-topic"
    record = publish(view("failed"), topic_arn=missing, sns_client=clients.get("sns"))
    assert not record.ok
    assert "NotFound" in record.detail


def test_fifo_topics_get_a_group_and_a_deduplication_id() -> None:
    calls: list[dict[str, Any]] = []

    class FakeSns:
        def publish(self, **kwargs: Any) -> dict[str, Any]:
            calls.append(kwargs)
            return {"MessageId": "m-1"}

    publish(view("started"), topic_arn="arn:aws:sns:us-east-1:123456789012:t.fifo", sns_client=FakeSns())
    assert calls[0]["MessageGroupId"] == "web"
    assert len(calls[0]["MessageDeduplicationId"]) == 64


def test_attribute_values_are_never_empty() -> None:
    incident = Incident.from_state("failed", {}, None, None, None, now=NOW)
    assert all(v["StringValue"] for v in attributes(incident).values())
