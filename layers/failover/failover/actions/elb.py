"""Elastic Load Balancing: shift a listener's (or a rule's) forward weights to the target group.

``ModifyListener``/``ModifyRule`` are calls to the load balancer's regional control plane; keep
the load balancer in the region being activated. Other actions of the listener (authentication,
other target groups) are kept as they are.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation, side_by_share
from failover.actions.specs import ElbWeightsSpec
from failover.errors import ActionError
from failover.models import Check


def forward_weights(actions: list[dict[str, Any]]) -> dict[str, int]:
    """Target group ARN -> weight of the forward action in ``actions``."""
    for action in actions:
        if action.get("Type") != "forward":
            continue
        groups = action.get("ForwardConfig", {}).get("TargetGroups")
        if groups:
            return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


class ElbWeights(Action[ElbWeightsSpec]):
    """Target side's target group ``active_weight``, source side's 0."""

    type: ClassVar[str] = "elb_weights"
    plane = "control"
    iam_actions = (
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:ModifyListener",
        "elasticloadbalancing:ModifyRule",
        "elasticloadbalancing:DescribeTargetHealth",
    )

    def target_label(self) -> str:
        arn = self.spec.rule_arn or self.spec.listener_arn
        kind = "rule" if self.spec.rule_arn else "listener"
        return f"{kind} {arn.split(':', 5)[-1].split('/', 1)[-1]} ({self.spec.region})"

    def _actions(self, ctx: ActionContext) -> list[dict[str, Any]]:
        elb = ctx.clients.get("elbv2", self.spec.region)
        if self.spec.rule_arn:
            rules = elb.describe_rules(RuleArns=[self.spec.rule_arn])["Rules"]
            actions: list[dict[str, Any]] = rules[0].get("Actions", [])
        else:
            listeners = elb.describe_listeners(ListenerArns=[self.spec.listener_arn])["Listeners"]
            actions = listeners[0].get("DefaultActions", [])
        return actions

    def observe(self, ctx: ActionContext) -> Observation:
        weights = forward_weights(self._actions(ctx))
        p = weights.get(self.spec.primary.target_group_arn, 0)
        s = weights.get(self.spec.secondary.target_group_arn, 0)
        return Observation(side_by_share(p, s), f"weights primary {p}, secondary {s}", {"weights": weights})

    def _desired(self, ctx: ActionContext) -> dict[str, int]:
        return {
            getattr(self.spec, ctx.target).target_group_arn: self.spec.active_weight,
            getattr(self.spec, ctx.source).target_group_arn: 0,
        }

    def _with_weights(self, actions: list[dict[str, Any]], desired: dict[str, int]) -> list[dict[str, Any]]:
        new = copy.deepcopy(actions)
        for action in new:
            if action.get("Type") != "forward":
                continue
            config = action.setdefault("ForwardConfig", {})
            groups = config.get("TargetGroups") or (
                [{"TargetGroupArn": action["TargetGroupArn"], "Weight": 1}] if action.get("TargetGroupArn") else []
            )
            weights = {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups} | desired
            config["TargetGroups"] = [{"TargetGroupArn": arn, "Weight": w} for arn, w in weights.items()]
            action.pop("TargetGroupArn", None)  # with several groups only ForwardConfig may name them
            return new
        raise ActionError(f"{self.target_label()} has no forward action to weight")

    def apply(self, ctx: ActionContext) -> Change | Done:
        actions = self._actions(ctx)
        current = forward_weights(actions)
        desired = self._desired(ctx)
        planned = [
            f"set weight of {arn.rsplit(':', 1)[-1]} from {current.get(arn, 0)} to {w}"
            for arn, w in desired.items()
            if current.get(arn, 0) != w or arn not in current
        ]
        api = "elbv2.ModifyRule" if self.spec.rule_arn else "elbv2.ModifyListener"
        arn_key, actions_key = ("RuleArn", "Actions") if self.spec.rule_arn else ("ListenerArn", "DefaultActions")
        arn = self.spec.rule_arn or self.spec.listener_arn
        undo = [{"api": api, "region": self.spec.region, arn_key: arn, actions_key: actions}]

        def do_change() -> str:
            elb = ctx.clients.get("elbv2", self.spec.region)
            new_actions = self._with_weights(actions, desired)
            if self.spec.rule_arn:
                elb.modify_rule(RuleArn=self.spec.rule_arn, Actions=new_actions)
            else:
                elb.modify_listener(ListenerArn=self.spec.listener_arn, DefaultActions=new_actions)
            return "; ".join(planned)

        return Change(f"weights {current}", planned, do_change, undo=undo, region=self.spec.region)

    def verify(self, ctx: ActionContext) -> list[Check]:
        weights = forward_weights(self._actions(ctx))
        desired = self._desired(ctx)
        target_tg = getattr(self.spec, ctx.target).target_group_arn
        health = ctx.clients.get("elbv2", self.spec.region).describe_target_health(TargetGroupArn=target_tg)
        states = [d["TargetHealth"]["State"] for d in health.get("TargetHealthDescriptions", [])]
        healthy = states.count("healthy")
        return [
            Check(
                name=f"{self.name}: weights on {ctx.target}",
                ok=all(weights.get(arn, 0) == w for arn, w in desired.items()),
                detail=f"{self.target_label()} weights {weights}",
                values={"weights": weights, "expected": desired},
            ),
            Check(
                name=f"{self.name}: healthy targets in the {ctx.target} target group",
                ok=healthy > 0,
                detail=f"{healthy} of {len(states)} target(s) healthy in {target_tg.rsplit(':', 1)[-1]}",
                values={"healthy": healthy, "targets": len(states)},
            ),
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "elasticloadbalancing",
                "ModifyRule" if self.spec.rule_arn else "ModifyListener",
                self.spec.region,
                "the load balancer's regional control plane",
                "arc_routing_control or route53_metric_switch in front of per-region load balancers",
            )
        ]
