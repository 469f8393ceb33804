"""``failoverctl plan lint FILE [--json]``: exit 0 without errors, 1 with any."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli.helpers import plan_path, run_json

from failoverctl.cli import main

ROOT = Path(__file__).resolve().parents[2]
EVACUATION = str(ROOT / "plans" / "region-evacuation.yaml")


def test_a_plan_without_errors_exits_0_and_lists_each_control_plane_call(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "lint", EVACUATION])
    out = capsys.readouterr().out
    assert code == 0
    assert "0 error" in out
    assert "group checkout: us-east-1 -> us-west-2" in out
    assert "SwitchoverGlobalCluster (control, us-west-2)" in out
    assert "alternative:" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "lint", EVACUATION, "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0
    assert doc["ok"] is True
    assert doc["summary"]["error"] == 0
    assert {f["action"] for f in doc["findings"]} == {
        "checkout-db",
        "checkout-fleet",
        "checkout-routing",
        "checkout-lb",
    }
    assert set(doc["findings"][0]) >= {"group", "stage", "action", "plane", "service", "api", "region", "severity"}


def test_errors_exit_1_and_name_the_alternative(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "plan", "lint", plan_path("leaving-east-with-route53.yaml"), "--json")
    assert code == 1
    assert doc["ok"] is False
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    assert [(f["stage"], f["api"]) for f in errors] == [("dns", "ChangeResourceRecordSets")]
    assert "route53_metric_switch" in errors[0]["alternative"]
    assert any(f["stage"] == "trigger" for f in doc["findings"])


def test_failback_direction(capsys: pytest.CaptureFixture[str]) -> None:
    # Failing back, us-west-2 is the region being left: its load balancer is on that path
    code = main(["plan", "lint", EVACUATION, "--direction", "failback"])
    out = capsys.readouterr().out
    assert code == 1
    assert "group checkout: us-west-2 -> us-east-1" in out
    assert "ERROR   traffic/checkout-lb: elasticloadbalancing ModifyListener (control, us-west-2)" in out


def test_an_invalid_plan_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "bad.yaml"
    plan.write_text("groups: []\n")
    assert main(["plan", "lint", str(plan)]) == 1
    assert "invalid" in capsys.readouterr().err
