"""``failoverctl plan evaluate`` and the ``plan-drift`` scenario: the account drifts from the plan and it shows.

Given the simulated estate and the plan discovered from it, the evaluation finds nothing;
When the standby's fleet limit, the standby region's quota, an alarm and a replica drift,
Then ``plan evaluate`` exits 1 naming each; and the ``plan-drift`` drill finds every kind of finding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from failover.readiness.findings import KINDS
from failoverctl.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def estate(sim: Any, tmp_path: Path) -> dict[str, Any]:
    from failover.infra.clients import Clients
    from failoverctl.discover.draft import draft_plan
    from failoverctl.discover.scan import Scanner
    from failoverctl.sim.estate import seed_estate

    clients = Clients()
    seed_estate(clients, sim)
    text, _notes = draft_plan(Scanner(clients, ["us-east-1", "us-west-2"]).scan(), generated="test")
    path = tmp_path / "draft.yaml"
    path.write_text(text)
    return {"path": path, "clients": clients, "sim": sim}


def _evaluate(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["plan", "evaluate", str(path), "--region", "us-east-1", "--json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_the_discovered_plan_evaluates_clean(estate: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    code, result = _evaluate(estate["path"], capsys)
    assert result["findings"] == []
    assert code == 0
    assert result["checks"] > 20
    assert result["notes"] == ["IAM not checked: pass --stack or --role-arn"]


def test_drift_is_reported_with_exit_1(estate: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    from failoverctl.sim.extensions import dynamodb as dynamodb_ext
    from failoverctl.sim.extensions import inventory

    clients = estate["clients"]
    clients.get("autoscaling", "us-east-1").update_auto_scaling_group(
        AutoScalingGroupName="checkout-use1", MaxSize=30, DesiredCapacity=20
    )
    inventory.set_quota(estate["sim"], "us-west-2", "ec2", "L-1216C47A", 16)
    clients.get("cloudwatch", "us-west-2").delete_alarms(AlarmNames=["checkout-usw2-cpu"])
    dynamodb_ext.set_replica_status(estate["sim"], "checkout-sessions", "us-west-2", "UPDATING")
    web_hc = next(
        line.split('"')[1] for line in estate["path"].read_text().splitlines() if "of the failover record" in line
    )
    clients.get("route53").delete_health_check(HealthCheckId=web_hc)

    code, result = _evaluate(estate["path"], capsys, "--group", "checkout")
    assert code == 1
    kinds = {(f["kind"], f["resource"]) for f in result["findings"]}
    assert ("standby_capacity", "checkout-usw2") in kinds
    assert ("service_quota", "ec2/L-1216C47A (us-west-2)") in kinds
    assert ("missing", "alarm checkout-usw2-cpu (us-west-2)") in kinds
    assert ("replication", "table checkout-sessions") in kinds
    quota = next(f for f in result["findings"] if f["kind"] == "service_quota")
    assert "20 x t3.micro need 40 On-Demand vCPUs" in quota["detail"]
    assert {f["group"] for f in result["findings"]} == {"checkout"}

    code, result = _evaluate(estate["path"], capsys)
    web = [f for f in result["findings"] if f["group"] == "web"]
    assert code == 1
    assert {f["kind"] for f in web} == {"missing"}
    assert any(web_hc in f["resource"] for f in web)


def test_an_unknown_group_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["plan", "evaluate", str(ROOT / "plans" / "example.yaml"), "--group", "nope", "--json"])
    assert code == 2
    assert json.loads(capsys.readouterr().out)["error"] == "UnknownGroupError"


@pytest.mark.slow
def test_the_plan_drift_drill_finds_every_kind() -> None:
    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS

    report = run_scenario(SCENARIOS["plan-drift"], slack=True)
    assert report.problems == []
    runs = report.extra["evaluation"]
    assert report.extra["broken"] == sorted(KINDS)
    assert runs["intact"]["findings"] == []
    assert sorted({f["kind"] for f in runs["drifted"]["findings"]}) == sorted(KINDS)
    assert runs["drifted"]["notified"]["sns"].startswith("failed")  # the topic was deleted
    assert runs["again"]["notified"] == {}
