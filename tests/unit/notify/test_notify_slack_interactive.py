"""Approval from Slack: signature, freshness, the approvers list, and the updated message."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from failover.errors import ApprovalError
from failover.steps.notify.messages import Incident
from failover.steps.notify.slack_blocks import APPROVAL_BLOCK_IDS, build_message
from failover.steps.notify.slack_interactive import rejection_message, respond, updated_message, verify_request
from failover.steps.notify.slack_webhook import RetryPolicy
from failoverctl.preview.sample import EXECUTION_ID, sample_approval, sample_group, sample_state
from failoverctl.sim.slack_server import SlackServer

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_772_000_000.0
APPROVERS = ["U012ABCDEF"]


def original_blocks() -> list[dict[str, Any]]:
    view = Incident.from_state("approval", sample_state("approval"), sample_group(), EXECUTION_ID, None)
    return list(build_message(view, sample_approval())["blocks"])


def click(action_id: str = "approve", user: str = "U012ABCDEF", value: str | None = None) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "jane", "team_id": "T1"},
        "team": {"id": "T1"},
        "response_url": "https://hooks.slack.com/actions/T1/1/abc",
        "message": {"blocks": original_blocks()},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "approval",
                "value": value if value is not None else sample_approval().approval_id,
                "type": "button",
                "action_ts": "1772000000.1",
            }
        ],
    }


def signed(payload: Any, *, at: float = NOW, secret: str = SECRET) -> tuple[str, dict[str, str]]:
    body = urlencode({"payload": json.dumps(payload)})
    timestamp = str(int(at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}


def verify(body: str | bytes, headers: dict[str, str], approvers: Any = APPROVERS) -> Any:
    return verify_request(body, headers, signing_secret=SECRET, approvers=approvers, now=NOW)


def reason(err: pytest.ExceptionInfo[ApprovalError]) -> object:
    return err.value.details["reason"]


@pytest.mark.parametrize(("action_id", "approved"), [("approve", True), ("deny", False)])
def test_a_valid_click_from_an_approver_is_accepted(action_id: str, approved: bool) -> None:
    body, headers = signed(click(action_id))
    decision = verify(body, headers)
    assert decision.approved is approved
    assert decision.approval_id == sample_approval().approval_id
    assert decision.user_id == "U012ABCDEF"
    assert decision.by == "slack:U012ABCDEF (jane)"
    assert decision.response_url == "https://hooks.slack.com/actions/T1/1/abc"
    assert decision.original_blocks


def test_bytes_bodies_and_lower_case_headers_work() -> None:
    body, headers = signed(click())
    assert verify(body.encode(), {k.lower(): v for k, v in headers.items()}).approved


def test_a_tampered_body_is_rejected() -> None:
    body, headers = signed(click(user="U999OTHER"))
    tampered = body.replace("U999OTHER", "U012ABCDEF")
    with pytest.raises(ApprovalError) as err:
        verify(tampered, headers)
    assert reason(err) == "forged"


def test_a_wrong_signing_secret_is_rejected() -> None:
    body, headers = signed(click(), secret="another-secret")
    with pytest.raises(ApprovalError) as err:
        verify(body, headers)
    assert reason(err) == "forged"


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_a_stale_or_future_timestamp_is_rejected(age: int) -> None:
    body, headers = signed(click(), at=NOW - age)
    with pytest.raises(ApprovalError) as err:
        verify(body, headers)
    assert reason(err) == "stale"
    assert "stale" in err.value.message


def test_a_timestamp_just_inside_five_minutes_is_accepted() -> None:
    body, headers = signed(click(), at=NOW - 299)
    assert verify(body, headers).approved


def test_an_unknown_user_is_rejected() -> None:
    body, headers = signed(click(user="U999OTHER"))
    with pytest.raises(ApprovalError) as err:
        verify(body, headers)
    assert reason(err) == "not_approver"
    assert "U999OTHER" in err.value.message


def test_a_group_without_approvers_accepts_nobody() -> None:
    body, headers = signed(click())
    with pytest.raises(ApprovalError) as err:
        verify(body, headers, approvers=[])
    assert reason(err) == "not_approver"


def test_approvers_can_be_looked_up_by_approval_id() -> None:
    seen: list[str] = []

    def approvers(approval_id: str) -> list[str]:
        seen.append(approval_id)
        return APPROVERS

    body, headers = signed(click())
    assert verify(body, headers, approvers=approvers).approved
    assert seen == [sample_approval().approval_id]


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Slack-Signature": "v0=abc"}, {"X-Slack-Request-Timestamp": str(int(NOW))}],
)
def test_unsigned_requests_are_rejected(headers: dict[str, str]) -> None:
    with pytest.raises(ApprovalError) as err:
        verify("payload=%7B%7D", headers)
    assert reason(err) == "unsigned"


def test_a_non_numeric_timestamp_is_rejected() -> None:
    with pytest.raises(ApprovalError) as err:
        verify("payload=%7B%7D", {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=abc"})
    assert reason(err) == "malformed"


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"type": "view_submission"}, "no_action"),
        (
            {"type": "block_actions", "actions": [{"action_id": "other", "value": "x"}], "user": {"id": "U1"}},
            "no_action",
        ),
        (
            {"type": "block_actions", "actions": [{"action_id": "approve", "value": ""}], "user": {"id": "U1"}},
            "malformed",
        ),
        ({"type": "block_actions", "actions": [{"action_id": "approve", "value": "a"}], "user": "x"}, "malformed"),
        ([1, 2], "malformed"),
    ],
)
def test_clicks_that_are_not_ours_are_rejected(payload: Any, expected: str) -> None:
    body, headers = signed(payload)
    with pytest.raises(ApprovalError) as err:
        verify(body, headers)
    assert reason(err) == expected


def test_a_body_without_a_payload_field_is_rejected() -> None:
    body = "token=x"
    timestamp = str(int(NOW))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    with pytest.raises(ApprovalError) as err:
        verify(body, {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": str(signature)})
    assert reason(err) == "malformed"


@pytest.mark.parametrize("approved", [True, False])
def test_the_updated_message_replaces_the_buttons_with_who_decided(approved: bool) -> None:
    message = updated_message(original_blocks(), approved=approved, user_id="U012ABCDEF", at="2026-03-01T12:00:00Z")
    assert message["replace_original"] is True
    blocks = message["blocks"]
    assert not [b for b in blocks if b.get("block_id") in APPROVAL_BLOCK_IDS]
    assert not [b for b in blocks if b["type"] == "actions"]
    [decision] = [b for b in blocks if b.get("block_id") == "approval_decision"]
    word = "Approved" if approved else "Denied"
    assert f"*{word}* by <@U012ABCDEF> at 2026-03-01T12:00:00Z" in decision["text"]["text"]
    assert blocks[0]["type"] == "header"
    assert blocks[-1]["type"] == "context"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()


def test_the_updated_message_works_without_the_original() -> None:
    message = updated_message(None, approved=True, user_id="U1")
    assert len(message["blocks"]) == 1
    assert message["text"].startswith("Approved by <@U1> at ")


def test_the_rejection_reply_is_ephemeral() -> None:
    message = rejection_message("Slack user U9 is not an approver of this group")
    assert message["response_type"] == "ephemeral"
    assert message["replace_original"] is False


def test_respond_posts_to_the_response_url(slack_server: SlackServer) -> None:
    message = updated_message(original_blocks(), approved=True, user_id="U012ABCDEF")
    result = respond(slack_server.response_url, message, RetryPolicy(sleep=lambda _: None))
    assert result.ok
    assert slack_server.received[0]["replace_original"] is True
    assert slack_server.requests[0].path.startswith("/actions/")


def test_verification_does_not_depend_on_the_wall_clock_when_now_is_given() -> None:
    body, headers = signed(click(), at=time.time())
    with pytest.raises(ApprovalError):
        verify(body, headers)  # NOW is in the past relative to the signature
