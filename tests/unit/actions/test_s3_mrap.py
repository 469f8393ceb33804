"""s3_mrap_routes: traffic dials through the routing regions, tried in turn."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.actions.helpers import ACCOUNT, PRIMARY_REGION, SECONDARY_REGION, make_ctx, seeded

from failover.errors import TransientError
from failover.models import ActionStatus
from failoverctl.sim.extensions import s3control as s3control_ext

MRAP = f"arn:aws:s3::{ACCOUNT}:accesspoint/mfzwi23gnjvgw.mrap"
SPEC = {
    "type": "s3_mrap_routes",
    "account_id": ACCOUNT,
    "mrap_arn": MRAP,
    "primary": {"bucket": "checkout-assets-use1", "region": PRIMARY_REGION},
    "secondary": {"bucket": "checkout-assets-usw2", "region": SECONDARY_REGION},
}
SUBMIT = "s3control.SubmitMultiRegionAccessPointRoutes"


def _dials(sim: Any) -> dict[str, int]:
    return {r["Bucket"]: r["TrafficDialPercentage"] for r in s3control_ext.routes(sim, MRAP)}


def test_failover_dials_the_target_bucket_up_and_the_source_down(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert action.observe(make_ctx()).side == "primary"
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert _dials(sim) == {"checkout-assets-use1": 0, "checkout-assets-usw2": 100}
    assert [c.region for c in sim.calls if c.api == SUBMIT] == [SECONDARY_REGION]
    assert result.undo[0]["RouteUpdates"] == [
        {"Bucket": "checkout-assets-usw2", "TrafficDialPercentage": 0},
        {"Bucket": "checkout-assets-use1", "TrafficDialPercentage": 100},
    ]


def test_an_unavailable_routing_region_is_skipped(sim: Any) -> None:
    action = seeded(sim, SPEC)
    s3control_ext.set_region_available(sim, SECONDARY_REGION, False)
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert "unavailable region" in result.detail
    # the next routing region is not the region being left
    assert [c.region for c in sim.calls if c.api == SUBMIT] == [SECONDARY_REGION, "ap-southeast-2"]


def test_every_routing_region_unavailable_is_transient(sim: Any) -> None:
    action = seeded(sim, SPEC)
    for region in s3control_ext.ROUTING_REGIONS:
        s3control_ext.set_region_available(sim, region, False)
    with pytest.raises(TransientError):
        action.run(make_ctx())


def test_an_unknown_access_point_fails(sim: Any) -> None:
    action = seeded(sim, SPEC | {"mrap_arn": MRAP})
    action.spec = action.spec.model_copy(update={"mrap_arn": f"arn:aws:s3::{ACCOUNT}:accesspoint/nope.mrap"})
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "NoSuchMultiRegionAccessPoint"


def test_verify(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert not all(c.ok for c in action.safe_verify(make_ctx()))
    action.run(make_ctx())
    assert all(c.ok for c in action.safe_verify(make_ctx()))
