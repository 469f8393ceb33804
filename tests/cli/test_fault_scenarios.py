"""Fault drills through ``failoverctl drill --scenario NAME --json``: throttling, no convergence, a crash, a storm."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failover.models import FailoverRequest, Source
from failover.steps.validate import is_redrive
from failoverctl.cli import main


def drill(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["drill", "--scenario", name, "--json"])
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    assert data["passed"] is True
    return data


def test_route53_throttling_is_retried_with_backoff_and_the_failover_succeeds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = drill("route53-throttled", capsys)
    attempts = data["faults"]["attempts"]
    assert [a["served_by"] for a in attempts] == ["fault", "fault", "moto"]
    assert attempts[1]["after_ms"] > 0  # the SDK waited before retrying
    assert [a["status"] for a in data["actions"]] == ["changed"]
    assert data["execution_status"] == "SUCCEEDED"
    assert data["active_after"] == "secondary"


def test_a_change_that_never_converges_takes_the_failure_path(capsys: pytest.CaptureFixture[str]) -> None:
    data = drill("verify-never-converges", capsys)
    assert data["execution_status"] == "FAILED"
    assert data["error"]["Error"] == "VerificationFailed"
    verification = data["verification"]
    assert verification["attempts"] == verification["max_attempts"] == 10
    assert verification["incident"]["outcome"] == "failed"
    assert verification["incident"]["lock_released"] is True
    assert verification["recorded_active_side"] == "mixed"
    phases = [m["attributes"]["phase"] for m in data["notifications"]["sns"]]
    assert phases == ["started", "failed"]


def test_a_crash_after_the_change_fails_then_a_redrive_converges_without_repeating_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = drill("crash-mid-failover", capsys)
    first, retry = data["executions"]
    assert (first["status"], first["end_state"]) == ("FAILED", "Failed")
    assert retry["name"] == f"{first['name']}-retry-1"
    assert (retry["status"], retry["end_state"]) == ("SUCCEEDED", "Succeeded")
    assert data["error"]["Error"] == "Runtime.ExitError"
    assert [a["status"] for a in data["redrive"]["actions"]] == ["unchanged"]
    assert data["record_changes"] == 1
    assert data["redrive"]["timeline_closed"] == ["failed", "succeeded"]
    assert data["active_after"] == "secondary"


@pytest.mark.slow
def test_an_alarm_storm_starts_one_execution_per_group_and_loses_no_event(capsys: pytest.CaptureFixture[str]) -> None:
    storm = drill("alarm-storm", capsys)["storm"]
    assert storm["events"] == sum(storm["outcomes"].values()) == 1000
    assert set(storm["outcomes"]) <= {"started", "deduplicated", "ignored"}
    assert storm["lost"] == []
    assert storm["outcomes"]["started"] == 18
    assert len(storm["executions_started"]) == 18
    assert set(storm["executions_started"].values()) == {1}
    assert storm["executions_listed"] == 18
    assert storm["claim_events"] == storm["distinct_alarm_events"]
    assert storm["reasons"]["deduplicated:redelivery"] == storm["mix"]["redelivery"]


def _request(incident: str | None) -> FailoverRequest:
    return FailoverRequest(request_id="r", incident_id=incident, group="web", source=Source.ALARM)


@pytest.mark.parametrize(
    ("execution", "expected"),
    [
        ("arn:aws:states:us-east-1:1:execution:sm:web-failover-1-retry-1", True),
        ("arn:aws:states:us-east-1:1:execution:sm:web-failover-1-retry-12", True),
        ("arn:aws:states:us-east-1:1:execution:sm:web-failover-1", False),
        ("arn:aws:states:us-east-1:1:execution:sm:web-failover-1-retry-x", False),
        ("arn:aws:states:us-east-1:1:execution:sm:other-failover-1-retry-1", False),
    ],
)
def test_only_an_execution_named_incident_retry_n_redrives_it(execution: str, expected: bool) -> None:
    assert is_redrive(_request("web-failover-1"), execution) is expected


def test_a_request_without_an_incident_is_never_a_redrive() -> None:
    assert is_redrive(_request(None), "arn:aws:states:us-east-1:1:execution:sm:x-retry-1") is False
