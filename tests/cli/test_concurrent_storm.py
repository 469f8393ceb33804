"""The alarm storm as Lambda delivers it: many trigger invocations at once, and the result stays exact."""

from __future__ import annotations

from failoverctl.drill import run_scenario
from failoverctl.scenarios import SCENARIOS
from failoverctl.scenarios.faults import AFFECTED, STORM_EVENTS, STORM_INVOKERS


def test_parallel_invokers_start_one_execution_per_group_and_account_for_every_event() -> None:
    # Given 1,000 alarm events for 20 groups, delivered by parallel invokers
    report = run_scenario(SCENARIOS["alarm-storm"], slack=False)

    storm = report.extra["storm"]
    # Then deliveries really overlapped, and the dedupe, lock and claim writes held under the race
    assert storm["invokers"] == STORM_INVOKERS
    assert storm["peak_in_flight"] > 1
    assert report.problems == []
    assert sum(storm["outcomes"].values()) == STORM_EVENTS
    assert storm["lost"] == []
    assert storm["executions_started"] == {f"storm-{i:02d}": 1 for i in range(1, AFFECTED + 1)}
    assert storm["claim_events"] == storm["distinct_alarm_events"]
    assert report.extra["stack_region"] == "us-west-2"
