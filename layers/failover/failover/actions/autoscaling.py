"""EC2 Auto Scaling: scale the target side's group up to its standby-to-active size.

Only the target side's group is touched, through the Auto Scaling API of its own region (pilot
light and warm standby: the fleet must be up before it takes traffic). The group is never scaled
down by a failover; verification waits until enough instances are ``InService``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import AsgCapacitySpec, AsgSide
from failover.errors import ActionError
from failover.models import Check


class AsgCapacity(Action[AsgCapacitySpec]):
    """Raise the target side's group to at least its min/desired (and max) sizes."""

    type: ClassVar[str] = "asg_capacity"
    plane = "control"
    iam_actions = ("autoscaling:DescribeAutoScalingGroups", "autoscaling:UpdateAutoScalingGroup")

    def target_label(self) -> str:
        return f"Auto Scaling groups {self.spec.primary.asg_name} / {self.spec.secondary.asg_name}"

    @staticmethod
    def group(ctx: ActionContext, side: AsgSide) -> dict[str, Any]:
        groups = ctx.clients.get("autoscaling", side.region).describe_auto_scaling_groups(
            AutoScalingGroupNames=[side.asg_name]
        )["AutoScalingGroups"]
        if not groups:
            raise ActionError(f"Auto Scaling group {side.asg_name} not found in {side.region}")
        found: dict[str, Any] = groups[0]
        return found

    @staticmethod
    def in_service(group: dict[str, Any]) -> int:
        return sum(
            1
            for i in group.get("Instances", [])
            if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy"
        )

    @staticmethod
    def _scaled(group: dict[str, Any], side: AsgSide) -> bool:
        return int(group["MinSize"]) >= side.min_size and int(group["DesiredCapacity"]) >= side.desired_capacity

    def observe(self, ctx: ActionContext) -> Observation:
        scaled = {}
        sizes = {}
        for name in ("primary", "secondary"):
            side = getattr(self.spec, name)
            group = self.group(ctx, side)
            scaled[name] = self._scaled(group, side)
            sizes[name] = {
                "min": group["MinSize"],
                "desired": group["DesiredCapacity"],
                "in_service": self.in_service(group),
            }
        detail = ", ".join(f"{n} min {s['min']} desired {s['desired']}" for n, s in sizes.items())
        # standby capacity is ready or not: the source keeps its fleet after a failover, so a scaled
        # target side means this action is done whatever the source runs
        if scaled[ctx.target]:
            return Observation(ctx.target, detail, sizes)
        if scaled[ctx.source]:
            return Observation(ctx.source, detail, sizes)
        return Observation("unknown", detail, sizes)

    def apply(self, ctx: ActionContext) -> Change | Done:
        side: AsgSide = getattr(self.spec, ctx.target)
        group = self.group(ctx, side)
        current = {
            "MinSize": int(group["MinSize"]),
            "DesiredCapacity": int(group["DesiredCapacity"]),
            "MaxSize": int(group["MaxSize"]),
        }
        wanted_max = max(side.max_size or 0, side.desired_capacity)
        update: dict[str, int] = {}
        if current["MinSize"] < side.min_size:
            update["MinSize"] = side.min_size
        if current["DesiredCapacity"] < side.desired_capacity:
            update["DesiredCapacity"] = side.desired_capacity
        if current["MaxSize"] < wanted_max:
            update["MaxSize"] = wanted_max
        planned = (
            [
                f"scale {side.asg_name} ({side.region}) "
                + ", ".join(f"{k} {current[k]} -> {v}" for k, v in update.items())
            ]
            if update
            else []
        )
        undo = [
            {
                "api": "autoscaling.UpdateAutoScalingGroup",
                "region": side.region,
                "AutoScalingGroupName": side.asg_name,
                **current,
            }
        ]

        def do_change() -> str:
            ctx.clients.get("autoscaling", side.region).update_auto_scaling_group(
                AutoScalingGroupName=side.asg_name, **update
            )
            return planned[0]

        return Change(
            f"{side.asg_name} min {current['MinSize']} desired {current['DesiredCapacity']}",
            planned,
            do_change,
            undo=undo,
            region=side.region,
        )

    def verify(self, ctx: ActionContext) -> list[Check]:
        side: AsgSide = getattr(self.spec, ctx.target)
        group = self.group(ctx, side)
        checks = [
            Check(
                name=f"{self.name}: {side.asg_name} desired capacity >= {side.desired_capacity}",
                ok=self._scaled(group, side),
                detail=f"{side.asg_name} ({side.region}) min {group['MinSize']} desired {group['DesiredCapacity']}",
                values={"min": group["MinSize"], "desired": group["DesiredCapacity"]},
            )
        ]
        if self.spec.wait_for_in_service:
            count = self.in_service(group)
            checks.append(
                Check(
                    name=f"{self.name}: {side.asg_name} has {side.desired_capacity} instance(s) InService",
                    ok=count >= side.desired_capacity,
                    detail=f"{count} of {side.desired_capacity} instance(s) InService and healthy",
                    values={"in_service": count, "expected": side.desired_capacity},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        side: AsgSide = getattr(self.spec, ctx.target)
        return [
            Dependency(
                "control",
                "autoscaling",
                "UpdateAutoScalingGroup",
                side.region,
                "Auto Scaling control plane of the region being activated",
                "pre-scale the standby (warm standby at full size) so that no scaling call is needed",
            )
        ]
