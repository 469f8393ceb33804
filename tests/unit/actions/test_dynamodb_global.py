"""dynamodb_global_table: nothing to switch; the target replica must be ACTIVE."""

from __future__ import annotations

from typing import Any

from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, make_ctx, seeded

from failover.models import ActionStatus
from failoverctl.sim.extensions import dynamodb as dynamodb_ext

SPEC = {
    "type": "dynamodb_global_table",
    "table_name": "checkout-sessions",
    "primary": {"region": PRIMARY_REGION},
    "secondary": {"region": SECONDARY_REGION},
}


def test_an_active_target_replica_is_unchanged_and_verifies(sim: Any) -> None:
    # Given a global table with both replicas ACTIVE
    action = seeded(sim, SPEC)

    # When failing over, then nothing changes and verification passes
    result = action.run(make_ctx())
    assert result.status == ActionStatus.UNCHANGED
    assert "nothing to switch" in result.detail
    assert result.region == SECONDARY_REGION
    checks = action.safe_verify(make_ctx())
    assert all(c.ok for c in checks)
    assert "us-east-1 ACTIVE" in checks[1].detail


def test_second_run_and_dry_run_change_nothing(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert action.run(make_ctx(dry_run=True)).status == ActionStatus.UNCHANGED
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert action.run(make_ctx()).changes == []


def test_a_replica_that_is_not_active_fails_the_stage(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dynamodb_ext.set_replica_status(sim, "checkout-sessions", SECONDARY_REGION, "UPDATING")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "UPDATING" in result.detail
    assert action.safe_verify(make_ctx())[0].ok is False


def test_a_table_that_is_not_global_fails_verification(sim: Any) -> None:
    action = seeded(sim, SPEC)
    sim.state["dynamodb.global_tables"].clear()
    assert action.safe_verify(make_ctx())[1].ok is False


def test_a_missing_table_fails(sim: Any) -> None:
    action = seeded(sim, SPEC)
    action.spec = action.spec.model_copy(update={"table_name": "nope"})
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "ResourceNotFoundException"
