"""aurora_global: switchover when both sides are healthy; escalation to a data-loss failover as the policy says."""

from __future__ import annotations

from typing import Any

import pytest
from moto.rds.models import rds_backends
from tests.unit.actions.helpers import (
    ACCOUNT,
    PRIMARY_REGION,
    SECONDARY_REGION,
    global_cluster_spec,
    make_ctx,
    put_lag,
    seeded,
)

from failover.actions.escalation import AWAITING_APPROVAL, DENIED, NOT_ALLOWED
from failover.errors import TransientError
from failover.models import ActionStatus
from failoverctl.sim.extensions import aurora as aurora_ext
from failoverctl.sim.extensions.outage import impair_region

SPEC, PRIMARY_ARN, SECONDARY_ARN = global_cluster_spec(
    "aurora_global", "checkout-global", (PRIMARY_REGION, "checkout-use1"), (SECONDARY_REGION, "checkout-usw2")
)


def _impair_primary() -> None:
    rds_backends[ACCOUNT][PRIMARY_REGION].clusters["checkout-use1"].status = "inaccessible-encryption-credentials"


def test_switchover_when_both_sides_are_healthy(sim: Any) -> None:
    # Given the primary cluster writes and both are available
    action = seeded(sim, SPEC)
    assert action.observe(make_ctx()).side == "primary"

    # When failing over
    result = action.run(make_ctx())

    # Then a switchover (no data loss), from the target region, made the secondary the writer
    assert result.status == ActionStatus.CHANGED
    assert "no data loss" in result.detail
    assert [c.region for c in sim.calls if c.api == "rds.SwitchoverGlobalCluster"] == [SECONDARY_REGION]
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == SECONDARY_ARN
    assert result.undo[0]["TargetDbClusterIdentifier"] == PRIMARY_ARN


def test_second_run_and_dry_run_change_nothing(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dry = action.run(make_ctx(dry_run=True))
    assert dry.status == ActionStatus.DRY_RUN
    assert "switch over" in dry.detail
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN

    action.run(make_ctx())
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert sim.count_calls("rds.SwitchoverGlobalCluster") == 1


def test_impaired_writer_without_permission_fails_saying_why(sim: Any) -> None:
    # Given the primary cluster is impaired and the plan does not allow data loss
    action = seeded(sim, SPEC)
    _impair_primary()

    # When failing over, even with the policy to escalate automatically
    result = action.run(make_ctx(escalation="automatic"))

    # Then the switchover was refused, no failover was called, and the result says what is missing
    assert (result.status, result.error) == (ActionStatus.FAILED, NOT_ALLOWED)
    assert "allow_data_loss" in result.detail
    assert sim.count_calls("rds.SwitchoverGlobalCluster") == 1
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_policy_never_stops_without_a_failover(sim: Any) -> None:
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    impair_region(sim, PRIMARY_REGION)
    result = action.run(make_ctx(escalation="never"))
    assert (result.status, result.error) == (ActionStatus.FAILED, NOT_ALLOWED)
    assert result.escalation is not None and result.escalation.outcome == "not_allowed"
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_policy_approval_waits_then_runs_once_approved(sim: Any) -> None:
    # Given the writer's region is impaired: AWS refuses the switchover although the cluster reads available
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    impair_region(sim, PRIMARY_REGION)
    put_lag("AWS/RDS", "AuroraGlobalDBReplicationLag", "checkout-usw2", 250.0)

    # When the policy asks a person: the action waits, with the estimate and the one-way door
    waiting = action.run(make_ctx(escalation="approval"))
    assert (waiting.status, waiting.error) == (ActionStatus.FAILED, AWAITING_APPROVAL)
    found = waiting.escalation
    assert found is not None and found.outcome == "awaiting_approval"
    assert found.tried == "rds.SwitchoverGlobalCluster"
    assert found.refused.startswith("InvalidGlobalClusterStateFault:") and PRIMARY_ARN in found.refused
    assert found.estimated_data_loss_seconds == 0.25
    assert found.one_way is not None and "rejoin" in found.one_way
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0

    # And run again with the approval: the switchover is not tried again, the failover runs
    ctx = make_ctx(escalation="approval")
    ctx.escalation_earlier, ctx.escalation_approved, ctx.escalation_approved_by = found, True, "oncall@example.com"
    result = action.run(ctx)
    assert result.status == ActionStatus.CHANGED
    assert sim.count_calls("rds.SwitchoverGlobalCluster") == 1
    assert sim.state["aurora.data_loss_failovers"] == [{"from": PRIMARY_ARN, "to": SECONDARY_ARN}]
    assert result.escalation is not None and result.escalation.approved_by == "oncall@example.com"
    assert "approved by oncall@example.com" in result.detail and "0.25 s of writes" in result.detail


def test_policy_approval_denied_changes_nothing(sim: Any) -> None:
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    impair_region(sim, PRIMARY_REGION)
    found = action.run(make_ctx()).escalation
    ctx = make_ctx()
    ctx.escalation_earlier, ctx.escalation_approved, ctx.escalation_approved_by = found, False, "lead@example.com"
    result = action.run(ctx)
    assert (result.status, result.error) == (ActionStatus.FAILED, DENIED)
    assert result.escalation is not None and result.escalation.outcome == "denied"
    assert "cannot be estimated" in result.detail  # no lag datapoint
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_impaired_writer_fails_over_automatically_when_allowed(sim: Any) -> None:
    # Given an impaired primary cluster, a plan allowing data loss and the policy to escalate automatically
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    _impair_primary()

    # When failing over
    result = action.run(make_ctx(escalation="automatic"))

    # Then FailoverGlobalCluster with AllowDataLoss promoted the secondary
    assert result.status == ActionStatus.CHANGED
    assert "allowing data loss" in result.detail
    assert sim.state["aurora.data_loss_failovers"] == [{"from": PRIMARY_ARN, "to": SECONDARY_ARN}]
    assert aurora_ext.writer_arn("checkout-global") == SECONDARY_ARN


def test_dry_run_of_an_impaired_writer_says_what_would_escalate(sim: Any) -> None:
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    _impair_primary()
    result = action.run(make_ctx(dry_run=True, escalation="automatic"))
    assert result.status == ActionStatus.DRY_RUN
    assert result.escalation is not None and result.escalation.outcome == "would_escalate"
    assert sim.count_calls("rds.SwitchoverGlobalCluster") == sim.count_calls("rds.FailoverGlobalCluster") == 0


def test_unreachable_writer_region_counts_as_impaired(sim: Any) -> None:
    # Given the probe of the old writer's region cannot reach RDS there
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    calls: list[str] = []
    original = action.cluster_health

    def probe(ctx: Any, side: Any) -> tuple[bool, str]:
        calls.append(side.region)
        if side.region == PRIMARY_REGION:
            return False, "cannot read the cluster: ServiceUnavailable"
        return original(ctx, side)

    action.cluster_health = probe  # type: ignore[method-assign]

    # When failing over with the policy to escalate automatically: then the target is probed first
    # and the failover path runs although AWS did not refuse the switchover
    sim.inject("rds.SwitchoverGlobalCluster", "error", code="InvalidGlobalClusterStateFault")
    result = action.run(make_ctx(escalation="automatic"))
    assert result.status == ActionStatus.CHANGED
    assert calls == [SECONDARY_REGION, PRIMARY_REGION]
    assert result.escalation is not None and "ServiceUnavailable" in result.escalation.impaired


def test_a_refusal_that_does_not_name_the_side_left_is_a_plain_failure(sim: Any) -> None:
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    sim.inject("rds.SwitchoverGlobalCluster", "error", code="InvalidGlobalClusterStateFault")
    result = action.run(make_ctx(escalation="automatic"))
    assert (result.status, result.error, result.escalation) == (
        ActionStatus.FAILED,
        "InvalidGlobalClusterStateFault",
        None,
    )
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0


def test_throttled_switchover_is_transient(sim: Any) -> None:
    action = seeded(sim, SPEC)
    sim.inject("rds.SwitchoverGlobalCluster", "throttle")
    with pytest.raises(TransientError):
        action.run(make_ctx())
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_verify_waits_for_the_new_writer(sim: Any) -> None:
    action = seeded(sim, SPEC)
    before = action.safe_verify(make_ctx())
    assert before[0].ok is False
    assert "writer" in before[0].detail
    action.run(make_ctx())
    assert all(c.ok for c in action.safe_verify(make_ctx()))


def test_failback_switches_back(sim: Any) -> None:
    action = seeded(sim, SPEC, active="secondary")
    assert action.observe(make_ctx("primary")).side == "secondary"
    result = action.run(make_ctx("primary"))
    assert result.status == ActionStatus.CHANGED
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_dependency_is_the_target_regions_control_plane(sim: Any) -> None:
    action = seeded(sim, SPEC)
    [dep] = action.dependencies(make_ctx())
    assert (dep.plane, dep.region) == ("control", SECONDARY_REGION)
