"""The container-era region evacuation holds on a team's plan in other regions and another account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

PLAN = Path(__file__).resolve().parents[1] / "plans" / "containers-eu.yaml"


@pytest.mark.parametrize(
    "name", ["region-evacuation-containers", "stage-failure", "dry-run", "already-failed-over", "failback"]
)
def test_scenario_on_a_plan_in_eu_regions_and_another_account(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code = main(["drill", "--scenario", name, "--plan", str(PLAN), "--group", "storefront", "--json", "--no-slack"])
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    changed = [a for a in data["actions"] if a["status"] == "changed"]
    if name == "failback":  # back to eu-west-1; the standby capacity stays as it is
        assert {a["name"] for a in changed} == {"catalog-db", "sessions-cache", "order-consumers"}
        assert all("eu-west-1" in a["detail"] for a in changed), changed
    elif name == "dry-run":
        assert {a["status"] for a in data["actions"]} == {"dry_run"}
        assert len(data["actions"]) == 5
    elif name == "already-failed-over":
        assert data["actions"] == []
    else:
        assert changed
        assert all("eu-central-1" in a["detail"] for a in changed), changed
