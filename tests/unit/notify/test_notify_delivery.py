"""Delivery: Slack through a real local webhook, retries, best effort with a record, and secrecy."""

from __future__ import annotations

import functools
import io
import json
import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from failover.config import Env
from failover.errors import ConfigError
from failover.infra.clients import Clients
from failover.plan import Plan
from failover.steps.notify.redact import Redactor
from failover.steps.notify.service import deliver
from failover.steps.notify.slack_secret import parse_webhook_secret
from failover.steps.notify.slack_webhook import RetryPolicy, SlackWebhook
from failoverctl.preview.sample import EXECUTION_ID, INCIDENT_ID, sample_approval, sample_state
from failoverctl.sim.slack_server import WEBHOOK_PATH, SlackServer

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
TOKEN = WEBHOOK_PATH.rsplit("/", 1)[-1]


@pytest.fixture
def plan() -> Plan:
    from failoverctl.preview.sample import SAMPLE_GROUP

    return Plan.model_validate({"groups": [SAMPLE_GROUP]})


@pytest.fixture
def wired(
    slack_server: SlackServer,
    topic_arn: str,
    make_secret: Callable[[str], str],
    make_env: Callable[..., Env],
) -> Env:
    """An environment with a topic, a table and a Slack secret pointing at the local server."""
    secret = make_secret(json.dumps({"url": slack_server.url}))
    return make_env(TOPIC_ARN=topic_arn, SLACK_WEBHOOK_SECRET_ARN=secret)


Send = Callable[..., list[Any]]


@pytest.fixture
def send_with(clients: Clients, plan: Plan, policy: RetryPolicy) -> Send:
    """Deliver a phase's sample state with ``env`` (no store unless one is given)."""

    def send(phase: str, env: Env, **kwargs: Any) -> list[Any]:
        kwargs.setdefault("store", None)
        return deliver(
            phase,
            sample_state(phase, NOW),
            env=env,
            clients=clients,
            plan=plan,
            execution_id=EXECUTION_ID,
            slack_policy=policy,
            now=NOW,
            **kwargs,
        )

    return send


@pytest.fixture
def send(send_with: Send, wired: Env) -> Send:
    """Deliver a phase's sample state with the wired environment (a topic and Slack)."""
    return functools.partial(send_with, env=wired)


# ---------------------------------------------------------------------- the webhook client


def test_success_posts_the_block_kit_payload(slack_server: SlackServer, policy: RetryPolicy) -> None:
    result = SlackWebhook(slack_server.url, policy).send({"text": "hello", "blocks": []})
    assert (result.ok, result.status, result.attempts) == (True, 200, 1)
    assert slack_server.received == [{"text": "hello", "blocks": []}]


def test_500_then_429_then_success_is_retried(
    slack_server: SlackServer, policy: RetryPolicy, waits: list[float]
) -> None:
    # Given Slack answers 500, then 429 with Retry-After: 1, then 200
    slack_server.program(500, (429, 1))
    # When a message is sent
    result = SlackWebhook(slack_server.url, policy).send({"text": "hello"})
    # Then it arrives on the third attempt, having waited as Retry-After asked
    assert result.ok
    assert result.attempts == 3
    assert [r.status for r in slack_server.requests] == [500, 429, 200]
    assert len(waits) == 2
    assert waits[1] == 1.0
    assert slack_server.received == [{"text": "hello"}]


def test_retry_after_is_capped(slack_server: SlackServer, policy: RetryPolicy, waits: list[float]) -> None:
    slack_server.program((429, 3600))
    assert SlackWebhook(slack_server.url, policy).send({"text": "x"}).ok
    assert waits == [policy.retry_after_cap_seconds]


def test_permanently_down_gives_up_after_the_retries(slack_server: SlackServer, policy: RetryPolicy) -> None:
    slack_server.down(503)
    result = SlackWebhook(slack_server.url, policy).send({"text": "x"})
    assert not result.ok
    assert result.status == 503
    assert result.attempts == policy.max_retries + 1
    assert "internal_error" not in result.detail
    assert "HTTP 503" in result.detail


def test_a_client_error_is_not_retried(slack_server: SlackServer, policy: RetryPolicy) -> None:
    slack_server.program(404)
    result = SlackWebhook(slack_server.url, policy).send({"text": "x"})
    assert (result.ok, result.status, result.attempts) == (False, 404, 1)
    assert "no_service" in result.detail


def test_connection_refused_is_retried_then_recorded(policy: RetryPolicy, waits: list[float]) -> None:
    with SlackServer() as gone:
        url = gone.url
    result = SlackWebhook(url, policy).send({"text": "x"})
    assert not result.ok
    assert result.status is None
    assert result.attempts == policy.max_retries + 1
    assert len(waits) == policy.max_retries
    assert TOKEN not in result.detail
    assert "127.0.0.1" not in result.detail


# ---------------------------------------------------------------------- the secret


@pytest.mark.parametrize(
    "value",
    [
        '{"url": "https://hooks.slack.com/services/T1/B1/abcdefgh"}',
        "https://hooks.slack.com/services/T1/B1/abcdefgh",
        "  https://hooks.slack.com/services/T1/B1/abcdefgh\n",
        '{"webhook_url": "https://hooks.slack.com/services/T1/B1/abcdefgh"}',
    ],
)
def test_the_secret_holds_json_or_a_plain_url(value: str) -> None:
    assert parse_webhook_secret(value) == "https://hooks.slack.com/services/T1/B1/abcdefgh"


@pytest.mark.parametrize(
    "value", ['{"url": 5}', "{broken", "http://hooks.slack.com/services/x", "not a url", '{"other": "x"}']
)
def test_a_bad_secret_is_a_config_error_without_its_value(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_webhook_secret(value)
    assert "hooks.slack.com" not in str(err.value)


# ---------------------------------------------------------------------- deliver


def test_deliver_sends_sns_then_slack_and_records_both(
    wired: Env, slack_server: SlackServer, sns_messages: Callable[[str], list[Any]], store: Any, send: Send
) -> None:
    records = send("succeeded", store=store)
    assert [(r.channel, r.ok) for r in records] == [("sns", True), ("slack", True)]
    assert len(sns_messages(str(wired.topic_arn))) == 1
    [payload] = slack_server.received
    assert payload["blocks"][0]["text"]["text"].endswith("Failover SUCCEEDED: web")
    timeline = store.timeline(INCIDENT_ID)
    assert [e["kind"] for e in timeline] == ["notification", "notification"]
    assert {e["data"]["channel"] for e in timeline} == {"sns", "slack"}


def test_deliver_approval_carries_the_buttons(slack_server: SlackServer, send: Send) -> None:
    records = send("approval", approval=sample_approval().model_dump())
    assert all(r.ok for r in records)
    [payload] = slack_server.received
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == ["approve", "deny"]


def test_deliver_accepts_an_approval_object_with_attributes(slack_server: SlackServer, send: Send) -> None:
    from failover.approval import ApprovalRequest

    approval = ApprovalRequest("appr-1", "https://a/?token=1", "https://a/?token=2", 1_900_000_000)
    send("approval", approval=approval)
    [payload] = slack_server.received
    values = {e["value"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]}
    assert values == {"appr-1"}


def test_slack_down_the_failover_goes_on_sns_is_sent_and_the_failure_is_in_the_timeline(
    wired: Env,
    policy: RetryPolicy,
    slack_server: SlackServer,
    sns_messages: Callable[[str], list[Any]],
    store: Any,
    send: Send,
) -> None:
    # Given Slack is down for good
    slack_server.down(500)
    # When the failure phase is delivered
    records = send("failed", store=store)
    # Then nothing is raised, SNS went out, and the Slack failure is recorded
    sns, slack = records
    assert sns.ok
    assert len(sns_messages(str(wired.topic_arn))) == 1
    assert not slack.ok
    assert slack.attempts == policy.max_retries + 1
    assert "HTTP 500" in slack.detail
    failed = [e for e in store.timeline(INCIDENT_ID) if e["kind"] == "notification_failed"]
    assert len(failed) == 1
    assert failed[0]["data"]["channel"] == "slack"


def test_slack_down_drill_pattern_recovers_with_retries(slack_server: SlackServer, send: Send) -> None:
    slack_server.slack_down(errors=2, retry_after=1)
    _, slack = send("started")
    assert slack.ok
    assert slack.attempts == 4
    assert [r.status for r in slack_server.requests] == [500, 500, 429, 200]


def test_without_a_secret_slack_is_skipped_with_a_record(
    aws: None, topic_arn: str, make_env: Callable[..., Env], send_with: Send
) -> None:
    records = send_with("started", make_env(TOPIC_ARN=topic_arn), store=None)
    slack = records[1]
    assert slack.ok
    assert "skipped" in slack.detail
    assert slack.model_dump()["skipped"] is True


def test_without_a_topic_sns_is_skipped_with_a_record(aws: None, make_env: Callable[..., Env], send_with: Send) -> None:
    records = send_with("started", make_env(), store=None)
    assert [r.detail.startswith("skipped") for r in records] == [True, True]


def test_an_unreadable_secret_is_recorded_and_sns_still_goes_out(
    aws: None, topic_arn: str, make_env: Callable[..., Env], sns_messages: Callable[[str], list[Any]], send_with: Send
) -> None:
    env = make_env(
        TOPIC_ARN=topic_arn, SLACK_WEBHOOK_SECRET_ARN="arn:aws:secretsmanager:us-east-1:123456789012:secret:gone"
    )
    sns, slack = send_with("failed", env, store=None)
    assert sns.ok
    assert len(sns_messages(topic_arn)) == 1
    assert not slack.ok
    assert "GetParameterError" in slack.detail


def test_a_broken_store_does_not_stop_delivery(send: Send) -> None:
    class BrokenStore:
        def add_event(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("table gone")

    records = send("started", store=BrokenStore())
    assert [r.ok for r in records] == [True, True]


def test_deliver_never_raises_on_garbage(wired: Env, clients: Clients, plan: Plan, policy: RetryPolicy) -> None:
    for state in (None, {}, {"request": {"group": "nope"}}, {"request": []}):
        records = deliver("failed", state, env=wired, clients=clients, plan=plan, slack_policy=policy)  # type: ignore[arg-type]
        assert len(records) == 2


# ---------------------------------------------------------------------- secrecy


@pytest.fixture
def powertools_output() -> Iterator[io.StringIO]:
    """What the Powertools logger writes (its handler is bound to stdout at import)."""
    buffer = io.StringIO()
    handlers = [h for h in logging.getLogger("failover").handlers if isinstance(h, logging.StreamHandler)]
    old = [h.setStream(buffer) for h in handlers]
    try:
        yield buffer
    finally:
        for handler, stream in zip(handlers, old, strict=True):
            if stream is not None:
                handler.setStream(stream)


def test_the_webhook_url_never_appears_in_logs_records_sns_or_the_timeline(
    wired: Env,
    slack_server: SlackServer,
    sns_messages: Callable[[str], list[Any]],
    store: Any,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    powertools_output: io.StringIO,
    send: Send,
) -> None:
    # Given every library logs at DEBUG, and Slack fails in every way once
    caplog.set_level(logging.DEBUG)
    logging.getLogger("failover").setLevel(logging.DEBUG)
    try:
        outputs: list[Any] = []
        slack_server.program(500, (429, 1))
        outputs += send("started", store=store)
        slack_server.down(500)
        outputs += send("failed", store=store)
        slack_server.recover()
        slack_server.program(404)
        outputs += send("skipped", store=store)
        slack_server.stop()
        outputs += send("succeeded", store=store)
    finally:
        logging.getLogger("failover").setLevel(logging.INFO)
    # Then the URL (or its token) is nowhere a person or a machine could read it
    seen = {
        "logs": caplog.text,
        "stdout/stderr": "".join(capsys.readouterr()),
        "powertools": powertools_output.getvalue(),
        "records": json.dumps([r.model_dump(mode="json") for r in outputs]),
        "sns": json.dumps([m[1] for m in sns_messages(str(wired.topic_arn))]),
        "timeline": json.dumps(store.timeline(INCIDENT_ID), default=str),
    }
    assert "slack notification failed" in seen["logs"]
    for where, text in seen.items():
        assert TOKEN not in text, where
        assert WEBHOOK_PATH not in text, where


def test_the_redactor_removes_every_form_of_the_url() -> None:
    url = "https://hooks.slack.com/services/T000/B000/secrettoken123"
    redact = Redactor(url)
    text = redact(f"failed {url} / hooks.slack.com/services/T000/B000/secrettoken123 / secrettoken123")
    assert "secrettoken123" not in text
    assert repr(SlackWebhook(url)) == "SlackWebhook(url=[redacted])"


def test_the_incident_table_timeline_holds_the_records(
    clients: Clients, slack_server: SlackServer, table: str, send: Send
) -> None:
    from failover.infra.store import Store

    # Given Slack is down, When the started phase is delivered with the default store (the env's table)
    slack_server.down(500)
    send("started")
    # Then the incident's timeline in DynamoDB says what was sent and what failed
    timeline = Store(table, clients).timeline(INCIDENT_ID)
    assert sorted((e["kind"], e["data"]["channel"]) for e in timeline) == [
        ("notification", "sns"),
        ("notification_failed", "slack"),
    ]
