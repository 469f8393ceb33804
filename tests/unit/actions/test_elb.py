"""elb_weights: shift forward weights between target groups; verify healthy targets."""

from __future__ import annotations

from typing import Any

import boto3
from tests.unit.actions.helpers import ACCOUNT, SECONDARY_REGION, checks_before_and_after, fail_over, make_ctx, seeded

from failover.models import ActionStatus

ELB = f"arn:aws:elasticloadbalancing:{SECONDARY_REGION}:{ACCOUNT}"
LISTENER = f"{ELB}:listener/app/checkout/0000000000000000/0000000000000000"
SPEC = {
    "type": "elb_weights",
    "region": SECONDARY_REGION,
    "listener_arn": LISTENER,
    "primary": {"target_group_arn": f"{ELB}:targetgroup/checkout-use1/0000000000000001"},
    "secondary": {"target_group_arn": f"{ELB}:targetgroup/checkout-usw2/0000000000000002"},
}


def _weights(action: Any) -> dict[str, int]:
    elb = boto3.client("elbv2", SECONDARY_REGION)
    if action.spec.rule_arn:
        actions = elb.describe_rules(RuleArns=[action.spec.rule_arn])["Rules"][0]["Actions"]
    else:
        actions = elb.describe_listeners(ListenerArns=[action.spec.listener_arn])["Listeners"][0]["DefaultActions"]
    groups = actions[0]["ForwardConfig"]["TargetGroups"]
    return {g["TargetGroupArn"].split("/")[1]: g["Weight"] for g in groups}


def test_failover_moves_the_weight_to_the_target_group(sim: Any) -> None:
    # Given the listener forwards everything to the primary's target group
    action = seeded(sim, SPEC)
    assert _weights(action) == {"checkout-use1": 100, "checkout-usw2": 0}
    # When failing over
    result = fail_over(action)

    # Then the secondary's group takes all the weight; the undo restores the old actions
    assert _weights(action) == {"checkout-use1": 0, "checkout-usw2": 100}
    assert result.undo[0]["api"] == "elbv2.ModifyListener"
    assert result.undo[0]["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["Weight"] == 100


def test_rule_weights_are_shifted_when_a_rule_is_named(sim: Any) -> None:
    rule = LISTENER.replace(":listener/", ":listener-rule/") + "/0000000000000003"
    action = seeded(sim, SPEC | {"rule_arn": rule, "active_weight": 10})
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert _weights(action) == {"checkout-use1": 0, "checkout-usw2": 10}
    assert sim.count_calls("elbv2.ModifyRule") == 1
    assert sim.count_calls("elbv2.ModifyListener") == 0


def test_a_missing_listener_is_a_failed_result(sim: Any) -> None:
    action = seeded(sim, SPEC)
    action.spec = action.spec.model_copy(update={"listener_arn": LISTENER})  # the placeholder, never created
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert result.error == "ListenerNotFound"


def test_verify_needs_the_weights_and_healthy_targets(sim: Any) -> None:
    action = seeded(sim, SPEC)
    before, after = checks_before_and_after(action)
    assert [c.ok for c in before] == [False, True]
    assert all(c.ok for c in after)
    assert "1 of 1 target(s) healthy" in after[1].detail


def test_verify_fails_without_healthy_targets(sim: Any) -> None:
    action = seeded(sim, SPEC)
    action.run(make_ctx())
    target_group = action.spec.secondary.target_group_arn
    elb = boto3.client("elbv2", SECONDARY_REGION)
    elb.deregister_targets(TargetGroupArn=target_group, Targets=[{"Id": "10.20.2.10", "Port": 80}])
    checks = action.safe_verify(make_ctx())
    assert checks[1].ok is False
