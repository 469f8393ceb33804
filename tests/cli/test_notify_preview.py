"""``failoverctl notify preview``: every message type, readable and as Block Kit JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from failover.steps.notify.messages import PHASES
from failoverctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_preview_prints_every_phase_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "preview"]) == 0
    out = capsys.readouterr().out
    for phase in PHASES:
        assert f"== {phase} (" in out
    assert "[ Approve ]  [ Deny ]" in out
    assert "Subject: Failover FAILED: web" in out
    assert "Attributes: group=web, phase=failed, severity=critical" in out
    assert "What to do next:" in out


def test_preview_json_has_valid_block_kit_for_every_phase(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "preview", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["phase"] for m in data["messages"]] == list(PHASES)
    for message in data["messages"]:
        assert message["slack"]["text"]
        assert 0 < len(message["slack"]["blocks"]) <= 50
        for raw in message["slack"]["blocks"]:
            block = Block.parse(raw)
            assert block is not None
            block.validate_json()
        assert message["sns"]["attributes"]["phase"] == message["phase"]


@pytest.mark.parametrize("phase", PHASES)
def test_preview_one_phase(phase: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "preview", "--phase", phase, "--json"]) == 0
    [message] = json.loads(capsys.readouterr().out)["messages"]
    assert message["phase"] == phase


def test_preview_dry_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "preview", "--phase", "started", "--dry-run"]) == 0
    assert "[DRY RUN] Failover STARTED: web" in capsys.readouterr().out


def test_preview_with_the_plan_group(capsys: pytest.CaptureFixture[str]) -> None:
    plan = ROOT / "plans" / "example.yaml"
    assert main(["notify", "preview", "--phase", "succeeded", "--plan", str(plan), "--group", "web", "--json"]) == 0
    [message] = json.loads(capsys.readouterr().out)["messages"]
    assert "wiki.example.com/runbooks/web-failover" in json.dumps(message["slack"])


def test_preview_of_the_sample_event_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["notify", "preview", "--state", str(ROOT / "events" / "notify_sample_state.json"), "--json"]) == 0
    [message] = json.loads(capsys.readouterr().out)["messages"]
    assert message["phase"] == "failed"
    assert message["status"] == "FAILED"


def test_an_unknown_group_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    plan = ROOT / "plans" / "example.yaml"
    assert main(["notify", "preview", "--plan", str(plan), "--group", "nope", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["error"] == "UnknownGroupError"


def test_an_unreadable_state_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "state.json"
    bad.write_text("{not json")
    assert main(["notify", "preview", "--state", str(bad)]) == 1
    assert "cannot read a JSON state" in capsys.readouterr().err


def test_an_unknown_phase_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["notify", "preview", "--phase", "exploded"])
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_preview_shows_the_signals_table_the_gate_decided_on(capsys: pytest.CaptureFixture[str]) -> None:
    # Given the sample incident, decided by a quorum of signals 10 s into its 60 s confirmation wait
    assert main(["notify", "preview", "--phase", "started"]) == 0
    out = capsys.readouterr().out
    # Then every signal, what it says, its weight and whether it counted are in the message, and the target
    assert "Signals (corroborated): weight 2 of the quorum 2 says the primary is down, 1 that it is up" in out
    assert "10 s of the 60 s confirmation wait" in out
    for row in (
        "trigger alarms: down (weight 1, counted)",
        "health check 55555555-5555-4555-8555-555555555555: down (weight 1, counted)",
        "canary web-primary-canary: up (weight 1, not counted)",
        "target side health: healthy (weight required, counted)",
    ):
        assert row in out
