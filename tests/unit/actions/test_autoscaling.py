"""asg_capacity: scale the target side's group up; verify InService instances."""

from __future__ import annotations

from typing import Any

import boto3
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, checks_before_and_after, make_ctx, seeded

from failover.models import ActionStatus

SPEC = {
    "type": "asg_capacity",
    "primary": {"asg_name": "checkout-use1", "region": PRIMARY_REGION, "min_size": 2, "desired_capacity": 3},
    "secondary": {
        "asg_name": "checkout-usw2",
        "region": SECONDARY_REGION,
        "min_size": 2,
        "desired_capacity": 3,
        "max_size": 6,
    },
}


def _group(name: str, region: str) -> dict[str, Any]:
    client = boto3.client("autoscaling", region)
    group: dict[str, Any] = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return group


def test_failover_scales_the_standby_group_in_its_region(sim: Any) -> None:
    # Given the standby group is at zero
    action = seeded(sim, SPEC)
    assert _group("checkout-usw2", SECONDARY_REGION)["DesiredCapacity"] == 0
    assert action.observe(make_ctx()).side == "primary"

    # When failing over
    result = action.run(make_ctx())

    # Then it runs at min 2 / desired 3 / max 6, and the primary's group is untouched
    group = _group("checkout-usw2", SECONDARY_REGION)
    assert result.status == ActionStatus.CHANGED
    assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == (2, 3, 6)
    assert _group("checkout-use1", PRIMARY_REGION)["DesiredCapacity"] == 3
    assert result.undo[0] | {} == {
        "api": "autoscaling.UpdateAutoScalingGroup",
        "region": SECONDARY_REGION,
        "AutoScalingGroupName": "checkout-usw2",
        "MinSize": 0,
        "DesiredCapacity": 0,
        "MaxSize": 6,
    }
    assert {c.region for c in sim.calls if c.api == "autoscaling.UpdateAutoScalingGroup"} == {SECONDARY_REGION}


def test_a_larger_group_is_never_scaled_down(sim: Any) -> None:
    action = seeded(sim, SPEC)
    boto3.client("autoscaling", SECONDARY_REGION).update_auto_scaling_group(
        AutoScalingGroupName="checkout-usw2", MinSize=4, DesiredCapacity=5
    )
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert _group("checkout-usw2", SECONDARY_REGION)["DesiredCapacity"] == 5


def test_verify_waits_for_in_service_instances(sim: Any) -> None:
    action = seeded(sim, SPEC)
    before, after = checks_before_and_after(action)
    assert [c.ok for c in before] == [False, False]
    assert all(c.ok for c in after)
    assert after[1].values == {"in_service": 3, "expected": 3}
