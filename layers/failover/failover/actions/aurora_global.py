"""Aurora Global Database: make the target side's cluster the writer of the global cluster.

When both sides are healthy, ``SwitchoverGlobalCluster`` moves the writer with no data loss.
When the writer's side is impaired, only ``FailoverGlobalCluster`` with ``AllowDataLoss`` can
promote the target, losing what had not replicated yet; this action does that only when the plan
says ``allow_data_loss: true`` and the request was approved (the gate's RPO check), and otherwise
fails saying why. Every call goes to the region being activated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import AuroraGlobalSpec, GlobalClusterSide
from failover.errors import ActionError
from failover.models import ActionStatus, Check


class AuroraGlobal(Action[AuroraGlobalSpec]):
    """Switch over (or, when allowed and approved, fail over) an Aurora global database."""

    type: ClassVar[str] = "aurora_global"
    #: the boto3 service whose global-cluster API this action calls (DocumentDB's is the same API)
    service: ClassVar[str] = "rds"
    plane = "control"
    iam_actions = (
        "rds:DescribeGlobalClusters",
        "rds:DescribeDBClusters",
        "rds:SwitchoverGlobalCluster",
        "rds:FailoverGlobalCluster",
    )

    def target_label(self) -> str:
        return f"global cluster {self.spec.global_cluster_identifier}"

    # -- reading ------------------------------------------------------------------------

    def global_cluster(self, ctx: ActionContext, region: str) -> dict[str, Any]:
        resp = ctx.clients.get(self.service, region).describe_global_clusters(
            GlobalClusterIdentifier=self.spec.global_cluster_identifier
        )
        for gc in resp.get("GlobalClusters", []):
            if gc.get("GlobalClusterIdentifier") == self.spec.global_cluster_identifier:
                found: dict[str, Any] = gc
                return found
        raise ActionError(f"{self.target_label()} not found")

    @staticmethod
    def writer(gc: dict[str, Any]) -> str | None:
        return next((m["DBClusterArn"] for m in gc.get("GlobalClusterMembers", []) if m.get("IsWriter")), None)

    def cluster_health(self, ctx: ActionContext, side: GlobalClusterSide) -> tuple[bool, str]:
        """(healthy, why) for one side's cluster, read in its own region; an error there means unhealthy."""
        try:
            cluster = ctx.clients.get(self.service, side.region).describe_db_clusters(
                DBClusterIdentifier=side.cluster_arn
            )["DBClusters"][0]
        except (ClientError, BotoCoreError) as err:
            return False, f"cannot read {side.cluster_arn} in {side.region}: {err}"
        status = cluster.get("Status")
        return status == "available", f"{cluster.get('DBClusterIdentifier')} ({side.region}) is {status}"

    def _side_of(self, arn: str | None) -> str:
        for side in ("primary", "secondary"):
            if arn == getattr(self.spec, side).cluster_arn:
                return side
        return "unknown"

    def observe(self, ctx: ActionContext) -> Observation:
        writer = self.writer(self.global_cluster(ctx, ctx.target_region))
        return Observation(self._side_of(writer), f"writer {writer}", {"writer": writer})

    # -- changing -----------------------------------------------------------------------

    def apply(self, ctx: ActionContext) -> Change | Done:
        target = getattr(self.spec, ctx.target)
        source = getattr(self.spec, ctx.source)
        gc = self.global_cluster(ctx, target.region)
        writer = self.writer(gc)
        planned: list[str] = []
        data_loss = False
        why = ""
        if writer != target.cluster_arn:
            target_ok, target_why = self.cluster_health(ctx, target)
            if not target_ok:
                raise ActionError(f"the target cluster is not ready: {target_why}")
            source_ok, source_why = self.cluster_health(ctx, source)
            if source_ok and gc.get("Status") == "available":
                planned.append(
                    f"switch over {self.spec.global_cluster_identifier} to {target.cluster_arn} (no data loss)"
                )
            elif self.spec.allow_data_loss and ctx.approved:
                data_loss = True
                why = source_why
                planned.append(
                    f"fail over {self.spec.global_cluster_identifier} to {target.cluster_arn} allowing data loss "
                    f"({source_why})"
                )
            else:
                missing = []
                if not self.spec.allow_data_loss:
                    missing.append("the plan does not allow data loss (allow_data_loss: false)")
                if not ctx.approved:
                    missing.append("the request has not been approved")
                return Done(
                    ActionStatus.FAILED,
                    f"cannot switch over without data loss: {source_why}; a failover with data loss needs "
                    f"allow_data_loss in the plan and an approved request, but {' and '.join(missing)}",
                    region=target.region,
                    error="DataLossNotAllowed",
                )
        undo = [
            {
                "api": f"{self.service}.SwitchoverGlobalCluster",
                "region": source.region,
                "GlobalClusterIdentifier": self.spec.global_cluster_identifier,
                "TargetDbClusterIdentifier": source.cluster_arn,
            }
        ]

        def do_change() -> str:
            rds = ctx.clients.get(self.service, target.region)
            if data_loss:
                rds.failover_global_cluster(
                    GlobalClusterIdentifier=self.spec.global_cluster_identifier,
                    TargetDbClusterIdentifier=target.cluster_arn,
                    AllowDataLoss=True,
                )
                return f"{planned[0]}; the old writer rejoins as a secondary once it recovers ({why})"
            rds.switchover_global_cluster(
                GlobalClusterIdentifier=self.spec.global_cluster_identifier,
                TargetDbClusterIdentifier=target.cluster_arn,
            )
            return planned[0]

        one_way = (
            f"{source.cluster_arn} ({source.region}) lost what had not replicated: it must rejoin "
            f"{self.spec.global_cluster_identifier} as a secondary and be in sync before traffic returns to it"
            if data_loss
            else None
        )
        return Change(f"writer {writer}", planned, do_change, undo=undo, region=target.region, one_way=one_way)

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        target = getattr(self.spec, ctx.target)
        gc = self.global_cluster(ctx, target.region)
        writer = self.writer(gc)
        ready, why = self.cluster_health(ctx, target)
        return [
            Check(
                name=f"{self.name}: writer is the {ctx.target} cluster",
                ok=writer == target.cluster_arn,
                detail=f"{self.target_label()} ({gc.get('Status')}): writer {writer}",
                values={"writer": writer, "expected": target.cluster_arn, "status": gc.get("Status")},
            ),
            Check(name=f"{self.name}: {ctx.target} cluster available", ok=ready, detail=why),
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        target = getattr(self.spec, ctx.target)
        return [
            Dependency(
                "control",
                "rds",
                "SwitchoverGlobalCluster",
                target.region,
                "RDS control plane of the region being activated (the old writer's region is only probed)",
                "none: promoting a global database is a control-plane operation; run it from the target region",
            )
        ]
