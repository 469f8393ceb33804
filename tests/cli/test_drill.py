"""``failoverctl drill``: every scenario through --json meets its expected outcome; --event with every file."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.helpers import plan_path, run_json

from failoverctl.cli import main
from failoverctl.scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_KEYS = {
    "scenario",
    "execution_status",
    "states",
    "decision",
    "actions",
    "notifications",
    "active_before",
    "active_after",
}


def test_list_names_every_scenario(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drill", "--list"]) == 0
    out = capsys.readouterr().out
    for name in ("primary-outage", "flapping", "secondary-unhealthy", "already-failed-over"):
        assert name in out
    assert len(out.strip().splitlines()) == len(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_scenario_meets_its_expectation(capsys: pytest.CaptureFixture[str], name: str) -> None:
    code, data = run_json(capsys, "drill", "--scenario", name, "--json")
    assert data["problems"] == []
    assert code == 0
    assert set(data) >= REQUIRED_KEYS
    assert set(data["decision"]) >= {"outcome", "reason", "checks"}
    assert "sns" in data["notifications"]
    expected = SCENARIOS[name].expect
    if expected.end_state:
        assert data["states"][-1] == expected.end_state
    if data["decision"]["outcome"]:
        for check in data["decision"]["checks"]:
            assert {"name", "ok", "detail", "values"} <= set(check)


def test_primary_outage_shows_the_whole_story(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "drill", "--scenario", "primary-outage", "--json")
    assert code == 0
    assert data["execution_status"] == "SUCCEEDED"
    assert data["active_before"] == "primary" and data["active_after"] == "secondary"
    assert data["states"][:3] == ["Wait For Confirmation", "Validate Request", "Choose Path"]
    assert data["decision"]["outcome"] == "proceed"
    assert [(a["action"], a["status"]) for a in data["actions"]] == [("route53_records", "changed")]
    assert data["actions"][0]["undo"], "every change says how to undo it"
    phases = [m["attributes"]["phase"] for m in data["notifications"]["sns"]]
    assert phases == ["started", "succeeded"]
    assert len(data["notifications"]["slack"]) == 2


def test_text_output_is_a_readable_timeline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drill", "--scenario", "primary-outage"]) == 0
    out = capsys.readouterr().out
    for text in ("Validate Request", "decision: PROCEED", "changes:", "SNS", "Slack", "as expected"):
        assert text in out
    assert "Traceback" not in out


@pytest.mark.parametrize("path", sorted((ROOT / "events").glob("*.json")), ids=lambda p: p.name)
def test_event_drill_with_every_sample(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    code, data = run_json(capsys, "drill", "--event", str(path), "--json")
    assert set(data) >= REQUIRED_KEYS
    assert code == 0, data["problems"]
    if data["routes"][0]["rules"] == []:
        assert data["outcome"] == "no_rule_matched"
    elif data["execution_status"] is None:
        assert data["outcome"].startswith("trigger_")
        assert data["reason"]
    else:
        assert data["execution_status"] == "SUCCEEDED"


def test_event_file_that_is_not_json_is_a_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code = main(["drill", "--event", str(bad)])
    captured = capsys.readouterr()
    assert code == 1
    assert "is not JSON" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_unknown_scenario_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["drill", "--scenario", "meteor-strike"]) == 2
    assert "unknown scenario" in capsys.readouterr().err


def test_drill_writes_a_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "incident.html"
    assert main(["drill", "--scenario", "primary-outage", "--report", str(out), "--json"]) == 0
    html = out.read_text()
    assert "<svg" in html and "web-dns" in html


def test_invoke_runs_one_function(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "invoke", "trigger", "--event", str(ROOT / "events" / "cloudwatch_alarm_ok.json"))
    assert code == 0
    assert data["status"] == "ignored" and data["reason"] == "not_alarm_state"
    code, data = run_json(
        capsys, "invoke", "ValidateFunction", "--event", str(ROOT / "events" / "function_validate_input.json")
    )
    assert code == 0
    decision = data["gate"]["decision"]
    assert decision["outcome"] in ("proceed", "skip")
    assert next(c["name"] for c in decision["checks"]) == "automation enabled"
    assert data["request"]["group"] == "web"  # the state comes back whole, with its gate


def test_a_scenario_runs_on_another_plan_and_group(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(
        capsys,
        "drill",
        "--scenario",
        "primary-outage",
        "--plan",
        str(ROOT / "plans" / "region-evacuation.yaml"),
        "--json",
    )
    assert code == 0, data["problems"]
    assert data["incident_id"].startswith("checkout-failover-")
    code, data = run_json(capsys, "drill", "--scenario", "paused", "--group", "admin", "--json")
    assert code == 0, data["problems"]
    assert data["incident_id"].startswith("admin-failover-")


def test_a_group_triggered_by_rds_events_is_drilled_through_the_rds_rule(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # RDS events stay in the region of the database (us-east-1): only a stack there sees them
    plan = plan_path("rds-only.yaml")
    code, data = run_json(
        capsys, "drill", "--scenario", "primary-outage", "--plan", plan, "--region", "us-east-1", "--json"
    )
    assert code == 0, data["problems"]
    assert data["routes"][0]["rules"] == ["RdsEventRule"]
    assert data["decision"]["outcome"] == "proceed"
    trigger = next(c for c in data["decision"]["checks"] if c["name"] == "trigger still firing")
    assert trigger["ok"] is True and trigger["blocking"] is False
