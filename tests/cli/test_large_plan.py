"""A large plan either drills within AWS's quotas or ``plan check`` refuses it naming the quota."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from failover.plan import load_plan
from failoverctl.cli import main
from failoverctl.drill import run_scenario
from failoverctl.scenarios import SCENARIOS
from failoverctl.sim.limits import QUOTAS, largest_state_bytes
from failoverctl.template import ROOT


def large_plan(path: Path, *, stages: int, per_stage: int, attempts: int) -> Path:
    """The web group with ``stages`` x ``per_stage`` record actions and ``attempts`` verification attempts."""
    plan: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "plans" / "web.yaml").read_text())
    group = plan["groups"][0]
    group["verification"] = {"attempts": attempts, "interval_seconds": 15}
    group["stages"] = [
        {
            "name": f"stage-{s}",
            "actions": [
                {
                    "type": "route53_records",
                    "name": f"dns-{s}-{a}",
                    "hosted_zone_id": "Z0EXAMPLE12345",
                    "record_name": f"app-{s}-{a}.example.com",
                    "record_type": "CNAME",
                    "ttl": 60,
                    "primary": {"values": [f"web-use1-{s}-{a}.example.com"]},
                    "secondary": {"values": [f"web-usw2-{s}-{a}.example.com"]},
                }
                for a in range(per_stage)
            ],
        }
        for s in range(stages)
    ]
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def test_plan_check_refuses_a_plan_whose_runs_could_outgrow_the_state_payload_quota(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given 40 actions in four stages, each stage allowed 100 verification attempts
    path = large_plan(tmp_path / "huge.yaml", stages=4, per_stage=10, attempts=100)
    # When checked
    code = main(["plan", "check", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    # Then it is refused, naming the group and the quota it would break
    assert code == 1
    assert out["error"] == "QuotaExceeded"
    assert any("group web" in p and str(QUOTAS["sfn_payload"].value) in p for p in out["problems"])


def test_plan_check_refuses_a_record_set_over_the_change_batch_quota(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = large_plan(tmp_path / "wide.yaml", stages=1, per_stage=1, attempts=3)
    plan = yaml.safe_load(path.read_text())
    action = plan["groups"][0]["stages"][0]["actions"][0]
    action["record_type"] = "A"
    action["primary"]["values"] = [f"10.0.{i // 250}.{i % 250}" for i in range(300)]
    action["secondary"]["values"] = [f"10.1.{i // 250}.{i % 250}" for i in range(300)]
    path.write_text(yaml.safe_dump(plan))
    assert main(["plan", "check", str(path)]) == 1
    assert "ChangeResourceRecordSets" in capsys.readouterr().err


def test_the_shipped_plans_are_within_every_quota(capsys: pytest.CaptureFixture[str]) -> None:
    for path in sorted((ROOT / "plans").glob("*.yaml")):
        assert main(["plan", "check", str(path)]) == 0, capsys.readouterr().err


@pytest.mark.slow
def test_a_large_plan_within_the_quotas_drills_green_and_under_the_bound(tmp_path: Path) -> None:
    # Given 40 actions in four stages, twelve verification attempts each: accepted by plan check
    path = large_plan(tmp_path / "large.yaml", stages=4, per_stage=10, attempts=12)
    assert main(["plan", "check", str(path)]) == 0
    bound = largest_state_bytes(load_plan(str(path)).groups[0])
    assert bound <= QUOTAS["sfn_payload"].value
    # When the primary-outage drill runs it with every quota enforced
    report = run_scenario(SCENARIOS["primary-outage"], plan=path, slack=False)
    # Then it succeeds, every stage verified, and the final state is within the bound plan check used
    assert report.problems == []
    assert len(report.to_json()["actions"]) == 40
    final = json.dumps(report.to_json()["final_state"], separators=(",", ":")).encode()
    assert len(final) <= bound
