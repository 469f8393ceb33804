"""Aurora capacity: raise the target cluster's capacity before the writer and traffic arrive.

A warm-standby Aurora cluster often runs small: a low Serverless v2 minimum, or one small reader.
Before the failover moves traffic, this action raises, in the target region only and never lowering
anything:

- ``serverless_v2``: the cluster's ``ServerlessV2ScalingConfiguration`` minimum (and maximum, to
  fit), so its Serverless v2 instances do not start from a cold, small capacity;
- ``readers``: the number of readers of at least ``instance_class``; readers named
  ``<identifier_prefix><n>`` that are smaller are resized, and missing ones are created with that
  prefix (the only instances the action may create or modify).

Instance sizes are compared by their size word (``large`` < ``xlarge`` < ``2xlarge`` ...); a
``db.serverless`` reader counts (its capacity comes from the Serverless v2 range).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import AuroraCapacitySide, AuroraCapacitySpec
from failover.errors import ActionError
from failover.models import Check

_SIZES = {"nano": 0, "micro": 1, "small": 2, "medium": 3, "large": 4, "xlarge": 5}
#: instance statuses of a reader that will serve (it exists and is not on its way out)
_SERVING = {"available", "creating", "modifying", "backing-up", "configuring-enhanced-monitoring", "rebooting"}


def size_rank(instance_class: str) -> int:
    """Orders instance sizes: ``db.r6g.large`` < ``db.r6g.xlarge`` < ``db.r6g.2xlarge``; serverless ranks top."""
    if instance_class == "db.serverless":
        return 10_000
    size = instance_class.rsplit(".", 1)[-1]
    if size == "metal" or size.startswith("metal-"):
        return 5_000
    match = re.fullmatch(r"(\d+)xlarge", size)
    if match:
        return 5 + int(match.group(1))
    return _SIZES.get(size, -1)


@dataclass(frozen=True)
class Instance:
    identifier: str
    instance_class: str
    status: str
    writer: bool


@dataclass(frozen=True)
class ClusterCapacity:
    status: str
    engine: str
    min_acu: float | None
    max_acu: float | None
    instances: list[Instance]

    def readers(self, instance_class: str, *, available_only: bool = False) -> list[Instance]:
        """Readers at least as large as ``instance_class`` (only ``available`` ones, when asked)."""
        wanted = size_rank(instance_class)
        ok_status = {"available"} if available_only else _SERVING
        return [
            i
            for i in self.instances
            if not i.writer and i.status in ok_status and size_rank(i.instance_class) >= wanted
        ]


@dataclass
class CapacityChange:
    scaling: tuple[float, float] | None = None  # new (min, max) ACUs
    resize: list[Instance] = field(default_factory=list)
    create: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.scaling or self.resize or self.create)


class AuroraCapacity(Action[AuroraCapacitySpec]):
    """Raise the target cluster's Serverless v2 minimum and/or provisioned readers; never lower them."""

    type: ClassVar[str] = "aurora_capacity"
    plane = "control"
    iam_actions = (
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "rds:ModifyDBCluster",
        "rds:CreateDBInstance",
        "rds:ModifyDBInstance",
    )

    def target_label(self) -> str:
        return f"Aurora clusters {self.spec.primary.cluster_identifier} / {self.spec.secondary.cluster_identifier}"

    # -- reading ------------------------------------------------------------------------

    def read(self, ctx: ActionContext, side: AuroraCapacitySide) -> ClusterCapacity:
        rds = ctx.clients.get("rds", side.region)
        clusters = rds.describe_db_clusters(DBClusterIdentifier=side.cluster_identifier)["DBClusters"]
        if not clusters:
            raise ActionError(f"DB cluster {side.cluster_identifier} not found in {side.region}")
        cluster = clusters[0]
        writers = {m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", []) if m.get("IsClusterWriter")}
        found = rds.describe_db_instances(Filters=[{"Name": "db-cluster-id", "Values": [side.cluster_identifier]}])
        scaling = cluster.get("ServerlessV2ScalingConfiguration") or {}
        return ClusterCapacity(
            status=str(cluster.get("Status")),
            engine=str(cluster.get("Engine")),
            min_acu=float(scaling["MinCapacity"]) if "MinCapacity" in scaling else None,
            max_acu=float(scaling["MaxCapacity"]) if "MaxCapacity" in scaling else None,
            instances=[
                Instance(
                    identifier=i["DBInstanceIdentifier"],
                    instance_class=i.get("DBInstanceClass", ""),
                    status=i.get("DBInstanceStatus", ""),
                    writer=i["DBInstanceIdentifier"] in writers,
                )
                for i in found.get("DBInstances", [])
            ],
        )

    @staticmethod
    def enough(state: ClusterCapacity, side: AuroraCapacitySide, *, available_only: bool = False) -> bool:
        if side.serverless_v2 is not None:
            if state.min_acu is None or state.min_acu < side.serverless_v2.min_acu:
                return False
            if side.serverless_v2.max_acu is not None and (state.max_acu or 0) < side.serverless_v2.max_acu:
                return False
        if side.readers is not None:
            ready = state.readers(side.readers.instance_class, available_only=available_only)
            if len(ready) < side.readers.count:
                return False
        return True

    def observe(self, ctx: ActionContext) -> Observation:
        states = {name: self.read(ctx, getattr(self.spec, name)) for name in ("primary", "secondary")}
        enough = {name: self.enough(state, getattr(self.spec, name)) for name, state in states.items()}
        detail = ", ".join(
            f"{n} min {s.min_acu} ACU, {sum(1 for i in s.instances if not i.writer)} reader(s)"
            for n, s in states.items()
        )
        values = {n: {"min_acu": s.min_acu, "instances": len(s.instances)} for n, s in states.items()}
        if enough[ctx.target]:
            return Observation(ctx.target, detail, values)
        if enough[ctx.source]:
            return Observation(ctx.source, detail, values)
        return Observation("unknown", detail, values)

    # -- changing -----------------------------------------------------------------------

    @staticmethod
    def desired_change(state: ClusterCapacity, side: AuroraCapacitySide) -> CapacityChange:
        change = CapacityChange()
        want = side.serverless_v2
        if want is not None:
            new_min = max(state.min_acu or 0.0, want.min_acu)
            new_max = max(state.max_acu or 0.0, want.max_acu or 0.0, new_min, 1.0)
            if (new_min, new_max) != (state.min_acu, state.max_acu):
                change.scaling = (new_min, new_max)
        readers = side.readers
        if readers is not None:
            missing = readers.count - len(state.readers(readers.instance_class))
            wanted = size_rank(readers.instance_class)
            prefix = side.reader_prefix
            small = [
                i
                for i in state.instances
                if not i.writer
                and i.identifier.startswith(prefix)
                and i.status in _SERVING
                and size_rank(i.instance_class) < wanted
            ]
            change.resize = small[: max(missing, 0)]
            missing -= len(change.resize)
            taken = {i.identifier for i in state.instances}
            n = 1
            while missing > 0:
                name = f"{prefix}{n}"
                if name not in taken:
                    change.create.append(name)
                    missing -= 1
                n += 1
        return change

    @staticmethod
    def describe(change: CapacityChange, state: ClusterCapacity, side: AuroraCapacitySide) -> list[str]:
        where = f"{side.cluster_identifier} ({side.region})"
        planned = []
        if change.scaling is not None:
            planned.append(
                f"raise {where} Serverless v2 capacity from {state.min_acu}-{state.max_acu} ACU to "
                f"{change.scaling[0]}-{change.scaling[1]} ACU"
            )
        cls = side.readers.instance_class if side.readers else ""
        planned += [f"resize reader {i.identifier} of {where} from {i.instance_class} to {cls}" for i in change.resize]
        planned += [f"add reader {name} ({cls}) to {where}" for name in change.create]
        return planned

    @staticmethod
    def undo_for(change: CapacityChange, state: ClusterCapacity, side: AuroraCapacitySide) -> list[dict[str, Any]]:
        undo: list[dict[str, Any]] = []
        if change.scaling is not None:
            previous = (
                {"MinCapacity": state.min_acu, "MaxCapacity": state.max_acu} if state.min_acu is not None else None
            )
            undo.append(
                {
                    "api": "rds.ModifyDBCluster",
                    "region": side.region,
                    "DBClusterIdentifier": side.cluster_identifier,
                    "ServerlessV2ScalingConfiguration": previous,
                    "ApplyImmediately": True,
                }
            )
        undo += [
            {
                "api": "rds.ModifyDBInstance",
                "region": side.region,
                "DBInstanceIdentifier": i.identifier,
                "DBInstanceClass": i.instance_class,
                "ApplyImmediately": True,
            }
            for i in change.resize
        ]
        undo += [
            {"api": "rds.DeleteDBInstance", "region": side.region, "DBInstanceIdentifier": name}
            for name in change.create
        ]
        return undo

    def apply_change(
        self, ctx: ActionContext, change: CapacityChange, state: ClusterCapacity, side: AuroraCapacitySide
    ) -> None:
        rds = ctx.clients.get("rds", side.region)
        if change.scaling is not None:
            rds.modify_db_cluster(
                DBClusterIdentifier=side.cluster_identifier,
                ServerlessV2ScalingConfiguration={"MinCapacity": change.scaling[0], "MaxCapacity": change.scaling[1]},
                ApplyImmediately=True,
            )
        if side.readers is None:
            return
        for instance in change.resize:
            rds.modify_db_instance(
                DBInstanceIdentifier=instance.identifier,
                DBInstanceClass=side.readers.instance_class,
                ApplyImmediately=True,
            )
        for name in change.create:
            rds.create_db_instance(
                DBInstanceIdentifier=name,
                DBClusterIdentifier=side.cluster_identifier,
                Engine=state.engine,
                DBInstanceClass=side.readers.instance_class,
            )

    def apply(self, ctx: ActionContext) -> Change | Done:
        side: AuroraCapacitySide = getattr(self.spec, ctx.target)
        state = self.read(ctx, side)
        change = self.desired_change(state, side)
        planned = self.describe(change, state, side) if change else []
        if planned and state.status != "available":
            raise ActionError(f"DB cluster {side.cluster_identifier} ({side.region}) is {state.status}, not available")

        def do_change() -> str:
            self.apply_change(ctx, change, state, side)
            return "; ".join(planned)

        readers = sum(1 for i in state.instances if not i.writer)
        return Change(
            f"{side.cluster_identifier} min {state.min_acu} ACU, {readers} reader(s)",
            planned,
            do_change,
            undo=self.undo_for(change, state, side),
            region=side.region,
        )

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        side: AuroraCapacitySide = getattr(self.spec, ctx.target)
        state = self.read(ctx, side)
        where = f"{side.cluster_identifier} ({side.region})"
        checks = [
            Check(
                name=f"{self.name}: {where} available",
                ok=state.status == "available",
                detail=f"{where} is {state.status}",
            )
        ]
        if side.serverless_v2 is not None:
            want = side.serverless_v2
            checks.append(
                Check(
                    name=f"{self.name}: Serverless v2 minimum >= {want.min_acu} ACU",
                    ok=state.min_acu is not None
                    and state.min_acu >= want.min_acu
                    and (want.max_acu is None or (state.max_acu or 0) >= want.max_acu),
                    detail=f"{where} scales {state.min_acu}-{state.max_acu} ACU",
                    values={"min_acu": state.min_acu, "max_acu": state.max_acu, "expected_min_acu": want.min_acu},
                )
            )
        if side.readers is not None:
            readers = side.readers
            ready = state.readers(readers.instance_class, available_only=True)
            listed = ", ".join(f"{i.identifier} {i.instance_class}" for i in ready) or "none"
            checks.append(
                Check(
                    name=f"{self.name}: {readers.count} reader(s) of at least {readers.instance_class} available",
                    ok=len(ready) >= readers.count,
                    detail=f"{where}: available readers {listed}",
                    values={"available": len(ready), "expected": readers.count},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        side: AuroraCapacitySide = getattr(self.spec, ctx.target)
        deps = []
        note = "RDS control plane of the region being activated"
        alternative = "keep the standby cluster at the capacity it needs to take the writer (no call at failover)"
        if side.serverless_v2 is not None:
            deps.append(Dependency("control", "rds", "ModifyDBCluster", side.region, note, alternative))
        if side.readers is not None:
            deps.append(
                Dependency("control", "rds", "CreateDBInstance / ModifyDBInstance", side.region, note, alternative)
            )
        return deps
