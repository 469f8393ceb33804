"""aurora_global: switchover when both sides are healthy; failover with data loss only when allowed and approved."""

from __future__ import annotations

from typing import Any

import pytest
from moto.rds.models import rds_backends
from tests.unit.actions.helpers import (
    ACCOUNT,
    PRIMARY_REGION,
    SECONDARY_REGION,
    fail_over,
    global_cluster_spec,
    make_ctx,
    seeded,
)

from failover.errors import TransientError
from failover.models import ActionStatus
from failoverctl.sim.extensions import aurora as aurora_ext

SPEC, PRIMARY_ARN, SECONDARY_ARN = global_cluster_spec(
    "aurora_global", "checkout-global", (PRIMARY_REGION, "checkout-use1"), (SECONDARY_REGION, "checkout-usw2")
)


def _impair_primary() -> None:
    rds_backends[ACCOUNT][PRIMARY_REGION].clusters["checkout-use1"].status = "inaccessible-encryption-credentials"


def test_switchover_when_both_sides_are_healthy(sim: Any) -> None:
    # Given the primary cluster writes and both are available
    action = seeded(sim, SPEC)
    # When failing over
    result = fail_over(action)

    # Then a switchover (no data loss), from the target region, made the secondary the writer
    assert "no data loss" in result.detail
    assert [c.region for c in sim.calls if c.api == "rds.SwitchoverGlobalCluster"] == [SECONDARY_REGION]
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == SECONDARY_ARN
    assert result.undo[0]["TargetDbClusterIdentifier"] == PRIMARY_ARN


def test_a_dry_run_says_it_would_switch_over(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dry = action.run(make_ctx(dry_run=True))
    assert "switch over" in dry.detail
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


@pytest.mark.parametrize(
    ("allow_data_loss", "approved", "missing"),
    [(False, True, "allow_data_loss"), (True, False, "not been approved")],
    ids=["not-allowed", "not-approved"],
)
def test_an_impaired_writer_needs_the_plans_permission_and_an_approval(
    sim: Any, allow_data_loss: bool, approved: bool, missing: str
) -> None:
    # Given the primary cluster is impaired, and data loss is not both allowed and approved
    action = seeded(sim, SPEC | {"allow_data_loss": allow_data_loss})
    _impair_primary()

    # When failing over
    result = action.run(make_ctx(approved=approved))

    # Then nothing is called and the result says what is missing
    assert result.status == ActionStatus.FAILED
    assert missing in result.detail
    assert sim.count_calls("rds.FailoverGlobalCluster") == 0
    assert aurora_ext.writer_arn("checkout-global") == PRIMARY_ARN


def test_impaired_writer_allowed_and_approved_fails_over_with_data_loss(sim: Any) -> None:
    # Given an impaired primary, a plan allowing data loss and an approved request
    action = seeded(sim, SPEC | {"allow_data_loss": True})
    _impair_primary()

    # When failing over
    result = action.run(make_ctx(approved=True))

    # Then FailoverGlobalCluster with AllowDataLoss promoted the secondary
    assert result.status == ActionStatus.CHANGED
    assert "allowing data loss" in result.detail
    assert sim.state["aurora.data_loss_failovers"] == [{"from": PRIMARY_ARN, "to": SECONDARY_ARN}]
    assert aurora_ext.writer_arn("checkout-global") == SECONDARY_ARN


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

    # When failing over, approved: then the target is probed first and the failover path runs
    result = action.run(make_ctx(approved=True))
    assert result.status == ActionStatus.CHANGED
    assert calls == [SECONDARY_REGION, PRIMARY_REGION]


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
