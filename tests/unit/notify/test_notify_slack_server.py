"""The local Slack webhook used by drills: answers like Slack, records what it receives."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from failoverctl.sim.slack_server import SlackServer


def post(url: str, payload: Any, raw: bytes | None = None) -> tuple[int, str, dict[str, str]]:
    data = raw if raw is not None else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), dict(err.headers)


def test_it_listens_on_loopback_and_records_payloads(slack_server: SlackServer) -> None:
    assert slack_server.url.startswith("http://127.0.0.1:")
    assert post(slack_server.url, {"text": "hi"})[:2] == (200, "ok")
    assert slack_server.received == [{"text": "hi"}]
    assert slack_server.texts() == ["hi"]


def test_programmed_failures_come_first_then_success(slack_server: SlackServer) -> None:
    slack_server.slack_down(errors=2, retry_after=1)
    answers = [post(slack_server.url, {"text": "x"}) for _ in range(4)]
    assert [a[0] for a in answers] == [500, 500, 429, 200]
    assert answers[2][2]["Retry-After"] == "1"
    assert slack_server.attempts == 4
    assert len(slack_server.received) == 1


def test_down_until_recovered(slack_server: SlackServer) -> None:
    slack_server.down(503)
    assert post(slack_server.url, {"text": "x"})[0] == 503
    slack_server.recover()
    assert post(slack_server.url, {"text": "x"})[0] == 200


@pytest.mark.parametrize(
    ("path", "payload", "raw", "status", "body"),
    [
        ("/nope", {"text": "x"}, None, 404, "no_service"),
        (None, {"blocks": []}, None, 400, "no_text"),
        (None, {"text": "x", "blocks": [{"type": "divider"}] * 51}, None, 400, "invalid_blocks"),
        (None, None, b"{not json", 400, "invalid_payload"),
    ],
)
def test_it_refuses_what_slack_refuses(
    slack_server: SlackServer, path: str | None, payload: Any, raw: bytes | None, status: int, body: str
) -> None:
    url = slack_server.base_url + path if path else slack_server.url
    assert post(url, payload, raw)[:2] == (status, body)
    assert slack_server.received == []


def test_url_needs_a_running_server() -> None:
    server = SlackServer()
    with pytest.raises(RuntimeError):
        _ = server.url
    with server:
        assert server.url
    with pytest.raises(RuntimeError):
        _ = server.url
