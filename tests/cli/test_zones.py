"""The simulated AWS builds a plan's load balancers and fleets in the Availability Zones its region has:
their letters differ by region (ap-northeast-1 has a, c and d), so a drill of a plan there must not
assume ``a`` and ``b``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_a_region_evacuation_drills_in_regions_without_a_zone_b(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (ROOT / "plans" / "region-evacuation.yaml").read_text()
    plan = tmp_path / "tokyo.yaml"
    plan.write_text(text.replace("us-east-1", "ap-southeast-2").replace("us-west-2", "ap-northeast-1"))
    code = main(["drill", "--plan", str(plan), "--scenario", "primary-outage", "--json"])
    body = json.loads(capsys.readouterr().out)
    assert code == 0, body["problems"]
    assert body["passed"] is True
    changed = {a["action"]: a["status"] for a in body["actions"]}
    assert changed["elb_weights"] == changed["asg_capacity"] == "changed"
