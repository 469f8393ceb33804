"""``failoverctl retry``: a crashed incident is re-driven and converges without repeating its changes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failoverctl.cli import main
from failoverctl.drill import execution_report


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--stack", "failover-test", "--region", "us-east-1", "--json"])
    return code, json.loads(capsys.readouterr().out)


def crash_after_change(world: Any) -> str:
    world.lambdas.fail("ExecuteFunction", "Runtime.ExitError", "the process died after the change", times=1)
    group = world.plan.group("web")
    world.set_side_health(group, "primary", 0.0)
    world.set_alarm("web-primary-health", "us-east-1", "ALARM")
    route = world.route(world.alarm_event("web-primary-health", "us-east-1"))
    arn: str = route.results[0]["execution_arn"]
    assert world.wait(arn)["status"] == "FAILED"
    return arn


def test_retry_converges_without_repeating_changes(deployed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    first = crash_after_change(deployed)
    name = first.rsplit(":", 1)[-1]
    code, result = run(capsys, "retry", name)
    assert code == 0
    assert result["execution"] == f"{name}-retry-1"
    report = execution_report(deployed, result["execution_arn"])
    assert report.status == "SUCCEEDED"
    assert [(a["name"], a["status"]) for a in report.final["cursor"]["completed"]] == [("web-dns", "unchanged")]
    assert deployed.active_side(deployed.plan.group("web")) == "secondary"
    code, again = run(capsys, "retry", name)
    assert code == 2 and again["error"] == "AlreadySucceeded"


def test_retry_of_an_unknown_incident(deployed: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, result = run(capsys, "retry", "web-failover-nope")
    assert code == 2 and result["error"] == "ExecutionNotFound"
