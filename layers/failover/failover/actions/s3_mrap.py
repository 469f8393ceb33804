"""S3 Multi-Region Access Point routes: dial the target side's bucket to 100 and the source's to 0.

The routing requests are served by five regions (the spec's ``control_regions``); they are tried
in turn, the region being activated first and the region being left last. A route change takes
up to two minutes to apply; at least one route must stay active, so both dials change in one call.
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation, side_by_share
from failover.actions.regional import in_turn, ordered
from failover.actions.specs import S3MrapRoutesSpec
from failover.models import Check


class S3MrapRoutes(Action[S3MrapRoutesSpec]):
    """Target bucket's traffic dial 100, source bucket's 0."""

    type: ClassVar[str] = "s3_mrap_routes"
    plane = "data"
    iam_actions = ("s3:GetMultiRegionAccessPointRoutes", "s3:SubmitMultiRegionAccessPointRoutes")

    def target_label(self) -> str:
        return f"Multi-Region Access Point {self.spec.mrap_arn.rsplit('/', 1)[-1]}"

    def _regions(self, ctx: ActionContext) -> list[str]:
        return ordered(self.spec.control_regions, lambda r: r, prefer=ctx.target_region, avoid=ctx.source_region)

    def _call(self, ctx: ActionContext, operation: str, **params: Any) -> tuple[dict[str, Any], str, list[str]]:
        def call(region: str) -> dict[str, Any]:
            client = ctx.clients.get("s3control", region)
            answer: dict[str, Any] = getattr(client, operation)(
                AccountId=self.spec.account_id, Mrap=self.spec.mrap_arn, **params
            )
            return answer

        return in_turn(self._regions(ctx), call)

    def dials(self, ctx: ActionContext) -> dict[str, int]:
        """Bucket -> traffic dial percentage."""
        answer, _, _ = self._call(ctx, "get_multi_region_access_point_routes")
        return {r["Bucket"]: int(r.get("TrafficDialPercentage", 0)) for r in answer.get("Routes", []) if "Bucket" in r}

    def observe(self, ctx: ActionContext) -> Observation:
        dials = self.dials(ctx)
        p = dials.get(self.spec.primary.bucket, 0)
        s = dials.get(self.spec.secondary.bucket, 0)
        detail = f"{self.spec.primary.bucket} {p}%, {self.spec.secondary.bucket} {s}%"
        return Observation(side_by_share(p, s), detail, {"dials": dials})

    def _desired(self, ctx: ActionContext) -> dict[str, int]:
        return {getattr(self.spec, ctx.target).bucket: 100, getattr(self.spec, ctx.source).bucket: 0}

    def apply(self, ctx: ActionContext) -> Change | Done:
        dials = self.dials(ctx)
        desired = self._desired(ctx)
        updates = [
            {"Bucket": bucket, "TrafficDialPercentage": dial}
            for bucket, dial in desired.items()
            if dials.get(bucket) != dial
        ]
        planned = [f"set traffic dial of {u['Bucket']} to {u['TrafficDialPercentage']}%" for u in updates]
        undo = [
            {
                "api": "s3control.SubmitMultiRegionAccessPointRoutes",
                "AccountId": self.spec.account_id,
                "Mrap": self.spec.mrap_arn,
                "RouteUpdates": [
                    {"Bucket": u["Bucket"], "TrafficDialPercentage": dials.get(str(u["Bucket"]), 0)} for u in updates
                ],
            }
        ]

        def do_change() -> str:
            _, region, failed = self._call(ctx, "submit_multi_region_access_point_routes", RouteUpdates=updates)
            detail = f"{'; '.join(planned)} (through {region}"
            if failed:
                detail += f" after {len(failed)} unavailable region(s): {'; '.join(failed)}"
            return detail + ")"

        return Change(
            ", ".join(f"{b} {d}%" for b, d in dials.items()),
            planned,
            do_change,
            undo=undo if updates else [],
            region=ctx.target_region,
        )

    def verify(self, ctx: ActionContext) -> list[Check]:
        dials = self.dials(ctx)
        return [
            Check(
                name=f"{self.name}: {bucket} at {dial}%",
                ok=dials.get(bucket) == dial,
                detail=f"{self.target_label()}: {bucket} at {dials.get(bucket)}%",
                values={"dial": dials.get(bucket), "expected": dial},
            )
            for bucket, dial in self._desired(ctx).items()
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "data",
                "s3control",
                "SubmitMultiRegionAccessPointRoutes",
                region,
                "Multi-Region Access Point routing region; the regions are tried in turn",
                "",
            )
            for region in self._regions(ctx)
        ]
