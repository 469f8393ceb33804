"""``failoverctl plan rto FILE``: the breakdown printed follows from the plan's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from failoverctl.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "plans" / "example.yaml"

PLAN_YAML = (Path(__file__).resolve().parents[1] / "plans" / "web.yaml").read_text()


@pytest.fixture
def web_plan_file(tmp_path: Path) -> Path:
    """A plan with one group, web: 30-second health checks, threshold 3, RTO objective 600 s."""
    path = tmp_path / "web.yaml"
    path.write_text(PLAN_YAML)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["plan", "rto", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_the_shipped_example_plan_is_estimated(capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run_json(capsys, str(EXAMPLE))
    assert code == 0
    assert body["groups"]
    assert all(g["total_seconds"] > 0 and g["critical_path"] for g in body["groups"])


def test_plan_prints_a_breakdown(web_plan_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # When the plan is estimated as text
    assert main(["plan", "rto", str(web_plan_file)]) == 0
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


def test_json_total_moves_with_the_health_check_interval(
    web_plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the plan and a copy with 10-second health checks
    code, slow = run_json(capsys, str(web_plan_file))
    data = yaml.safe_load(web_plan_file.read_text())
    data["groups"][0]["detection"]["health_check_interval_seconds"] = 10
    fast_file = tmp_path / "fast.yaml"
    fast_file.write_text(yaml.safe_dump(data))
    code_fast, fast = run_json(capsys, str(fast_file))
    # Then the estimate drops by exactly (30 - 10) x 3 seconds
    assert code == code_fast == 0
    assert slow["groups"][0]["total_seconds"] - fast["groups"][0]["total_seconds"] == 60
    assert slow["groups"][0]["suggestion"]["saves_seconds"] == 60
    assert slow["groups"][0]["objective_seconds"] == 600


def test_one_group_and_unknown_group(web_plan_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, body = run_json(capsys, str(web_plan_file), "--group", "web")
    assert code == 0
    assert [g["group"] for g in body["groups"]] == ["web"]
    code, body = run_json(capsys, str(web_plan_file), "--group", "nope")
    assert code == 2
    assert body["error"] == "UnknownGroup"
    assert body["known"] == ["web"]


def test_invalid_plan_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: []\n")
    assert main(["plan", "rto", str(bad)]) == 2
    assert "groups" in capsys.readouterr().err


def test_a_group_with_signals_prints_the_corroborated_case_beside_the_worst_case(
    capsys: pytest.CaptureFixture[str],
) -> None:
    plan = str(EXAMPLE.parent / "fast-data-plane.yaml")
    assert main(["plan", "rto", plan]) == 0
    out = capsys.readouterr().out
    # 30 s detection + 30 s confirmation + 8 s orchestration + 30 s routing control + 10 s TTL
    assert "storefront: worst case 108 s" in out
    assert "corroborated: 88 s, meets the objective (margin +32 s)" in out
    code, body = run_json(capsys, plan)
    assert code == 0
    assert body["groups"][0]["corroborated"]["total_seconds"] == 88.0
    assert body["groups"][0]["corroborated"]["confirmation_seconds"] == 10.0
