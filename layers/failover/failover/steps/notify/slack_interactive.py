"""Approval from Slack: verify a button click, check the person, and update the message.

Slack posts a click on Approve or Deny to the app's *request URL* (the approve function's URL) as
``application/x-www-form-urlencoded`` with one field, ``payload`` (JSON), signed with the app's
signing secret (``X-Slack-Signature``, ``X-Slack-Request-Timestamp``). ``verify_request`` refuses
unsigned, tampered and stale (over five minutes) requests, clicks that are not ours, and people who
are not in the group's ``approvers``; it raises ``ApprovalError`` with a ``reason`` in its details.
The approve function then resumes the execution and posts ``updated_message(...)`` to the
interaction's ``response_url``, replacing the buttons with who decided and when.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field
from slack_sdk.models.blocks import SectionBlock
from slack_sdk.signature import Clock, SignatureVerifier

from failover.errors import ApprovalError
from failover.models import iso
from failover.steps.notify.slack_blocks import (
    APPROVAL_BLOCK_IDS,
    APPROVE_ACTION_ID,
    DENY_ACTION_ID,
    MAX_FALLBACK_TEXT,
    esc,
    fit_blocks,
    mrkdwn,
)
from failover.steps.notify.slack_webhook import RetryPolicy, SendResult, SlackWebhook

MAX_AGE_SECONDS = 300
MAX_BODY_BYTES = 1024 * 1024

Approvers = Iterable[str] | Callable[[str], Iterable[str]]


class SlackDecision(BaseModel):
    """A verified click: which approval, approved or denied, and by whom."""

    model_config = ConfigDict(frozen=True)

    approval_id: str
    approved: bool
    user_id: str
    user_name: str | None = None
    team_id: str | None = None
    response_url: str | None = Field(default=None, repr=False)
    action_ts: str | None = None
    original_blocks: list[dict[str, Any]] = Field(default_factory=list, repr=False)

    @property
    def by(self) -> str:
        """Who decided, for the execution's output: ``slack:<user id> (<name>)``."""
        return f"slack:{self.user_id}" + (f" ({self.user_name})" if self.user_name else "")


class _FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def _reject(message: str, reason: str, **details: object) -> ApprovalError:
    return ApprovalError(message, reason=reason, **details)


def verify_request(
    body: str | bytes,
    headers: Mapping[str, str] | None,
    *,
    signing_secret: str,
    approvers: Approvers,
    now: float | None = None,
    max_age_seconds: int = MAX_AGE_SECONDS,
) -> SlackDecision:
    """The verified decision in a Slack interaction request, or ``ApprovalError`` saying why not.

    ``approvers`` is the group's list, or a function from the approval id to that list (the group
    is known only once the approval is looked up).
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
    if len(raw) > MAX_BODY_BYTES:
        raise _reject("the request body is too large", "malformed")
    lower = {str(k).lower(): str(v) for k, v in (headers or {}).items()}
    timestamp = lower.get("x-slack-request-timestamp")
    signature = lower.get("x-slack-signature")
    if not timestamp or not signature:
        raise _reject("the request is not signed by Slack (no signature headers)", "unsigned")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise _reject("the request's Slack timestamp is not a number", "malformed") from None
    current = now if now is not None else datetime.now(UTC).timestamp()
    if abs(current - sent_at) > max_age_seconds:
        raise _reject(
            f"the request is stale: signed {int(abs(current - sent_at))} s ago, more than {max_age_seconds} s",
            "stale",
        )
    if not signing_secret:
        raise _reject("no Slack signing secret is configured", "config")
    verifier = SignatureVerifier(signing_secret, clock=_FixedClock(current))
    if not verifier.is_valid(body=raw, timestamp=timestamp, signature=signature):
        raise _reject("the Slack signature does not match the request", "forged")

    payload = _payload(raw)
    if payload.get("type") != "block_actions":
        raise _reject(f"not a button click (type {payload.get('type')!r})", "no_action")
    action = next(
        (
            a
            for a in payload.get("actions") or []
            if isinstance(a, dict) and a.get("action_id") in {APPROVE_ACTION_ID, DENY_ACTION_ID}
        ),
        None,
    )
    if action is None:
        raise _reject("the click is not on Approve or Deny", "no_action")
    approval_id = action.get("value")
    if not isinstance(approval_id, str) or not approval_id:
        raise _reject("the button carries no approval id", "malformed")
    user: dict[str, Any] = payload["user"] if isinstance(payload.get("user"), dict) else {}
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id:
        raise _reject("the click names no Slack user", "malformed")
    allowed = set(approvers(approval_id) if callable(approvers) else approvers)
    if user_id not in allowed:
        raise _reject(
            f"Slack user {user_id} is not an approver of this group",
            "not_approver",
            user=user_id,
            approval_id=approval_id,
        )
    message: dict[str, Any] = payload["message"] if isinstance(payload.get("message"), dict) else {}
    blocks = message.get("blocks")
    team: dict[str, Any] = payload["team"] if isinstance(payload.get("team"), dict) else {}
    return SlackDecision(
        approval_id=approval_id,
        approved=action.get("action_id") == APPROVE_ACTION_ID,
        user_id=user_id,
        user_name=_str(user.get("username")) or _str(user.get("name")),
        team_id=_str(team.get("id")),
        response_url=_str(payload.get("response_url")),
        action_ts=_str(action.get("action_ts")),
        original_blocks=[b for b in blocks if isinstance(b, dict)] if isinstance(blocks, list) else [],
    )


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _payload(raw: bytes) -> dict[str, Any]:
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        payload = json.loads(form["payload"][0])
    except (UnicodeDecodeError, KeyError, IndexError, ValueError):
        raise _reject("the request has no valid 'payload' form field", "malformed") from None
    if not isinstance(payload, dict):
        raise _reject("the request's payload is not a JSON object", "malformed")
    return payload


def updated_message(
    original_blocks: list[dict[str, Any]] | None,
    *,
    approved: bool,
    user_id: str,
    at: str | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """The message that replaces the approval request: same content, buttons replaced by the decision."""
    when = at or iso()
    word = "Approved" if approved else "Denied"
    mark = ":white_check_mark:" if approved else ":x:"
    who = f"<@{esc(user_id)}>"
    text = f"{mark} *{word}* by {who} at {esc(when)}"
    if detail:
        text += f"\n{esc(detail)}"
    kept = [b for b in (original_blocks or []) if b.get("block_id") not in APPROVAL_BLOCK_IDS]
    decision = SectionBlock(block_id="approval_decision", text=mrkdwn(text)).to_dict()
    # the decision goes where the buttons were: before the trailing divider and context
    insert_at = len(kept)
    while insert_at > 0 and kept[insert_at - 1].get("type") in {"divider", "context"}:
        insert_at -= 1
    blocks = fit_blocks([*kept[:insert_at], decision, *kept[insert_at:]])
    return {
        "replace_original": True,
        "text": f"{word} by {who} at {when}"[:MAX_FALLBACK_TEXT],
        "blocks": blocks,
    }


def rejection_message(reason: str) -> dict[str, Any]:
    """An ephemeral reply to the person who clicked, saying why the click was refused."""
    return {
        "response_type": "ephemeral",
        "replace_original": False,
        "text": f":no_entry: Not accepted: {esc(reason)}"[:MAX_FALLBACK_TEXT],
    }


def respond(response_url: str, message: dict[str, Any], policy: RetryPolicy | None = None) -> SendResult:
    """Post ``message`` to an interaction's ``response_url`` (retried; the URL is never logged)."""
    return SlackWebhook(response_url, policy).send(message)
