"""RDS: Multi-AZ DB instance failover, DB cluster failover to a named instance, replica promotion.

All three call the RDS control plane of the region they act in. A Multi-AZ instance or cluster
fails over by itself when its writer fails; these actions are for planned moves and for
promoting a cross-region replica, which RDS never does on its own.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any, ClassVar, TypeVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import RdsClusterFailoverSpec, RdsInstanceFailoverSpec, RdsPromoteReplicaSpec, ReplicaSide
from failover.errors import ActionError
from failover.models import Check

S = TypeVar("S", RdsInstanceFailoverSpec, RdsClusterFailoverSpec)


class _WriterMove(Action[S]):
    """A failover inside one region: the writer moves to where the target side says (a zone, an instance)."""

    #: the side's setting that names where the writer belongs, and what that place is called
    side_field: ClassVar[str]
    place: ClassVar[str]
    #: the name of the writer's place in an observation's values
    value_key: ClassVar[str]
    #: how the writer's place reads (``{}``: the place), how a check names the goal and states what it saw
    where: ClassVar[str]
    goal: ClassVar[str]
    state: ClassVar[str]

    @abstractmethod
    def _writer_state(self, ctx: ActionContext) -> tuple[str | None, str | None]:
        """Where the writer is now, and the resource's status."""

    def _wanted(self, side: str) -> str:
        return str(getattr(getattr(self.spec, side), self.side_field))

    def observe(self, ctx: ActionContext) -> Observation:
        where, _ = self._writer_state(ctx)
        values = {self.value_key: where}
        for side in ("primary", "secondary"):
            if where == self._wanted(side):
                return Observation(side, self.where.format(where), values)
        return Observation("unknown", f"{self.where.format(where)} (neither side's {self.place})", values)

    def verify(self, ctx: ActionContext) -> list[Check]:
        where, status = self._writer_state(ctx)
        want = self._wanted(ctx.target)
        return [
            Check(
                name=f"{self.name}: {self.goal.format(want)}",
                ok=where == want and status == "available",
                detail=f"{self.target_label()} is {self.state.format(status=status, where=where)}",
                values={self.value_key: where, "status": status, "expected": want},
            )
        ]


class RdsInstanceFailover(_WriterMove[RdsInstanceFailoverSpec]):
    """Reboot a Multi-AZ DB instance with failover so that its writer runs in the target side's AZ."""

    type: ClassVar[str] = "rds_instance_failover"
    plane = "control"
    side_field, place, value_key = "availability_zone", "zone", "availability_zone"
    where = goal = "writer in {}"
    state = "{status} in {where}"
    iam_actions = ("rds:DescribeDBInstances", "rds:RebootDBInstance")

    def target_label(self) -> str:
        return f"DB instance {self.spec.db_instance_identifier} ({self.spec.region})"

    def _instance(self, ctx: ActionContext) -> dict[str, Any]:
        resp = ctx.clients.get("rds", self.spec.region).describe_db_instances(
            DBInstanceIdentifier=self.spec.db_instance_identifier
        )
        instance: dict[str, Any] = resp["DBInstances"][0]
        return instance

    def _writer_state(self, ctx: ActionContext) -> tuple[str | None, str | None]:
        instance = self._instance(ctx)
        return instance.get("AvailabilityZone", ""), instance.get("DBInstanceStatus")

    def apply(self, ctx: ActionContext) -> Change | Done:
        instance = self._instance(ctx)
        az = instance.get("AvailabilityZone", "")
        want = getattr(self.spec, ctx.target).availability_zone
        planned: list[str] = []
        if az != want:
            if not instance.get("MultiAZ"):
                raise ActionError(f"{self.target_label()} is not Multi-AZ: it has no standby to fail over to")
            if instance.get("DBInstanceStatus") != "available":
                raise ActionError(f"{self.target_label()} is {instance.get('DBInstanceStatus')}, not available")
            planned.append(f"reboot {self.spec.db_instance_identifier} with failover from {az} to {want}")
        undo = [
            {
                "api": "rds.RebootDBInstance",
                "region": self.spec.region,
                "DBInstanceIdentifier": self.spec.db_instance_identifier,
                "ForceFailover": True,
            }
        ]

        def do_change() -> str:
            resp = ctx.clients.get("rds", self.spec.region).reboot_db_instance(
                DBInstanceIdentifier=self.spec.db_instance_identifier, ForceFailover=True
            )
            return f"{planned[0]} (status {resp['DBInstance'].get('DBInstanceStatus')})"

        return Change(f"writer in {az}", planned, do_change, undo=undo, region=self.spec.region)

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "rds",
                "RebootDBInstance",
                self.spec.region,
                "RDS control plane of the instance's region",
                "none needed for an unplanned failure: RDS fails a Multi-AZ instance over by itself",
            )
        ]


class RdsClusterFailover(_WriterMove[RdsClusterFailoverSpec]):
    """Fail a Multi-AZ DB cluster or an Aurora cluster over to the target side's instance."""

    type: ClassVar[str] = "rds_cluster_failover"
    plane = "control"
    side_field, place, value_key = "instance_identifier", "instance", "writer"
    where, goal, state = "writer {}", "writer is {}", "{status}, writer {where}"
    iam_actions = ("rds:DescribeDBClusters", "rds:FailoverDBCluster")

    def target_label(self) -> str:
        return f"DB cluster {self.spec.db_cluster_identifier} ({self.spec.region})"

    def _cluster(self, ctx: ActionContext) -> dict[str, Any]:
        resp = ctx.clients.get("rds", self.spec.region).describe_db_clusters(
            DBClusterIdentifier=self.spec.db_cluster_identifier
        )
        cluster: dict[str, Any] = resp["DBClusters"][0]
        return cluster

    @staticmethod
    def _writer(cluster: dict[str, Any]) -> str | None:
        return next(
            (m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")), None
        )

    def _writer_state(self, ctx: ActionContext) -> tuple[str | None, str | None]:
        cluster = self._cluster(ctx)
        return self._writer(cluster), cluster.get("Status")

    def apply(self, ctx: ActionContext) -> Change | Done:
        cluster = self._cluster(ctx)
        writer = self._writer(cluster)
        want = getattr(self.spec, ctx.target).instance_identifier
        members = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])}
        planned: list[str] = []
        if writer != want:
            if want not in members:
                raise ActionError(f"{want} is not a member of {self.target_label()}")
            planned.append(f"fail {self.spec.db_cluster_identifier} over from {writer} to {want}")
        undo: list[dict[str, Any]] = []
        if writer:
            undo.append(
                {
                    "api": "rds.FailoverDBCluster",
                    "region": self.spec.region,
                    "DBClusterIdentifier": self.spec.db_cluster_identifier,
                    "TargetDBInstanceIdentifier": writer,
                }
            )

        def do_change() -> str:
            ctx.clients.get("rds", self.spec.region).failover_db_cluster(
                DBClusterIdentifier=self.spec.db_cluster_identifier, TargetDBInstanceIdentifier=want
            )
            return planned[0]

        return Change(f"writer {writer}", planned, do_change, undo=undo, region=self.spec.region)

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "rds",
                "FailoverDBCluster",
                self.spec.region,
                "RDS control plane of the cluster's region",
                "none needed for an unplanned failure: the cluster promotes a reader by itself",
            )
        ]


class RdsPromoteReplica(Action[RdsPromoteReplicaSpec]):
    """Promote the target side's read replica (instance or cluster) to a standalone writer."""

    type: ClassVar[str] = "rds_promote_replica"
    plane = "control"
    iam_actions = (
        "rds:DescribeDBInstances",
        "rds:DescribeDBClusters",
        "rds:PromoteReadReplica",
        "rds:PromoteReadReplicaDBCluster",
    )

    def target_label(self) -> str:
        return f"replica {self.spec.secondary.identifier} / {self.spec.primary.identifier}"

    @staticmethod
    def _describe(ctx: ActionContext, side: ReplicaSide) -> dict[str, Any]:
        rds = ctx.clients.get("rds", side.region)
        if side.kind == "cluster":
            found: dict[str, Any] = rds.describe_db_clusters(DBClusterIdentifier=side.identifier)["DBClusters"][0]
            return {
                "status": found.get("Status"),
                "source": found.get("ReplicationSourceIdentifier") or None,
            }
        found = rds.describe_db_instances(DBInstanceIdentifier=side.identifier)["DBInstances"][0]
        return {
            "status": found.get("DBInstanceStatus"),
            "source": found.get("ReadReplicaSourceDBInstanceIdentifier") or None,
        }

    def observe(self, ctx: ActionContext) -> Observation:
        seen = {side: self._describe(ctx, getattr(self.spec, side)) for side in ("primary", "secondary")}
        writable = {side: seen[side]["source"] is None for side in seen}
        detail = ", ".join(f"{side} {'writer' if w else 'replica'}" for side, w in writable.items())
        if writable["primary"] and not writable["secondary"]:
            return Observation("primary", detail, seen)
        if writable["secondary"] and not writable["primary"]:
            return Observation("secondary", detail, seen)
        return Observation("mixed" if all(writable.values()) else "unknown", detail, seen)

    def apply(self, ctx: ActionContext) -> Change | Done:
        target = getattr(self.spec, ctx.target)
        source = getattr(self.spec, ctx.source)
        found = self._describe(ctx, target)  # only the target's region: the source may be down
        planned: list[str] = []
        if found["source"] is not None:
            if found["status"] != "available":
                raise ActionError(f"{target.kind} {target.identifier} is {found['status']}, not available")
            planned.append(f"promote {target.kind} {target.identifier} ({target.region}), replica of {found['source']}")
        undo = [
            {
                "api": "rds.CreateDBInstanceReadReplica" if source.kind == "instance" else "rds.CreateDBCluster",
                "region": source.region,
                "note": f"a promotion cannot be reversed: recreate {source.identifier} as a replica of "
                f"{target.identifier}, then promote it to fail back",
            }
        ]

        def do_change() -> str:
            rds = ctx.clients.get("rds", target.region)
            if target.kind == "cluster":
                rds.promote_read_replica_db_cluster(DBClusterIdentifier=target.identifier)
            else:
                rds.promote_read_replica(DBInstanceIdentifier=target.identifier)
            return planned[0]

        one_way = (
            f"{source.kind} {source.identifier} ({source.region}) no longer replicates: recreate it as a replica of "
            f"{target.identifier} and let it catch up before traffic returns to it"
        )
        return Change(
            f"{target.identifier} is a standalone writer",
            planned,
            do_change,
            undo=undo,
            region=target.region,
            one_way=one_way,
        )

    def verify(self, ctx: ActionContext) -> list[Check]:
        target = getattr(self.spec, ctx.target)
        found = self._describe(ctx, target)
        return [
            Check(
                name=f"{self.name}: {target.identifier} is a standalone writer",
                ok=found["source"] is None and found["status"] == "available",
                detail=f"{target.kind} {target.identifier} ({target.region}) is {found['status']}"
                + (f", still a replica of {found['source']}" if found["source"] else ", standalone"),
                values=found,
            )
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        target = getattr(self.spec, ctx.target)
        api = "PromoteReadReplicaDBCluster" if target.kind == "cluster" else "PromoteReadReplica"
        return [
            Dependency(
                "control",
                "rds",
                api,
                target.region,
                "RDS control plane of the region being activated",
                "aurora_global switchover/failover keeps the global database and its endpoints",
            )
        ]
