"""Helpers for the CLI tests: run a command and read its JSON answer; the test plans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from failoverctl.cli import main

ROOT = Path(__file__).resolve().parents[2]
#: plans written for the tests (the shipped ones are in plans/)
TEST_PLANS = ROOT / "tests" / "plans"


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run ``failoverctl argv`` and return its exit code and the JSON it printed."""
    code = main(list(argv))
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return code, data


def plan_path(name: str) -> str:
    """The path of a plan in tests/plans, as the CLI takes it."""
    return str(TEST_PLANS / name)


def simulated_seconds(body: dict[str, Any]) -> dict[str, Any]:
    """A drill's ``simulated_seconds`` held to its contract: the figures in order, each null one with a reason."""
    seconds: dict[str, Any] = body["simulated_seconds"]
    figures = ("decision", "first_change", "recovery")
    assert set(seconds) == {*figures, "reasons"}
    reached = [seconds[f] for f in figures if seconds[f] is not None]
    assert reached == sorted(reached)
    assert set(seconds["reasons"]) == {f for f in figures if seconds[f] is None}
    assert all(isinstance(why, str) and why for why in seconds["reasons"].values())
    return seconds
