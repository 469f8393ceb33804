"""DynamoDB global tables: check that the target side's replica is ACTIVE (nothing to switch).

A global table (version 2019.11.21) is active-active: every replica takes writes, so failing over
changes nothing in DynamoDB. The action reads the table in the target region only and fails the
stage when that replica cannot serve.
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import DynamoDbGlobalTableSpec
from failover.models import ActionStatus, Check


class DynamoDbGlobalTable(Action[DynamoDbGlobalTableSpec]):
    """Verify the target replica; apply reports ``unchanged`` (or ``failed`` if it is not ACTIVE)."""

    type: ClassVar[str] = "dynamodb_global_table"
    plane = "control"  # DescribeTable (read only) in the region being activated
    iam_actions = ("dynamodb:DescribeTable",)

    def target_label(self) -> str:
        return f"table {self.spec.table_name}"

    def replica(self, ctx: ActionContext, side: str) -> dict[str, Any]:
        region = getattr(self.spec, side).region
        table = ctx.clients.get("dynamodb", region).describe_table(TableName=self.spec.table_name)["Table"]
        return {
            "region": region,
            "status": table.get("TableStatus"),
            "global": table.get("GlobalTableVersion"),
            "replicas": {r["RegionName"]: r.get("ReplicaStatus") for r in table.get("Replicas", [])},
        }

    def observe(self, ctx: ActionContext) -> Observation:
        found = self.replica(ctx, ctx.target)
        # nothing to switch: a global table serves both sides, so it has no say in which side is active
        return Observation(
            "n/a",
            f"active-active; {ctx.target} replica ({found['region']}) is {found['status']}",
            found,
        )

    def apply(self, ctx: ActionContext) -> Change | Done:
        found = self.replica(ctx, ctx.target)
        region = found["region"]
        if found["status"] != "ACTIVE":
            return Done(
                ActionStatus.FAILED,
                f"the {ctx.target} replica of {self.spec.table_name} ({region}) is {found['status']}, not ACTIVE",
                region=region,
                error="ReplicaNotActive",
            )
        return Done(
            ActionStatus.UNCHANGED,
            f"the {ctx.target} replica of {self.spec.table_name} ({region}) is ACTIVE; global tables are "
            "active-active, nothing to switch",
            region=region,
        )

    def verify(self, ctx: ActionContext) -> list[Check]:
        found = self.replica(ctx, ctx.target)
        source_region = getattr(self.spec, ctx.source).region
        return [
            Check(
                name=f"{self.name}: {ctx.target} replica ACTIVE",
                ok=found["status"] == "ACTIVE",
                detail=f"{self.spec.table_name} in {found['region']} is {found['status']}",
                values={"status": found["status"]},
            ),
            Check(
                name=f"{self.name}: replicates with {source_region}",
                ok=source_region in found["replicas"],
                detail=f"{self.spec.table_name} in {found['region']} lists replicas "
                f"{', '.join(f'{r} {s}' for r, s in found['replicas'].items()) or '(none: not a global table)'}",
                values={"replicas": found["replicas"]},
            ),
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "dynamodb",
                "DescribeTable",
                getattr(self.spec, ctx.target).region,
                "read only, in the region being activated",
                "",
            )
        ]
