"""The container-era region evacuation holds on a team's plan in other regions and another account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

PLAN = Path(__file__).resolve().parents[1] / "plans" / "containers-eu.yaml"


@pytest.mark.parametrize("name", ["region-evacuation-containers", "stage-failure"])
def test_scenario_on_a_plan_in_eu_regions_and_another_account(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code = main(["drill", "--scenario", name, "--plan", str(PLAN), "--group", "storefront", "--json", "--no-slack"])
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    changed = [a for a in data["actions"] if a["status"] == "changed"]
    assert changed
    assert all("eu-central-1" in a["detail"] for a in changed), changed
