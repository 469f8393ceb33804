"""Amazon DocumentDB global clusters: make the target side's cluster the writer.

DocumentDB's global-cluster API is Aurora's (``SwitchoverGlobalCluster``, ``FailoverGlobalCluster``
with ``AllowDataLoss``, the same describe calls), served by the ``docdb`` endpoint of each region,
so the same escalation applies: a switchover (no data loss) when both sides are healthy; when the
writer's side is impaired and AWS refuses the switchover, a failover with data loss only when the
plan says ``allow_data_loss: true`` and as the group's ``safety.escalation`` policy allows, with the
target's ``GlobalClusterReplicationLag`` as the data-loss estimate. Every call goes to the region
being activated.
"""

from __future__ import annotations

from typing import ClassVar

from failover.actions.aurora_global import AuroraGlobal
from failover.actions.base import ActionContext, Dependency
from failover.actions.escalation import LagMetric


class DocDbGlobalCluster(AuroraGlobal):
    """Switch over (or, when allowed and approved, fail over) a DocumentDB global cluster."""

    type: ClassVar[str] = "docdb_global_cluster"
    service: ClassVar[str] = "docdb"
    # milliseconds (Amazon DocumentDB Developer Guide, "Monitoring Amazon DocumentDB global clusters")
    lag_metrics: ClassVar[tuple[LagMetric, ...]] = (LagMetric("AWS/DocDB", "GlobalClusterReplicationLag", 0.001),)
    # iam_actions: Aurora's, since DocumentDB's IAM actions carry the rds: prefix

    def target_label(self) -> str:
        return f"DocumentDB global cluster {self.spec.global_cluster_identifier}"

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        target = getattr(self.spec, ctx.target)
        return [
            Dependency(
                "control",
                "docdb",
                "SwitchoverGlobalCluster",
                target.region,
                "DocumentDB control plane of the region being activated (the old writer's region is only probed)",
                "none: promoting a global cluster is a control-plane operation; run it from the target region",
            )
        ]
