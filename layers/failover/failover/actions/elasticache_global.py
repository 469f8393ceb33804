"""ElastiCache Global Datastore: promote the target region's replication group to primary.

A Global Datastore (Redis OSS or Valkey) has one primary replication group that takes writes and
secondaries in other regions that replicate from it. ``FailoverGlobalReplicationGroup`` promotes a
secondary; the old primary becomes a secondary. The action calls it in the region being activated,
and verification reads the datastore's members until the target's replication group is the
``primary`` and the datastore is ``available`` again.
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import ElastiCacheGlobalDatastoreSpec, ReplicationGroupSide
from failover.errors import ActionError
from failover.models import Check


class ElastiCacheGlobalDatastore(Action[ElastiCacheGlobalDatastoreSpec]):
    """Make the target side's replication group the primary of the Global Datastore."""

    type: ClassVar[str] = "elasticache_global_datastore"
    plane = "control"
    iam_actions = (
        "elasticache:DescribeGlobalReplicationGroups",
        "elasticache:DescribeReplicationGroups",
        "elasticache:FailoverGlobalReplicationGroup",
    )

    def target_label(self) -> str:
        return f"global datastore {self.spec.global_replication_group_id}"

    # -- reading ------------------------------------------------------------------------

    def datastore(self, ctx: ActionContext, region: str) -> dict[str, Any]:
        groups = ctx.clients.get("elasticache", region).describe_global_replication_groups(
            GlobalReplicationGroupId=self.spec.global_replication_group_id, ShowMemberInfo=True
        )["GlobalReplicationGroups"]
        if not groups:
            raise ActionError(f"{self.target_label()} not found")
        found: dict[str, Any] = groups[0]
        return found

    @staticmethod
    def primary_member(datastore: dict[str, Any]) -> dict[str, Any] | None:
        return next((m for m in datastore.get("Members", []) if m.get("Role", "").lower() == "primary"), None)

    def side_of(self, member: dict[str, Any] | None) -> str:
        if member is None:
            return "unknown"
        for name in ("primary", "secondary"):
            side: ReplicationGroupSide = getattr(self.spec, name)
            if (member.get("ReplicationGroupId"), member.get("ReplicationGroupRegion")) == (
                side.replication_group_id,
                side.region,
            ):
                return name
        return "unknown"

    @staticmethod
    def member_of(datastore: dict[str, Any], side: ReplicationGroupSide) -> dict[str, Any] | None:
        return next(
            (
                m
                for m in datastore.get("Members", [])
                if m.get("ReplicationGroupId") == side.replication_group_id
                and m.get("ReplicationGroupRegion") == side.region
            ),
            None,
        )

    def observe(self, ctx: ActionContext) -> Observation:
        datastore = self.datastore(ctx, ctx.target_region)
        member = self.primary_member(datastore)
        primary = member.get("ReplicationGroupId") if member else None
        return Observation(self.side_of(member), f"primary {primary}", {"primary": primary})

    # -- changing -----------------------------------------------------------------------

    def preconditions(self, datastore: dict[str, Any], target: ReplicationGroupSide) -> None:
        """What AWS would refuse, said before the call: a busy datastore, a target that is not a member."""
        if datastore.get("Status") != "available":
            raise ActionError(f"{self.target_label()} is {datastore.get('Status')}, not available")
        member = self.member_of(datastore, target)
        if member is None:
            raise ActionError(
                f"{target.replication_group_id} ({target.region}) is not a member of {self.target_label()}"
            )
        if member.get("Status") not in (None, "associated"):
            raise ActionError(f"{target.replication_group_id} ({target.region}) is {member.get('Status')}")

    def apply(self, ctx: ActionContext) -> Change | Done:
        target: ReplicationGroupSide = getattr(self.spec, ctx.target)
        source: ReplicationGroupSide = getattr(self.spec, ctx.source)
        datastore = self.datastore(ctx, target.region)
        current = self.primary_member(datastore)
        planned: list[str] = []
        if self.side_of(current) != ctx.target:
            self.preconditions(datastore, target)
            planned.append(
                f"promote {target.replication_group_id} ({target.region}) to primary of {self.target_label()}"
            )
        undo = [
            {
                "api": "elasticache.FailoverGlobalReplicationGroup",
                "region": source.region,
                "GlobalReplicationGroupId": self.spec.global_replication_group_id,
                "PrimaryRegion": source.region,
                "PrimaryReplicationGroupId": source.replication_group_id,
            }
        ]

        def do_change() -> str:
            ctx.clients.get("elasticache", target.region).failover_global_replication_group(
                GlobalReplicationGroupId=self.spec.global_replication_group_id,
                PrimaryRegion=target.region,
                PrimaryReplicationGroupId=target.replication_group_id,
            )
            return planned[0]

        return Change(
            f"primary {current.get('ReplicationGroupId') if current else None}",
            planned,
            do_change,
            undo=undo,
            region=target.region,
        )

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        target: ReplicationGroupSide = getattr(self.spec, ctx.target)
        datastore = self.datastore(ctx, target.region)
        member = self.primary_member(datastore)
        primary = member.get("ReplicationGroupId") if member else None
        group = ctx.clients.get("elasticache", target.region).describe_replication_groups(
            ReplicationGroupId=target.replication_group_id
        )["ReplicationGroups"]
        status = group[0].get("Status") if group else "missing"
        return [
            Check(
                name=f"{self.name}: primary is the {ctx.target} replication group",
                ok=self.side_of(member) == ctx.target and datastore.get("Status") == "available",
                detail=f"{self.target_label()} ({datastore.get('Status')}): primary {primary}",
                values={"primary": primary, "expected": target.replication_group_id, "status": datastore.get("Status")},
            ),
            Check(
                name=f"{self.name}: {target.replication_group_id} available",
                ok=status == "available",
                detail=f"{target.replication_group_id} ({target.region}) is {status}",
            ),
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        target: ReplicationGroupSide = getattr(self.spec, ctx.target)
        return [
            Dependency(
                "control",
                "elasticache",
                "FailoverGlobalReplicationGroup",
                target.region,
                "ElastiCache control plane of the region being activated",
                "none: promoting a global datastore member is a control-plane operation; run it from the target "
                "region (a cache that can start empty needs no promotion)",
            )
        ]
