"""route53_metric_switch: publish the metric behind a CLOUDWATCH_METRIC health check (data plane)."""

from __future__ import annotations

from typing import Any

import boto3
from tests.unit.actions.helpers import SECONDARY_REGION, checks_before_and_after, fail_over, make_ctx, seeded

from failover.models import ActionStatus

SPEC = {
    "type": "route53_metric_switch",
    "region": SECONDARY_REGION,
    "namespace": "Failover/Checkout",
    "metric_name": "StandbyTakeover",
    "dimensions": {"Group": "checkout"},
    "alarm_name": "checkout-standby-takeover",
    "health_check_id": "00000000-0000-4000-8000-000000000001",
}


def _alarm_state() -> str:
    cw = boto3.client("cloudwatch", SECONDARY_REGION)
    return str(cw.describe_alarms(AlarmNames=[SPEC["alarm_name"]])["MetricAlarms"][0]["StateValue"])


def test_failover_publishes_the_failover_value_and_the_alarm_fires(sim: Any) -> None:
    # Given the primary is active: the metric shows 0 and the alarm is OK
    action = seeded(sim, SPEC)
    assert _alarm_state() == "OK"

    # When failing over
    result = fail_over(action)

    # Then the metric is published in the standby region and the alarm goes to ALARM
    assert result.region == SECONDARY_REGION
    assert result.undo[0]["Value"] == 0.0  # undo: publish the primary's value again
    assert action.observe(make_ctx()).side == "secondary"
    assert _alarm_state() == "ALARM"
    assert sim.count_calls("route53.ChangeResourceRecordSets") == 0


def test_dry_run_publishes_nothing(sim: Any) -> None:
    # Given the primary is active
    action = seeded(sim, SPEC)
    puts = sim.count_calls("cloudwatch.PutMetricData")

    # When failing over in dry-run
    result = action.run(make_ctx(dry_run=True))

    # Then it says what it would publish, and nothing changed
    assert result.status == ActionStatus.DRY_RUN
    assert result.detail.endswith("StandbyTakeover (us-west-2) = 1")
    assert sim.count_calls("cloudwatch.PutMetricData") == puts
    assert _alarm_state() == "OK"


def test_verify_follows_the_alarm_and_the_health_check(sim: Any) -> None:
    # Given the primary is active
    action = seeded(sim, SPEC)

    # When verifying before and after a failover
    before, after = checks_before_and_after(action)

    # Then every check fails before; after it, the metric, the alarm and the health check agree
    assert [c.ok for c in before] == [False, False]
    assert all(c.ok for c in after), [c.detail for c in after]
    assert "0% of checkers report healthy" in after[1].detail


def test_failback_publishes_the_failback_value(sim: Any) -> None:
    # Given the secondary is active (the alarm fired)
    action = seeded(sim, SPEC, active="secondary")

    # When failing back
    result = action.run(make_ctx("primary"))

    # Then the alarm clears and verification passes
    assert result.status == ActionStatus.CHANGED
    assert _alarm_state() == "OK"
    assert all(c.ok for c in action.safe_verify(make_ctx("primary")))


def test_without_an_alarm_the_latest_value_tells_the_side(sim: Any) -> None:
    # Given a switch that names no alarm, with the primary active
    spec = {k: v for k, v in SPEC.items() if k not in ("alarm_name", "health_check_id")}
    action = seeded(sim, spec)

    # When failing over
    result = action.run(make_ctx())

    # Then the metric's latest value shows the secondary and verification passes
    assert result.status == ActionStatus.CHANGED
    assert action.observe(make_ctx()).side == "secondary"
    assert all(c.ok for c in action.safe_verify(make_ctx()))


def test_depends_only_on_the_standby_regions_data_plane(sim: Any) -> None:
    action = seeded(sim, SPEC)
    deps = action.dependencies(make_ctx())
    assert [(d.plane, d.service, d.region) for d in deps] == [("data", "cloudwatch", SECONDARY_REGION)]
