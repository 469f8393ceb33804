"""Aurora Global Database: make the target side's cluster the writer of the global cluster.

When both sides are healthy, ``SwitchoverGlobalCluster`` moves the writer with no data loss.
When the writer's side is impaired, the switchover is tried and AWS refuses it; only
``FailoverGlobalCluster`` with ``AllowDataLoss`` can then promote the target, losing what had not
replicated yet. The action escalates to it only when the plan says ``allow_data_loss: true`` and as
the group's ``safety.escalation`` policy allows (``failover.actions.escalation``), with the target's
replication lag as the data-loss estimate. Every call goes to the region being activated.
"""

from __future__ import annotations

from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.escalation import LagMetric, Unplanned, escalate, estimate_lag
from failover.actions.specs import AuroraGlobalSpec, GlobalClusterSide
from failover.errors import ActionError
from failover.models import Check


class AuroraGlobal(Action[AuroraGlobalSpec]):
    """Switch over (or, when allowed and approved, fail over) an Aurora global database."""

    type: ClassVar[str] = "aurora_global"
    #: the boto3 service whose global-cluster API this action calls (DocumentDB's is the same API)
    service: ClassVar[str] = "rds"
    plane = "control"
    #: the target's replication lag, newest first found: the RPO lag (Aurora PostgreSQL), then the
    #: storage replication lag; both in milliseconds (Aurora User Guide, "Monitoring Aurora Global Database")
    lag_metrics: ClassVar[tuple[LagMetric, ...]] = (
        LagMetric("AWS/RDS", "AuroraGlobalDBRPOLag", 0.001),
        LagMetric("AWS/RDS", "AuroraGlobalDBReplicationLag", 0.001),
    )
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
        if writer == target.cluster_arn:
            return Change(f"writer {writer}", [], lambda: "")
        target_ok, target_why = self.cluster_health(ctx, target)
        if not target_ok:
            raise ActionError(f"the target cluster is not ready: {target_why}")
        undo = [
            {
                "api": f"{self.service}.SwitchoverGlobalCluster",
                "region": source.region,
                "GlobalClusterIdentifier": self.spec.global_cluster_identifier,
                "TargetDbClusterIdentifier": source.cluster_arn,
            }
        ]
        switchover = f"switch over {self.spec.global_cluster_identifier} to {target.cluster_arn} (no data loss)"

        def switch_over() -> str:
            ctx.clients.get(self.service, target.region).switchover_global_cluster(
                GlobalClusterIdentifier=self.spec.global_cluster_identifier,
                TargetDbClusterIdentifier=target.cluster_arn,
            )
            return switchover

        source_ok, source_why = self.cluster_health(ctx, source)
        impaired = None
        if not source_ok:
            impaired = source_why
        elif gc.get("Status") != "available":
            impaired = f"{self.target_label()} is {gc.get('Status')}"

        def fail_over() -> str:
            ctx.clients.get(self.service, target.region).failover_global_cluster(
                GlobalClusterIdentifier=self.spec.global_cluster_identifier,
                TargetDbClusterIdentifier=target.cluster_arn,
                AllowDataLoss=True,
            )
            return (
                f"failed over {self.spec.global_cluster_identifier} to {target.cluster_arn} allowing data loss; "
                "the old writer rejoins as a secondary once it recovers"
            )

        unplanned = Unplanned(
            planned=switchover,
            tried=f"{self.service}.SwitchoverGlobalCluster",
            impaired=impaired,
            blocked_codes=("InvalidGlobalClusterStateFault", "InvalidDBClusterStateFault"),
            source=source.cluster_arn,
            path=f"{self.service}.FailoverGlobalCluster with AllowDataLoss",
            allowed=self.spec.allow_data_loss,
            allow_hint="the plan does not allow data loss (allow_data_loss: false)",
            estimate=lambda: estimate_lag(
                ctx.clients,
                target.region,
                self.lag_metrics,
                {"DBClusterIdentifier": target.cluster_arn.rsplit(":", 1)[-1]},
            ),
            one_way=(
                f"{source.cluster_arn} ({source.region}) lost what had not replicated: it must rejoin "
                f"{self.spec.global_cluster_identifier} as a secondary and be in sync before traffic returns to it"
            ),
            region=target.region,
            undo=undo,
        )
        return escalate(ctx, unplanned, switch_over, fail_over)

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
