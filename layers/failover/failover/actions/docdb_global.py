"""Amazon DocumentDB global clusters: make the target side's cluster the writer.

DocumentDB's global-cluster API is Aurora's (``SwitchoverGlobalCluster``, ``FailoverGlobalCluster``
with ``AllowDataLoss``, the same describe calls), served by the ``docdb`` endpoint of each region,
so the same escalation policy applies: a switchover (no data loss) when both sides are healthy; a
failover with data loss only when the plan says ``allow_data_loss: true`` and the request was
approved; otherwise the action fails saying why. Every call goes to the region being activated.
"""

from __future__ import annotations

from typing import ClassVar

from failover.actions.aurora_global import AuroraGlobal
from failover.actions.base import ActionContext, Dependency


class DocDbGlobalCluster(AuroraGlobal):
    """Switch over (or, when allowed and approved, fail over) a DocumentDB global cluster."""

    type: ClassVar[str] = "docdb_global_cluster"
    service: ClassVar[str] = "docdb"
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
