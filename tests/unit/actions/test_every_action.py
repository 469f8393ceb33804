"""What every action type promises, checked on each: idempotent, dry-run safe, throttling retried, AWS's
refusals and missing targets reported.

Each table names the plan (from the action's own test module) and the calls concerned. What is specific
to an action (its dry-run wording, what it leaves alone) is tested beside it.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.actions import (
    test_arc,
    test_aurora_capacity,
    test_aurora_global,
    test_autoscaling,
    test_docdb_global,
    test_dynamodb_global,
    test_ecs,
    test_elasticache_global,
    test_elb,
    test_lambda_consumers,
    test_rds,
    test_route53_metric,
    test_s3_mrap,
)
from tests.unit.actions.helpers import SECONDARY_REGION, make_ctx, seeded

from failover.errors import TransientError
from failover.models import ActionStatus


def _type(value: Any) -> str | None:
    """Name a case by its action type (the other values name themselves)."""
    return str(value["type"]) if isinstance(value, dict) and "type" in value else None


#: (plan, the call that makes the change)
CHANGING = [
    (test_arc.SPEC, test_arc.UPDATE),
    (test_aurora_capacity.SPEC, "rds.ModifyDBCluster"),
    (test_aurora_global.SPEC, "rds.SwitchoverGlobalCluster"),
    (test_autoscaling.SPEC, "autoscaling.UpdateAutoScalingGroup"),
    (test_docdb_global.SPEC, "docdb.SwitchoverGlobalCluster"),
    (test_ecs.SPEC, "ecs.UpdateService"),
    (test_elasticache_global.SPEC, "elasticache.FailoverGlobalReplicationGroup"),
    (test_elb.SPEC, "elbv2.ModifyListener"),
    (test_lambda_consumers.SPEC, "lambda.UpdateEventSourceMapping"),
    (test_rds.INSTANCE, "rds.RebootDBInstance"),
    (test_rds.CLUSTER, "rds.FailoverDBCluster"),
    (test_rds.REPLICA, "rds.PromoteReadReplica"),
    (test_route53_metric.SPEC, "cloudwatch.PutMetricData"),
    (test_s3_mrap.SPEC, test_s3_mrap.SUBMIT),
]
#: plans whose action calls only the target side's region (it must work while the source region is down)
TARGET_REGION_ONLY = [test_dynamodb_global.SPEC, test_rds.REPLICA]
#: (plan, a call to throttle: a read before the change, or the change itself); arc and s3_mrap_routes
#: move to the next endpoint or routing region on throttling (tested beside them)
THROTTLED = [
    (test_aurora_global.SPEC, "rds.SwitchoverGlobalCluster"),
    (test_autoscaling.SPEC, "autoscaling.DescribeAutoScalingGroups"),
    (test_dynamodb_global.SPEC, "dynamodb.DescribeTable"),
    (test_ecs.SPEC, "ecs.DescribeServices"),
    (test_elasticache_global.SPEC, "elasticache.DescribeGlobalReplicationGroups"),
    (test_elb.SPEC, "elbv2.DescribeListeners"),
    (test_rds.INSTANCE, "rds.RebootDBInstance"),
    (test_rds.CLUSTER, "rds.DescribeDBClusters"),
    (test_rds.REPLICA, "rds.PromoteReadReplica"),
    (test_route53_metric.SPEC, "cloudwatch.PutMetricData"),
]
#: (plan, the call that makes the change, an error code AWS may answer it with)
REFUSED = [
    (test_aurora_capacity.SPEC, "rds.ModifyDBCluster", "InvalidDBClusterStateFault"),
    (test_docdb_global.SPEC, "docdb.SwitchoverGlobalCluster", "InvalidGlobalClusterStateFault"),
    (test_ecs.SPEC, "ecs.UpdateService", "ServiceNotActiveException"),
    (test_elasticache_global.SPEC, "elasticache.FailoverGlobalReplicationGroup", "InvalidGlobalReplicationGroupState"),
    (test_lambda_consumers.SPEC, "lambda.UpdateEventSourceMapping", "ResourceInUseException"),
]
#: (plan, the call that makes the change, {field of the target side: what is not there}, what the result says)
UNKNOWN = [
    (test_autoscaling.SPEC, "autoscaling.UpdateAutoScalingGroup", {"asg_name": "nope"}, "not found"),
    (test_ecs.SPEC, "ecs.UpdateService", {"service": "nope"}, "not found"),
    (
        test_elasticache_global.SPEC,
        "elasticache.FailoverGlobalReplicationGroup",
        {"replication_group_id": "x"},
        "not a member",
    ),
    (test_rds.CLUSTER, "rds.FailoverDBCluster", {"instance_identifier": "other"}, "not a member"),
]


@pytest.mark.parametrize(("spec", "change"), CHANGING, ids=_type)
def test_a_dry_run_changes_nothing_and_a_second_run_is_unchanged(sim: Any, spec: dict[str, Any], change: str) -> None:
    # Given the primary side serves
    action = seeded(sim, spec)
    before = sim.count_calls(change)

    # When it runs dry, then it says what it would do and the resource still serves the primary
    dry = action.run(make_ctx(dry_run=True))
    assert dry.status == ActionStatus.DRY_RUN
    assert dry.detail.startswith("DRY RUN: would ")
    assert dry.changes
    assert sim.count_calls(change) == before
    assert action.observe(make_ctx()).side == "primary"

    # When it runs twice, then the first run makes the change and the second finds nothing to do
    assert action.run(make_ctx()).status == ActionStatus.CHANGED
    made = sim.count_calls(change)
    assert made > before
    again = action.run(make_ctx())
    assert again.status == ActionStatus.UNCHANGED
    assert again.changes == []
    assert sim.count_calls(change) == made


@pytest.mark.parametrize(("spec", "throttled"), THROTTLED, ids=_type)
def test_a_throttled_call_is_transient_and_changes_nothing(
    sim: Any, no_sdk_retries: None, spec: dict[str, Any], throttled: str
) -> None:
    # Given AWS throttles a call the action makes
    action = seeded(sim, spec)
    serving = action.observe(make_ctx()).side
    sim.inject(throttled, "throttle")

    # When failing over, then the state machine gets a retryable error and the resource is as it was
    with pytest.raises(TransientError):
        action.run(make_ctx())
    assert action.observe(make_ctx()).side == serving


@pytest.mark.parametrize(("spec", "change", "code"), REFUSED, ids=_type)
def test_a_refused_change_is_a_failed_result_with_the_aws_error(
    sim: Any, spec: dict[str, Any], change: str, code: str
) -> None:
    # Given AWS refuses the change
    action = seeded(sim, spec)
    sim.inject(change, "error", code=code)

    # When failing over, then the result fails with the error code AWS gave
    result = action.run(make_ctx())
    assert (result.status, result.error) == (ActionStatus.FAILED, code)


@pytest.mark.parametrize(("spec", "change", "missing", "says"), UNKNOWN, ids=_type)
def test_a_target_that_is_not_there_fails_before_any_change(
    sim: Any, spec: dict[str, Any], change: str, missing: dict[str, str], says: str
) -> None:
    # Given the plan's target side names what does not exist
    action = seeded(sim, spec)
    before = sim.count_calls(change)
    action.spec = action.spec.model_copy(update={"secondary": action.spec.secondary.model_copy(update=missing)})

    # When failing over, then the result fails saying why, and nothing was changed
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert says in result.detail
    assert sim.count_calls(change) == before


@pytest.mark.parametrize("spec", TARGET_REGION_ONLY, ids=_type)
def test_it_calls_only_the_target_region(sim: Any, spec: dict[str, Any]) -> None:
    action = seeded(sim, spec)
    before = len(sim.calls)
    action.run(make_ctx())
    assert {c.region for c in sim.calls[before:]} == {SECONDARY_REGION}
