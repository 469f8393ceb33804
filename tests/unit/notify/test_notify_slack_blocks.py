"""Block Kit messages: valid for slack-sdk's models and inside Slack's limits, whatever the input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from slack_sdk.models.blocks import Block

from failover.steps.notify.messages import PHASES, ApprovalLinks, Incident
from failover.steps.notify.slack_blocks import APPROVAL_BLOCK_ID, MAX_BLOCKS, build_message, fallback_text
from failoverctl.preview.sample import EXECUTION_ID, sample_approval, sample_group, sample_state
from failoverctl.preview.terminal import render_terminal

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


def message_for(
    phase: str, state: dict[str, Any] | None = None, approval: ApprovalLinks | None = None
) -> dict[str, Any]:
    state = sample_state(phase, NOW) if state is None else state
    view = Incident.from_state(phase, state, sample_group(), EXECUTION_ID, "us-east-1", now=NOW)
    if approval is None and phase == "approval":
        approval = sample_approval()
    return build_message(view, approval)


def texts(obj: Any) -> list[str]:
    """Every ``text`` string in a block tree."""
    found: list[str] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key == "text" and isinstance(value, str):
                found.append(value)
            else:
                found += texts(value)
    elif isinstance(obj, list):
        for item in obj:
            found += texts(item)
    return found


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    """slack-sdk validates each block; the limits it does not check are checked here."""
    blocks = message["blocks"]
    assert 0 < len(blocks) <= MAX_BLOCKS
    assert 0 < len(message["text"]) <= 3000
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.validate_json()  # raises SlackObjectFormationError when a limit is broken
        assert block.to_dict() == raw
        kind = raw["type"]
        if kind == "header":
            assert len(raw["text"]["text"]) <= 150
            assert raw["text"]["type"] == "plain_text"
        if kind == "section":
            assert "text" in raw or "fields" in raw
            if "text" in raw:
                assert 0 < len(raw["text"]["text"]) <= 3000
            assert len(raw.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in raw.get("fields", []))
        if kind == "context":
            assert 0 < len(raw["elements"]) <= 10
            assert all(len(e["text"]) <= 2000 for e in raw["elements"])
        if kind == "actions":
            assert len(raw["elements"]) <= 25
            for button in raw["elements"]:
                assert len(button["text"]["text"]) <= 75
                assert len(button.get("value", "")) <= 2000
        if "block_id" in raw:
            assert len(raw["block_id"]) <= 255
    assert len(json.dumps(message)) < 40_000


@pytest.mark.parametrize("phase", PHASES)
def test_every_message_type_is_valid_block_kit(phase: str) -> None:
    message = message_for(phase)
    assert_within_slack_limits(message)
    assert message["blocks"][0]["type"] == "header"
    assert message["text"]


@pytest.mark.parametrize("phase", PHASES)
def test_dry_run_messages_say_dry_run(phase: str) -> None:
    state = sample_state(phase, NOW)
    state["request"]["dry_run"] = True
    message = message_for(phase, state)
    assert "DRY RUN" in message["blocks"][0]["text"]["text"]
    assert "DRY RUN" in message["text"]
    assert "DRY RUN" in message["blocks"][1]["text"]["text"]


def test_approval_message_carries_approve_and_deny_buttons_with_the_approval_id() -> None:
    message = message_for("approval")
    [actions] = [b for b in message["blocks"] if b.get("block_id") == APPROVAL_BLOCK_ID]
    buttons = {e["action_id"]: e for e in actions["elements"]}
    assert set(buttons) == {"approve", "deny"}
    assert {b["value"] for b in buttons.values()} == {sample_approval().approval_id}
    assert buttons["approve"]["style"] == "primary"
    assert buttons["deny"]["style"] == "danger"
    assert "confirm" in buttons["approve"]
    signed = " ".join(texts(message["blocks"]))
    assert "SAMPLE-APPROVE-TOKEN" in signed
    assert "SAMPLE-DENY-TOKEN" in signed


def test_approval_message_without_links_still_has_buttons() -> None:
    message = message_for("approval", approval=ApprovalLinks(approval_id="abc"))
    assert any(b.get("block_id") == APPROVAL_BLOCK_ID for b in message["blocks"])
    assert_within_slack_limits(message)


@pytest.mark.parametrize("phase", [p for p in PHASES if p != "approval"])
def test_other_messages_have_no_buttons(phase: str) -> None:
    assert not [b for b in message_for(phase, approval=sample_approval())["blocks"] if b["type"] == "actions"]


def huge_state(phase: str, *, checks: int = 5000, actions: int = 3000, chars: int = 100_000) -> dict[str, Any]:
    state = sample_state(phase, NOW)
    big = "x" * chars
    state["request"]["trigger"]["reason"] = big
    state["request"]["trigger"]["alarm_name"] = "a" * 2000
    decision = state.setdefault("gate", {}).setdefault("decision", {})  # a rejected request has no gate
    decision["reason"] = big
    decision["checks"] = [
        {"name": f"check-{i}-" + "n" * 200, "ok": i % 3 != 0, "detail": "d" * 5000} for i in range(checks)
    ]
    state["cursor"] = {
        "stage": {"name": "stage-0"},
        "completed": [
            {
                "name": f"action-{i}",
                "stage": f"stage-{i % 7}",
                "action": "route53_records",
                "target": "t" * 3000,
                "status": "failed" if i == actions - 1 else "changed",
                "detail": big[:10_000],
                "error": "e" * 4000,
            }
            for i in range(actions)
        ],
        "verification": {"ok": False, "attempt": 3, "max_attempts": 10, "checks": decision["checks"]},
    }
    state["error"] = {"Error": "E" * 500, "Cause": big}
    return state


@pytest.mark.parametrize("phase", PHASES)
def test_huge_inputs_are_truncated_with_a_marker_never_rejected(phase: str) -> None:
    message = message_for(
        phase, huge_state(phase), ApprovalLinks(approval_id="i" * 2000, approve_url="https://a/" + "u" * 5000)
    )
    assert_within_slack_limits(message)
    body = " ".join(texts(message["blocks"]))
    assert "truncated" in body
    assert "more checks" in body


def test_when_actions_are_cut_the_failed_one_is_still_shown() -> None:
    message = message_for("failed", huge_state("failed", checks=3, actions=2000, chars=100))
    body = " ".join(texts(message["blocks"]))
    assert f"action-{1999}" in body
    assert "more actions" in body


def test_approval_buttons_survive_truncation() -> None:
    message = message_for("approval", huge_state("approval"))
    assert any(b.get("block_id") == APPROVAL_BLOCK_ID for b in message["blocks"])


def test_user_content_cannot_mention_or_link() -> None:
    state = sample_state("failed", NOW)
    state["request"]["trigger"]["reason"] = "<!channel> click <https://evil.example|here> & more"
    message = message_for("failed", state)
    body = " ".join(texts(message["blocks"]))
    assert "<!channel>" not in body
    assert "&lt;!channel&gt;" in body
    assert "<https://evil.example|here>" not in body


def test_fallback_text_is_plain_and_short() -> None:
    state = huge_state("failed")
    view = Incident.from_state("failed", state, sample_group(), EXECUTION_ID, None, now=NOW)
    text = fallback_text(view)
    assert len(text) <= 3000
    assert text.startswith("<!subteam^S012ONCALL> Failover FAILED")


def test_terminal_rendering_shows_the_buttons() -> None:
    out = render_terminal(message_for("approval"))
    assert "[ Approve ]  [ Deny ]" in out
    assert "Failover APPROVAL NEEDED: web" in out
