"""The scenarios hold on a team's own plan, not only on the shipped examples (``--plan``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

PLAN = Path(__file__).resolve().parents[1] / "plans" / "mixed.yaml"

ANY_PLAN = [
    "primary-outage",
    "flapping",
    "secondary-unhealthy",
    "already-failed-over",
    "cooldown",
    "paused",
    "concurrent-alarms",
    "stale-lock",
    "dry-run",
    "failback",
    "stage-failure",
    "route53-throttled",
    "verify-never-converges",
    "crash-mid-failover",
]


@pytest.mark.parametrize("name", ANY_PLAN)
def test_scenario_on_a_plan_with_every_layer(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code = main(["drill", "--scenario", name, "--plan", str(PLAN), "--json", "--no-slack"])
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    assert data["incident_id"].startswith("payments-")
