"""``failoverctl drill`` on the virtual clock: seconds of the plan's real waits in the JSON and the text."""

from __future__ import annotations

import json

import pytest

from failoverctl.cli import main


def test_given_primary_outage_when_drilled_then_the_json_has_the_plans_seconds(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drill", "--scenario", "primary-outage", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    # the example web group: 150 s detection, 60 s confirmation, route53_records 60 s checked every 15 s
    assert data["simulated_seconds"] == {"decision": 214.0, "first_change": 216.0, "recovery": 276.0}
    clock = data["simulated_time"]
    assert clock["plan_rto_seconds"] == 338.0
    assert clock["rto_objective_seconds"] == 600
    assert clock["meets_objective"] is True


def test_given_the_fast_data_plane_plan_when_drilled_then_traffic_moves_within_30_s_and_is_verified_within_90(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drill", "--scenario", "primary-outage", "--plan", "plans/fast-data-plane.yaml"]) == 0
    out = capsys.readouterr().out
    # 10 s alarm + 3 s delivery + 10 s confirmation + 1 s gate = 24; the routing control at 26, seen 30 s later
    assert "simulated time (the plan's real waits): decision 24 s, first change 26 s, verified recovery 56 s" in out
    assert "plan rto estimate 88 s; within the RTO objective of 120 s" in out
