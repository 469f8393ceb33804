"""``switchover-blocked-escalates``: the primary's region is impaired and AWS refuses the Aurora switchover.

The shipped plan escalates after a person's approval; the variants run the same drill on a copy of the
plan whose group escalates automatically or never, and with a person who denies the escalation.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.cli.helpers import simulated_seconds

from failoverctl.cli import main
from failoverctl.drill import DrillReport, run_scenario
from failoverctl.scenarios import SCENARIOS
from failoverctl.scenarios.policy import WORLD_LAG_SECONDS
from failoverctl.template import ROOT

NAME = "switchover-blocked-escalates"
PRIMARY_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:checkout-use1"


def _plan(tmp_path: Path, escalation: str) -> Path:
    data = yaml.safe_load((ROOT / "plans" / "region-evacuation.yaml").read_text())
    data["groups"][0]["safety"]["escalation"] = escalation
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def _database(body: dict[str, Any]) -> dict[str, Any]:
    [result] = [a for a in body["actions"] if a["name"] == "checkout-db"]
    return result


def _phases(body: dict[str, Any]) -> list[str]:
    return [m["attributes"].get("phase") for m in body["notifications"]["sns"]]


def test_a_person_approves_the_escalation_with_the_estimate_in_front_of_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # When the scenario runs on the shipped plan (escalation: approval)
    code = main(["drill", "--scenario", NAME, "--json"])
    body = json.loads(capsys.readouterr().out)

    # Then it meets its expectation: the failover succeeded after one approval
    assert code == 0, body["problems"]
    assert (body["end_state"], body["active_after"]) == ("Succeeded", "secondary")
    assert "Request Escalation Approval" in body["states"]
    # And the database's result says what was tried, why AWS refused it, who approved, and the estimate
    result = _database(body)
    found = result["escalation"]
    assert (result["status"], found["outcome"], found["policy"]) == ("changed", "escalated", "approval")
    assert found["tried"] == "rds.SwitchoverGlobalCluster"
    assert found["refused"].startswith("InvalidGlobalClusterStateFault: ") and PRIMARY_ARN in found["refused"]
    assert found["path"] == "rds.FailoverGlobalCluster with AllowDataLoss"
    assert found["estimated_data_loss_seconds"] == pytest.approx(WORLD_LAG_SECONDS)  # the lag the world seeds
    assert "AuroraGlobalDBReplicationLag" in found["estimate"]
    assert "oncall@example.com" in found["approved_by"]
    # And the one-way door it opened is recorded and named
    assert result["one_way"] and "rejoin checkout-global as a secondary" in result["one_way"]
    # And the approval message gave the estimate and the one-way door before anything was lost
    [asked] = [m for m in body["notifications"]["sns"] if m["attributes"].get("phase") == "approval"]
    message = json.loads(asked["message"])
    assert message["status"] == "ESCALATION APPROVAL NEEDED"
    assert f"up to {WORLD_LAG_SECONDS:g} s of writes" in message["summary"]
    assert message["escalations"][0]["one_way"] == result["one_way"]
    # And the database's result appears once, the escalated one
    assert [a["name"] for a in body["actions"]].count("checkout-db") == 1
    # And on the virtual clock the person's answer counts 0 s, then the stage runs again
    ticks = body["simulated_time"]["ticks"]
    [asked] = [t for t in ticks if t["event"] == "escalation"]
    assert "oncall@example.com" in asked["detail"]
    database = next(t for t in ticks if t["event"] == "change" and t["detail"].startswith("checkout-db"))
    assert database["at"] == asked["at"] + 1
    assert simulated_seconds(body)["reasons"] == {}


def _run(tmp_path: Path, escalation: str, approver: str | None = "approve") -> DrillReport:
    scenario = dataclasses.replace(SCENARIOS[NAME], approver=approver)
    return run_scenario(scenario, plan=_plan(tmp_path, escalation), slack=False)


def test_policy_automatic_escalates_without_asking(tmp_path: Path) -> None:
    report = _run(tmp_path, "automatic", approver=None)
    body = report.to_json()
    assert report.passed, report.problems
    assert body["end_state"] == "Succeeded" and body["active_after"] == "secondary"
    assert "approval" not in _phases(body)
    found = _database(body)["escalation"]
    assert (found["outcome"], found["policy"], found["approved_by"]) == ("escalated", "automatic", None)


def _stopped_cleanly(report: DrillReport, outcome: str) -> dict[str, Any]:
    body = report.to_json()
    assert report.passed, report.problems
    assert (body["execution_status"], body["end_state"]) == ("FAILED", "Failed")
    result = _database(body)
    assert (result["status"], result["escalation"]["outcome"]) == ("failed", outcome)
    # the traffic stage never ran; the standby capacity scaled beside the database lists its undo
    assert {a["name"] for a in body["actions"]} == {"checkout-db", "checkout-fleet"}
    [fleet] = [a for a in body["actions"] if a["name"] == "checkout-fleet"]
    assert fleet["status"] == "changed" and fleet["undo"]
    assert "failed" in _phases(body)
    [failed] = [m for m in body["notifications"]["sns"] if m["attributes"].get("phase") == "failed"]
    assert "InvalidGlobalClusterStateFault" in failed["message"]
    seconds = simulated_seconds(body)  # decided, but traffic never moved: each null figure says why
    assert seconds["first_change"] is None and seconds["recovery"] is None
    return body


def test_a_denied_escalation_stops_the_run_before_traffic_moves(tmp_path: Path) -> None:
    body = _stopped_cleanly(_run(tmp_path, "approval", approver="deny"), "denied")
    assert "approval" in _phases(body)
    assert "oncall@example.com" in _database(body)["escalation"]["approved_by"]  # who decided


def test_policy_never_stops_the_run_without_asking(tmp_path: Path) -> None:
    body = _stopped_cleanly(_run(tmp_path, "never", approver=None), "not_allowed")
    assert "approval" not in _phases(body)
    assert "Request Escalation Approval" not in body["states"]
