"""Amazon ECS: raise the target side's service to its active size before traffic arrives.

Only the target side's service is touched, through the ECS and Application Auto Scaling APIs of its
own region. The desired count and, when the service has a scalable target, its minimum (and, if
needed, maximum) capacity are raised, never lowered: a failover never scales a service down, and a
minimum below the new desired count would let target tracking scale it back in. Verification
waits for the running tasks and a steady service (one deployment, running = desired), the same
condition as the ECS ``services_stable`` waiter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import EcsServiceCapacitySpec, EcsServiceSide
from failover.errors import ActionError
from failover.models import Check

DIMENSION = "ecs:service:DesiredCount"


@dataclass(frozen=True)
class ServiceState:
    """What one side's service runs now (``min``/``max`` None: no scalable target)."""

    status: str
    desired: int
    running: int
    pending: int
    deployments: int
    min: int | None
    max: int | None

    @property
    def steady(self) -> bool:
        return self.deployments == 1 and self.running == self.desired and self.pending == 0


@dataclass(frozen=True)
class Scaling:
    """The change for the target side: a new desired count and/or scalable-target range (None: keep)."""

    desired: int | None
    min: int | None
    max: int | None


def wanted_min(side: EcsServiceSide) -> int:
    return side.desired_count if side.min_capacity is None else side.min_capacity


def resource_id(side: EcsServiceSide) -> str:
    return f"service/{side.cluster}/{side.service}"


class EcsServiceCapacity(Action[EcsServiceCapacitySpec]):
    """Raise the target side's service desired count and scalable-target minimum; never scale down."""

    type: ClassVar[str] = "ecs_service_capacity"
    plane = "control"
    iam_actions = (
        "ecs:DescribeServices",
        "ecs:UpdateService",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:RegisterScalableTarget",
    )

    def target_label(self) -> str:
        return f"ECS services {self.spec.primary.service} / {self.spec.secondary.service}"

    # -- reading ------------------------------------------------------------------------

    def read(self, ctx: ActionContext, side: EcsServiceSide) -> ServiceState:
        resp = ctx.clients.get("ecs", side.region).describe_services(cluster=side.cluster, services=[side.service])
        services = [s for s in resp.get("services", []) if s.get("serviceName") == side.service]
        if not services:
            reason = next((f.get("reason") for f in resp.get("failures", [])), "MISSING")
            raise ActionError(
                f"ECS service {side.service} not found in cluster {side.cluster} ({side.region}): {reason}"
            )
        service: dict[str, Any] = services[0]
        targets = ctx.clients.get("application-autoscaling", side.region).describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[resource_id(side)], ScalableDimension=DIMENSION
        )["ScalableTargets"]
        return ServiceState(
            status=str(service.get("status")),
            desired=int(service.get("desiredCount", 0)),
            running=int(service.get("runningCount", 0)),
            pending=int(service.get("pendingCount", 0)),
            deployments=len(service.get("deployments", [])),
            min=int(targets[0]["MinCapacity"]) if targets else None,
            max=int(targets[0]["MaxCapacity"]) if targets else None,
        )

    @staticmethod
    def scaled(state: ServiceState, side: EcsServiceSide) -> bool:
        return state.desired >= side.desired_count and (state.min is None or state.min >= wanted_min(side))

    def observe(self, ctx: ActionContext) -> Observation:
        states = {name: self.read(ctx, getattr(self.spec, name)) for name in ("primary", "secondary")}
        scaled = {name: self.scaled(state, getattr(self.spec, name)) for name, state in states.items()}
        detail = ", ".join(f"{n} desired {s.desired} running {s.running}" for n, s in states.items())
        values = {n: {"desired": s.desired, "running": s.running, "min": s.min} for n, s in states.items()}
        # like standby capacity: the source keeps its tasks, so a scaled target means this action is done
        if scaled[ctx.target]:
            return Observation(ctx.target, detail, values)
        if scaled[ctx.source]:
            return Observation(ctx.source, detail, values)
        return Observation("unknown", detail, values)

    # -- changing -----------------------------------------------------------------------

    @staticmethod
    def desired_change(state: ServiceState, side: EcsServiceSide) -> Scaling:
        """Only raises: the desired count, and the scalable target's minimum (and maximum to fit)."""
        desired = side.desired_count if state.desired < side.desired_count else None
        new_min = new_max = None
        if state.min is not None and state.max is not None:
            floor = wanted_min(side)
            if state.min < floor:
                new_min = floor
            ceiling = max(floor, side.desired_count)
            if state.max < ceiling:
                new_max = ceiling
        return Scaling(desired, new_min, new_max)

    @staticmethod
    def describe(change: Scaling, state: ServiceState, side: EcsServiceSide) -> list[str]:
        parts = []
        if change.desired is not None:
            parts.append(f"desired count {state.desired} -> {change.desired}")
        if change.min is not None:
            parts.append(f"auto scaling minimum {state.min} -> {change.min}")
        if change.max is not None:
            parts.append(f"auto scaling maximum {state.max} -> {change.max}")
        if not parts:
            return []
        return [f"scale {side.cluster}/{side.service} ({side.region}) " + ", ".join(parts)]

    @staticmethod
    def undo_for(change: Scaling, state: ServiceState, side: EcsServiceSide) -> list[dict[str, Any]]:
        undo: list[dict[str, Any]] = []
        if change.min is not None or change.max is not None:
            undo.append(
                {
                    "api": "application-autoscaling.RegisterScalableTarget",
                    "region": side.region,
                    "ServiceNamespace": "ecs",
                    "ResourceId": resource_id(side),
                    "ScalableDimension": DIMENSION,
                    "MinCapacity": state.min,
                    "MaxCapacity": state.max,
                }
            )
        if change.desired is not None:
            undo.append(
                {
                    "api": "ecs.UpdateService",
                    "region": side.region,
                    "cluster": side.cluster,
                    "service": side.service,
                    "desiredCount": state.desired,
                }
            )
        return undo

    def apply_change(self, ctx: ActionContext, change: Scaling, side: EcsServiceSide) -> None:
        # the range first: a minimum below the new desired count would let target tracking scale back in
        if change.min is not None or change.max is not None:
            limits = {k: v for k, v in (("MinCapacity", change.min), ("MaxCapacity", change.max)) if v is not None}
            ctx.clients.get("application-autoscaling", side.region).register_scalable_target(
                ServiceNamespace="ecs", ResourceId=resource_id(side), ScalableDimension=DIMENSION, **limits
            )
        if change.desired is not None:
            ctx.clients.get("ecs", side.region).update_service(
                cluster=side.cluster, service=side.service, desiredCount=change.desired
            )

    def apply(self, ctx: ActionContext) -> Change | Done:
        side: EcsServiceSide = getattr(self.spec, ctx.target)
        state = self.read(ctx, side)
        change = self.desired_change(state, side)
        planned = self.describe(change, state, side)
        if planned and state.status != "ACTIVE":
            raise ActionError(f"ECS service {side.service} ({side.region}) is {state.status}, not ACTIVE")

        def do_change() -> str:
            self.apply_change(ctx, change, side)
            return planned[0]

        return Change(
            f"{side.cluster}/{side.service} desired {state.desired} running {state.running}",
            planned,
            do_change,
            undo=self.undo_for(change, state, side),
            region=side.region,
        )

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        side: EcsServiceSide = getattr(self.spec, ctx.target)
        state = self.read(ctx, side)
        label = f"{side.cluster}/{side.service} ({side.region})"
        checks = [
            Check(
                name=f"{self.name}: {side.service} desired count >= {side.desired_count}",
                ok=self.scaled(state, side),
                detail=f"{label} desired {state.desired}, auto scaling minimum {state.min}",
                values={"desired": state.desired, "min": state.min, "expected": side.desired_count},
            )
        ]
        if self.spec.wait_for_steady_state:
            checks.append(
                Check(
                    name=f"{self.name}: {side.service} runs {side.desired_count} task(s), steady",
                    ok=state.running >= side.desired_count and state.steady,
                    detail=f"{label} running {state.running}, pending {state.pending}, "
                    f"{state.deployments} deployment(s)",
                    values={"running": state.running, "pending": state.pending, "deployments": state.deployments},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        side: EcsServiceSide = getattr(self.spec, ctx.target)
        alternative = "run the standby service at full size (warm standby) so that no scaling call is needed"
        return [
            Dependency(
                "control",
                "ecs",
                "UpdateService",
                side.region,
                "ECS control plane of the region being activated",
                alternative,
            ),
            Dependency(
                "control",
                "application-autoscaling",
                "RegisterScalableTarget",
                side.region,
                "Application Auto Scaling of the region being activated (services with a scalable target)",
                alternative,
            ),
        ]
