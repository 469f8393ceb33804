"""ecs_service_capacity: raise the target side's service and its auto scaling minimum; verify a steady service."""

from __future__ import annotations

from typing import Any

import boto3
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, make_ctx, seeded

from failover.actions.ecs import ServiceState
from failover.models import ActionStatus

SPEC = {
    "type": "ecs_service_capacity",
    "primary": {"cluster": "shop", "service": "shop-api", "region": PRIMARY_REGION, "desired_count": 6},
    "secondary": {
        "cluster": "shop",
        "service": "shop-api",
        "region": SECONDARY_REGION,
        "desired_count": 6,
        "min_capacity": 4,
    },
}
RESOURCE = "service/shop/shop-api"


def _service(region: str) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("ecs", region).describe_services(cluster="shop", services=["shop-api"])[
        "services"
    ][0]
    return found


def _target(region: str) -> dict[str, Any]:
    found: dict[str, Any] = boto3.client("application-autoscaling", region).describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[RESOURCE]
    )["ScalableTargets"][0]
    return found


def test_failover_scales_the_standby_service_and_its_minimum_in_its_region(sim: Any) -> None:
    # Given the standby service runs no task and its scalable target allows 0-6
    action = seeded(sim, SPEC)
    assert _service(SECONDARY_REGION)["desiredCount"] == 0
    assert action.observe(make_ctx()).side == "primary"

    # When failing over
    seeded_calls = len(sim.calls)
    result = action.run(make_ctx())

    # Then it wants 6 tasks, auto scaling keeps at least 4, and the primary's service is untouched
    assert result.status == ActionStatus.CHANGED
    assert _service(SECONDARY_REGION)["desiredCount"] == 6
    assert (_target(SECONDARY_REGION)["MinCapacity"], _target(SECONDARY_REGION)["MaxCapacity"]) == (4, 6)
    assert _service(PRIMARY_REGION)["desiredCount"] == 6
    assert result.undo == [
        {
            "api": "application-autoscaling.RegisterScalableTarget",
            "region": SECONDARY_REGION,
            "ServiceNamespace": "ecs",
            "ResourceId": RESOURCE,
            "ScalableDimension": "ecs:service:DesiredCount",
            "MinCapacity": 0,
            "MaxCapacity": 6,
        },
        {
            "api": "ecs.UpdateService",
            "region": SECONDARY_REGION,
            "cluster": "shop",
            "service": "shop-api",
            "desiredCount": 0,
        },
    ]
    assert {c.region for c in sim.calls[seeded_calls:] if c.api == "ecs.UpdateService"} == {SECONDARY_REGION}
    assert action.observe(make_ctx()).side == "secondary"


def test_a_maximum_below_the_desired_count_is_raised_too(sim: Any) -> None:
    action = seeded(sim, SPEC)
    boto3.client("application-autoscaling", SECONDARY_REGION).register_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension="ecs:service:DesiredCount", MaxCapacity=2
    )
    action.run(make_ctx())
    assert (_target(SECONDARY_REGION)["MinCapacity"], _target(SECONDARY_REGION)["MaxCapacity"]) == (4, 6)


def test_a_dry_run_names_the_desired_count(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dry = action.run(make_ctx(dry_run=True))
    assert "desired count 0 -> 6" in dry.detail
    assert _service(SECONDARY_REGION)["desiredCount"] == 0


def test_a_larger_service_is_never_scaled_down(sim: Any) -> None:
    action = seeded(sim, SPEC)
    boto3.client("ecs", SECONDARY_REGION).update_service(cluster="shop", service="shop-api", desiredCount=9)
    boto3.client("application-autoscaling", SECONDARY_REGION).register_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension="ecs:service:DesiredCount", MinCapacity=5
    )
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert _service(SECONDARY_REGION)["desiredCount"] == 9
    assert _target(SECONDARY_REGION)["MinCapacity"] == 5


def test_a_service_without_a_scalable_target_gets_its_desired_count_only(sim: Any) -> None:
    action = seeded(sim, SPEC)
    boto3.client("application-autoscaling", SECONDARY_REGION).deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension="ecs:service:DesiredCount"
    )
    registered = sim.count_calls("applicationautoscaling.RegisterScalableTarget")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED
    assert [u["api"] for u in result.undo] == ["ecs.UpdateService"]
    assert sim.count_calls("applicationautoscaling.RegisterScalableTarget") == registered


def test_verify_waits_for_running_tasks_and_a_steady_service(sim: Any) -> None:
    action = seeded(sim, SPEC)
    assert [c.ok for c in action.safe_verify(make_ctx())] == [False, False]
    action.run(make_ctx())
    after = action.safe_verify(make_ctx())
    assert all(c.ok for c in after), after
    assert after[1].values == {"running": 6, "pending": 0, "deployments": 1}


def test_a_rollout_in_progress_is_not_steady() -> None:
    def state(**change: int) -> ServiceState:
        return ServiceState(
            **(
                {"status": "ACTIVE", "desired": 6, "running": 6, "pending": 0, "deployments": 1, "min": 4, "max": 6}
                | change
            )
        )  # type: ignore[arg-type]

    assert state().steady
    assert not state(deployments=2).steady
    assert not state(running=5, pending=1).steady


def test_it_depends_on_the_target_regions_control_planes_only() -> None:
    from tests.unit.actions.helpers import parse_spec

    from failover.actions import build_action

    action = build_action(parse_spec(SPEC), "api")
    for target, region in (("secondary", SECONDARY_REGION), ("primary", PRIMARY_REGION)):
        deps = action.dependencies(make_ctx(target))
        assert {(d.service, d.api, d.region) for d in deps} == {
            ("ecs", "UpdateService", region),
            ("application-autoscaling", "RegisterScalableTarget", region),
        }
