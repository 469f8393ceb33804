"""arc_routing_control: routing-control states through the cluster endpoints, tried in turn."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.actions.helpers import fail_over, make_ctx, seeded

from failover.errors import TransientError
from failover.models import ActionStatus
from failoverctl.sim.extensions import arc as arc_ext

PANEL = "arn:aws:route53-recovery-control::123456789012:controlpanel/0123456789abcdef0123456789abcdef"
PRIMARY = f"{PANEL}/routingcontrol/use1aaaaaaaaaaaa"
SECONDARY = f"{PANEL}/routingcontrol/usw2bbbbbbbbbbbb"
SPEC = {
    "type": "arc_routing_control",
    "cluster_endpoints": [
        {"endpoint": "https://aaaaaaaa.route53-recovery-cluster.us-east-1.amazonaws.com/v1", "region": "us-east-1"},
        {"endpoint": "https://bbbbbbbb.route53-recovery-cluster.us-west-2.amazonaws.com/v1", "region": "us-west-2"},
        {"endpoint": "https://cccccccc.route53-recovery-cluster.eu-west-1.amazonaws.com/v1", "region": "eu-west-1"},
    ],
    "primary": {"routing_control_arn": PRIMARY},
    "secondary": {"routing_control_arn": SECONDARY},
}
UPDATE = "route53-recovery-cluster.UpdateRoutingControlStates"


def test_failover_turns_the_target_on_and_the_source_off_in_one_call(sim: Any) -> None:
    # Given the primary's routing control is On
    action = seeded(sim, SPEC)
    # When failing over
    result = fail_over(action)

    # Then one update sets secondary On and primary Off, through the target region's endpoint first
    assert arc_ext.routing_control_state(sim, SECONDARY) == "On"
    assert arc_ext.routing_control_state(sim, PRIMARY) == "Off"
    assert sim.count_calls(UPDATE) == 1
    assert [c.region for c in sim.calls if c.api == UPDATE] == ["us-west-2"]
    assert result.undo[0]["UpdateRoutingControlStateEntries"] == [
        {"RoutingControlArn": SECONDARY, "RoutingControlState": "Off"},
        {"RoutingControlArn": PRIMARY, "RoutingControlState": "On"},
    ]


def test_dry_run_changes_nothing(sim: Any) -> None:
    action = seeded(sim, SPEC)
    result = action.run(make_ctx(dry_run=True))
    assert result.status == ActionStatus.DRY_RUN
    assert len(result.changes) == 2
    assert arc_ext.routing_control_state(sim, PRIMARY) == "On"
    assert sim.count_calls(UPDATE) == 0


def test_an_unavailable_endpoint_is_skipped_for_the_next(sim: Any) -> None:
    # Given the target region's cluster endpoint is unavailable
    action = seeded(sim, SPEC)
    arc_ext.set_endpoint_available(sim, "us-west-2", False)

    # When failing over
    result = action.run(make_ctx())

    # Then the next endpoint (not the region being left) took the update
    assert result.status == ActionStatus.CHANGED
    assert "eu-west-1" in result.detail
    assert "unavailable endpoint" in result.detail
    assert [c.region for c in sim.calls if c.api == UPDATE] == ["us-west-2", "eu-west-1"]
    assert arc_ext.routing_control_state(sim, SECONDARY) == "On"


def test_every_endpoint_unavailable_is_a_transient_error(sim: Any) -> None:
    action = seeded(sim, SPEC)
    for region in ("us-east-1", "us-west-2", "eu-west-1"):
        arc_ext.set_endpoint_available(sim, region, False)
    with pytest.raises(TransientError):
        action.run(make_ctx())


def test_throttling_on_one_endpoint_moves_to_the_next(sim: Any) -> None:
    action = seeded(sim, SPEC)
    sim.inject(UPDATE, "throttle")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert sim.count_calls(UPDATE) == 2


def test_a_safety_rule_violation_fails_without_trying_other_endpoints(sim: Any) -> None:
    # Given a rule that needs both controls On (so turning the source Off breaks it)
    action = seeded(sim, SPEC)
    arc_ext.add_assertion_rule(sim, f"{PANEL}/safetyrule/both-on", [PRIMARY, SECONDARY], min_on=2)

    # When failing over
    result = action.run(make_ctx())

    # Then the action fails with ARC's conflict, and nothing changed
    assert result.status == ActionStatus.FAILED
    assert result.error == "ConflictException"
    assert sim.count_calls(UPDATE) == 1
    assert arc_ext.routing_control_state(sim, PRIMARY) == "On"


def test_safety_rules_to_override_are_passed(sim: Any) -> None:
    rule = f"{PANEL}/safetyrule/both-on"
    action = seeded(sim, SPEC | {"safety_rules_to_override": [rule]})
    arc_ext.add_assertion_rule(sim, rule, [PRIMARY, SECONDARY], min_on=2)
    assert action.run(make_ctx()).status == ActionStatus.CHANGED


def test_verify(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert not all(c.ok for c in action.safe_verify(make_ctx()))
    action.run(make_ctx())
    assert all(c.ok for c in action.safe_verify(make_ctx()))
    # failback turns them back
    assert action.run(make_ctx("primary")).status == ActionStatus.CHANGED
    assert all(c.ok for c in action.safe_verify(make_ctx("primary")))


def test_dependencies_are_the_data_plane_endpoints_target_first(sim: Any) -> None:
    action = seeded(sim, SPEC)
    deps = action.dependencies(make_ctx())
    assert {d.plane for d in deps} == {"data"}
    assert [d.region for d in deps] == ["us-west-2", "eu-west-1", "us-east-1"]
