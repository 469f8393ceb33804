"""Failover metrics: one EMF record per metric, in the Failover namespace, with the group dimension."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failover.infra import metrics


def emitted(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def definition(record: dict[str, Any]) -> dict[str, Any]:
    block: dict[str, Any] = record["_aws"]["CloudWatchMetrics"][0]
    return block


@pytest.mark.parametrize(
    ("outcome", "name"),
    [
        ("started", "FailoversStarted"),
        ("succeeded", "FailoversSucceeded"),
        ("failed", "FailoversFailed"),
        ("skipped", "FailoversSkipped"),
        ("refused", "FailoversRefused"),
        ("skip", "FailoversSkipped"),
        ("denied", "FailoversRefused"),
    ],
)
def test_each_outcome_is_counted_per_group(capsys: pytest.CaptureFixture[str], outcome: str, name: str) -> None:
    # When an outcome is counted for group web
    metrics.count(outcome, "web", incident_id="web-failover-1")
    # Then one EMF record carries the count with the service and group dimensions
    [record] = emitted(capsys)
    block = definition(record)
    assert block["Namespace"] == "Failover"
    assert block["Dimensions"] == [["service", "group"]]
    assert block["Metrics"] == [{"Name": name, "Unit": "Count"}]
    assert record[name] == [1.0]
    assert record["group"] == "web"
    assert record["service"] == "failover"
    assert record["incident_id"] == "web-failover-1"


def test_named_helpers(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.failover_started("web")
    metrics.failover_succeeded("web")
    metrics.failover_failed("db")
    metrics.failover_skipped("db")
    metrics.failover_refused("web")
    names = [(definition(r)["Metrics"][0]["Name"], r["group"]) for r in emitted(capsys)]
    assert names == [
        ("FailoversStarted", "web"),
        ("FailoversSucceeded", "web"),
        ("FailoversFailed", "db"),
        ("FailoversSkipped", "db"),
        ("FailoversRefused", "web"),
    ]


def test_two_groups_do_not_share_a_dimension_set(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.failover_started("web")
    metrics.failover_started("db")
    assert [r["group"] for r in emitted(capsys)] == ["web", "db"]


def test_decision_time_and_time_to_recovery(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.decision_time("web", 250.0, incident_id="i-1")
    metrics.time_to_recovery("web", 330.5, incident_id="i-1")
    decision, recovery = emitted(capsys)
    assert definition(decision)["Metrics"] == [{"Name": "DecisionTimeMs", "Unit": "Milliseconds"}]
    assert decision["DecisionTimeMs"] == [250.0]
    assert definition(recovery)["Metrics"] == [{"Name": "TimeToRecoverySeconds", "Unit": "Seconds"}]
    assert recovery["TimeToRecoverySeconds"] == [330.5]
    assert recovery["group"] == "web"


def test_bad_input_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ValueError, match="unknown failover outcome"):
        metrics.count("exploded", "web")
    with pytest.raises(ValueError, match="duration"):
        metrics.count(metrics.FailoverMetric.DECISION_TIME, "web")
    with pytest.raises(ValueError, match="negative"):
        metrics.decision_time("web", -1)
    with pytest.raises(ValueError, match="negative"):
        metrics.time_to_recovery("web", -1)
    assert emitted(capsys) == []
