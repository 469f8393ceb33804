"""Fixtures for the notification tests: the local Slack server, a topic, a secret, a table."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from failover.config import Env
from failover.infra.clients import Clients
from failover.steps.notify.slack_webhook import RetryPolicy
from failoverctl.sim.slack_server import SlackServer
from failoverctl.sim.stacks import create_incident_table

TABLE = "IncidentTable"


@pytest.fixture
def slack_server() -> Iterator[SlackServer]:
    with SlackServer() as server:
        yield server


@pytest.fixture
def waits() -> list[float]:
    """The sleeps the Slack retries asked for (nothing actually sleeps)."""
    return []


@pytest.fixture
def policy(waits: list[float]) -> RetryPolicy:
    return RetryPolicy(
        max_retries=3, retry_after_cap_seconds=2.0, budget_seconds=10.0, timeout_seconds=2, sleep=waits.append
    )


@pytest.fixture
def clients(aws: None) -> Clients:
    return Clients(default_region="us-east-1")


@pytest.fixture
def topic_arn(aws: None) -> str:
    return str(boto3.client("sns", region_name="us-east-1").create_topic(Name="FailoverTopic")["TopicArn"])


@pytest.fixture
def make_secret(aws: None) -> Callable[[str], str]:
    sm = boto3.client("secretsmanager", region_name="us-east-1")
    count = iter(range(1000))

    def make(value: str) -> str:
        return str(sm.create_secret(Name=f"slack-webhook-{next(count)}", SecretString=value)["ARN"])

    return make


@pytest.fixture
def table(aws: None) -> str:
    create_incident_table(boto3.client("dynamodb", region_name="us-east-1"), TABLE)
    return TABLE


class MemoryStore:
    """The part of ``Store`` that notifications use, in memory: ``add_event`` and ``timeline``."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add_event(self, incident_id: str, kind: str, detail: str, **data: Any) -> None:
        self.events.append({"incident_id": incident_id, "kind": kind, "detail": detail, "data": data})

    def timeline(self, incident_id: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["incident_id"] == incident_id]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def make_env() -> Callable[..., Env]:
    """An ``Env`` from environment-variable names, e.g. ``make_env(TOPIC_ARN=arn)``."""

    def make(**values: Any) -> Env:
        base = {"TABLE_NAME": TABLE, "PLAN_FILE": "plans/example.yaml", "AWS_REGION": "us-east-1"}
        base.update({k: v for k, v in values.items() if v is not None})
        return Env.model_validate(base)

    return make


@pytest.fixture
def sns_messages(aws: None) -> Callable[[str], list[Any]]:
    """What moto recorded as published to a topic: (id, message, subject, attributes, group id) each."""

    def read(topic_arn: str) -> list[Any]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sns import sns_backends

        return list(sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].topics[topic_arn].sent_notifications)

    return read
