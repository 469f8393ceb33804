"""Route 53 ARC routing controls: set the target side On and the source side Off (data plane).

Routing-control states are read and set through the ARC cluster's regional endpoints, the data
plane AWS recommends for failover. Each call tries the endpoints in turn (the target region's
first, the region being left last) and moves on when an endpoint is unavailable, as the ARC
developer guide says. Both states change in one ``UpdateRoutingControlStates`` call, so an
assertion safety rule ("at least one On") holds throughout.
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.regional import in_turn, ordered
from failover.actions.specs import ArcRoutingControlSpec, ClusterEndpoint
from failover.models import Check

SERVICE = "route53-recovery-cluster"


def _label(endpoint: ClusterEndpoint) -> str:
    return f"{endpoint.region} ({endpoint.endpoint})"


class ArcRoutingControl(Action[ArcRoutingControlSpec]):
    """Target side's routing control On, source side's Off."""

    type: ClassVar[str] = "arc_routing_control"
    plane = "data"
    iam_actions = (
        "route53-recovery-cluster:GetRoutingControlState",
        "route53-recovery-cluster:UpdateRoutingControlStates",
    )

    def target_label(self) -> str:
        return (
            f"routing controls {self.spec.primary.routing_control_arn.rsplit('/', 1)[-1]} / "
            + (self.spec.secondary.routing_control_arn.rsplit("/", 1)[-1])
        )

    # -- the cluster endpoints ---------------------------------------------------------

    def _endpoints(self, ctx: ActionContext) -> list[ClusterEndpoint]:
        return ordered(
            self.spec.cluster_endpoints, lambda e: e.region, prefer=ctx.target_region, avoid=ctx.source_region
        )

    def _call(
        self, ctx: ActionContext, operation: str, **params: Any
    ) -> tuple[dict[str, Any], ClusterEndpoint, list[str]]:
        def call(endpoint: ClusterEndpoint) -> dict[str, Any]:
            client = ctx.clients.get(SERVICE, endpoint.region, endpoint_url=endpoint.endpoint)
            answer: dict[str, Any] = getattr(client, operation)(**params)
            return answer

        return in_turn(self._endpoints(ctx), call, _label)

    def states(self, ctx: ActionContext) -> dict[str, str]:
        """Current state ("On"/"Off") of each side's routing control."""
        out = {}
        for side in ("primary", "secondary"):
            arn = getattr(self.spec, side).routing_control_arn
            answer, _, _ = self._call(ctx, "get_routing_control_state", RoutingControlArn=arn)
            out[side] = answer["RoutingControlState"]
        return out

    def observe(self, ctx: ActionContext) -> Observation:
        states = self.states(ctx)
        detail = f"primary {states['primary']}, secondary {states['secondary']}"
        if states["primary"] == "On" and states["secondary"] == "Off":
            return Observation("primary", detail, states)
        if states["secondary"] == "On" and states["primary"] == "Off":
            return Observation("secondary", detail, states)
        return Observation("mixed" if "On" in states.values() else "unknown", detail, states)

    # -- changing -----------------------------------------------------------------------

    def apply(self, ctx: ActionContext) -> Change | Done:
        states = self.states(ctx)
        want = {ctx.target: "On", ctx.source: "Off"}
        entries = []
        undo_entries = []
        planned = []
        for side in (ctx.target, ctx.source):
            arn = getattr(self.spec, side).routing_control_arn
            if states[side] != want[side]:
                entries.append({"RoutingControlArn": arn, "RoutingControlState": want[side]})
                undo_entries.append({"RoutingControlArn": arn, "RoutingControlState": states[side]})
                planned.append(f"set {side} routing control {arn.rsplit('/', 1)[-1]} {want[side]}")
        undo: list[dict[str, Any]] = []
        if undo_entries:
            undo.append(
                {
                    "api": "route53-recovery-cluster.UpdateRoutingControlStates",
                    "UpdateRoutingControlStateEntries": undo_entries,
                }
            )

        def do_change() -> str:
            params: dict[str, Any] = {"UpdateRoutingControlStateEntries": entries}
            if self.spec.safety_rules_to_override:
                params["SafetyRulesToOverride"] = list(self.spec.safety_rules_to_override)
            _, endpoint, failed = self._call(ctx, "update_routing_control_states", **params)
            detail = f"{'; '.join(planned)} (through {_label(endpoint)}"
            if failed:
                detail += f" after {len(failed)} unavailable endpoint(s): {'; '.join(failed)}"
            return detail + ")"

        return Change(
            f"primary {states['primary']}, secondary {states['secondary']}",
            planned,
            do_change,
            undo=undo,
            region=ctx.target_region,
        )

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        states = self.states(ctx)
        want = {ctx.target: "On", ctx.source: "Off"}
        return [
            Check(
                name=f"{self.name}: {side} routing control {want[side]}",
                ok=states[side] == want[side],
                detail=f"{getattr(self.spec, side).routing_control_arn} is {states[side]}",
                values={"state": states[side], "expected": want[side]},
            )
            for side in (ctx.target, ctx.source)
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "data",
                SERVICE,
                "UpdateRoutingControlStates",
                endpoint.region,
                f"ARC cluster endpoint {endpoint.endpoint}; the endpoints are tried in turn",
                "",
            )
            for endpoint in self._endpoints(ctx)
        ]
