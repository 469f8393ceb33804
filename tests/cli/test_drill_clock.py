"""``failoverctl drill`` on the virtual clock: seconds of the plan's real waits in the JSON and the text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.cli.helpers import simulated_seconds

from failoverctl.cli import main


def test_given_primary_outage_when_drilled_then_the_json_has_the_plans_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drill", "--scenario", "primary-outage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the example web group: 150 s detection, 60 s confirmation, route53_records 60 s checked every 15 s
    assert data["simulated_seconds"] == {"decision": 214.0, "first_change": 216.0, "recovery": 276.0, "reasons": {}}
    clock = data["simulated_time"]
    assert clock["plan_rto_seconds"] == 338.0
    assert clock["rto_objective_seconds"] == 600
    assert clock["meets_objective"] is True


def _signals(data: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in data["decision"]["checks"] if c["name"] == "corroborated confirmation")["values"]


def test_given_the_fast_data_plane_plan_when_drilled_then_the_quorum_decides_and_traffic_moves_within_30_s(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drill", "--scenario", "primary-outage", "--plan", "plans/fast-data-plane.yaml", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    signals = _signals(data)
    # the trigger alarms and the health check's checker regions agree at the first look, 10 s into the 30 s wait
    assert (signals["verdict"], signals["waited_seconds"], signals["confirmation_seconds"]) == ("corroborated", 10, 30)
    # 10 s alarm + 3 s delivery + 10 s look + 1 s gate = 24; the routing control at 26, seen 30 s later
    assert data["simulated_seconds"] == {"decision": 24.0, "first_change": 26.0, "recovery": 56.0, "reasons": {}}
    assert data["simulated_time"]["plan_rto_seconds"] == 108.0  # the worst case waits the whole 30 s
    assert data["simulated_time"]["rto_objective_seconds"] == 120


@pytest.mark.parametrize(
    ("scenario", "verdict", "decision"),
    [
        # 10 s x 3 health-check failures + 10 s x 3 alarm periods = 60; 3 s to start; validate 1 s
        ("region-outage-corroborated", "corroborated", 60 + 3 + 10 + 1),  # the quorum at the first look
        ("single-probe-flap", "uncorroborated", 60 + 3 + 120 + 1),  # the whole confirmation wait
    ],
)
def test_given_signals_when_drilled_then_the_clock_counts_the_wait_the_gate_actually_waited(
    capsys: pytest.CaptureFixture[str], scenario: str, verdict: str, decision: int
) -> None:
    assert main(["drill", "--scenario", scenario, "--json", "--no-slack"]) == 0
    data = json.loads(capsys.readouterr().out)
    signals = _signals(data)
    assert signals["verdict"] == verdict
    assert data["simulated_seconds"]["decision"] == decision
    confirmed = next(t for t in data["simulated_time"]["ticks"] if t["event"] == "confirmed")
    assert f"{signals['waited_seconds']} s of the 120 s wait" in confirmed["detail"]


@pytest.mark.parametrize("scenario", ["three-region-choose-target", "cross-account-database"])
def test_given_a_multi_region_scenario_when_drilled_then_every_figure_is_on_the_clock(
    capsys: pytest.CaptureFixture[str], scenario: str
) -> None:
    assert main(["drill", "--scenario", scenario, "--json", "--no-slack"]) == 0
    seconds = simulated_seconds(json.loads(capsys.readouterr().out))
    assert seconds["reasons"] == {}
    assert 0 < seconds["decision"] < seconds["first_change"] < seconds["recovery"]


def test_given_a_scenario_that_starts_no_execution_when_drilled_then_each_figure_is_null_with_the_reason(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the example plan names no signals: the corroboration scenario sends nothing
    assert main(["drill", "--scenario", "region-outage-corroborated", "--plan", "plans/example.yaml", "--json"]) == 0
    seconds = simulated_seconds(json.loads(capsys.readouterr().out))
    assert seconds["decision"] is seconds["first_change"] is seconds["recovery"] is None
    assert set(seconds["reasons"].values()) == {"no execution started: nothing was decided or changed"}
