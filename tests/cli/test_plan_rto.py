"""``failoverctl plan rto FILE``: the breakdown printed follows from the plan's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from failoverctl.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "plans" / "example.yaml"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["plan", "rto", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_example_plan_prints_a_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    # When the example plan is estimated as text
    assert main(["plan", "rto", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    # Then each part, the critical path, the dominating setting and the best cut are named
    for text in (
        "web: worst case",
        "detection",
        "confirmation",
        "orchestration",
        "stage dns",
        "dns ttl",
        "critical path:",
        "dominated by: detection",
        "cut it most: detection.health_check_interval_seconds",
    ):
        assert text in out


def test_json_total_moves_with_the_health_check_interval(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Given the example plan and a copy with 10-second health checks
    code, slow = run_json(capsys, str(EXAMPLE))
    data = yaml.safe_load(EXAMPLE.read_text())
    data["groups"][0]["detection"]["health_check_interval_seconds"] = 10
    fast_file = tmp_path / "fast.yaml"
    fast_file.write_text(yaml.safe_dump(data))
    code_fast, fast = run_json(capsys, str(fast_file))
    # Then the estimate drops by exactly (30 - 10) x 3 seconds
    assert code == code_fast == 0
    assert slow["groups"][0]["total_seconds"] - fast["groups"][0]["total_seconds"] == 60
    assert slow["groups"][0]["suggestion"]["saves_seconds"] == 60
    assert slow["groups"][0]["objective_seconds"] == 600


def test_one_group_and_unknown_group(capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run_json(capsys, str(EXAMPLE), "--group", "web")
    assert code == 0
    assert [g["group"] for g in body["groups"]] == ["web"]
    code, body = run_json(capsys, str(EXAMPLE), "--group", "nope")
    assert code == 2
    assert body["error"] == "UnknownGroup"
    assert body["known"] == ["web"]


def test_invalid_plan_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: []\n")
    assert main(["plan", "rto", str(bad)]) == 2
    assert "groups" in capsys.readouterr().err
