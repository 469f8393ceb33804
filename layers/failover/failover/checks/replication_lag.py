"""Data safety: the target's replication lag must be within the group's RPO budget.

The metric is the group's ``replication`` setting (Aurora global ``AuroraGlobalDBReplicationLag``
in milliseconds, RDS ``ReplicaLag`` in seconds, S3 ``ReplicationLatency`` in seconds, DynamoDB
``ReplicationLatency`` in milliseconds, or a custom metric). No recent datapoint means the lag
cannot be proven: that counts as over budget, as Patroni refuses a replica it cannot measure.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from failover.checks.health import side_clients
from failover.infra.clients import Clients
from failover.models import Check
from failover.plan import Group, Side


def datapoints(
    clients: Clients,
    region: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    *,
    statistic: str = "Maximum",
    period_seconds: int = 60,
    lookback_seconds: int = 300,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The metric's datapoints of the last ``lookback_seconds``, oldest first."""
    end = now or datetime.now(UTC)
    resp = clients.get("cloudwatch", region).get_metric_statistics(
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[{"Name": k, "Value": v} for k, v in sorted(dimensions.items())],
        StartTime=end - timedelta(seconds=lookback_seconds),
        # an end one period ahead includes the newest, still-open period (CloudWatch's EndTime is exclusive)
        EndTime=end + timedelta(seconds=period_seconds),
        Period=period_seconds,
        Statistics=[statistic],
    )
    return sorted(resp.get("Datapoints", []), key=lambda p: p["Timestamp"])


def replication_lag(group: Group, clients: Clients, now: datetime | None = None, side: Side | None = None) -> Check:
    """The lag of ``side``'s copy of the data (its own ``replication`` metric, else the group's), read
    in the side's account."""
    name = "replication lag within RPO budget"
    budget = group.safety.rpo_budget_seconds
    rep = (side.replication if side is not None else None) or group.replication
    if rep is None or budget is None:
        return Check(
            name=name,
            ok=True,
            detail="no RPO budget in the plan; data lag not checked",
            values={"configured": False},
            blocking=False,
        )
    namespace, metric, unit_seconds = rep.resolved()
    points = datapoints(
        side_clients(side, clients) if side is not None else clients,
        rep.region,
        namespace,
        metric,
        rep.dimensions,
        statistic=rep.statistic,
        period_seconds=rep.period_seconds,
        lookback_seconds=rep.lookback_seconds,
        now=now,
    )
    values = {
        "metric": f"{namespace}/{metric}",
        "dimensions": rep.dimensions,
        "region": rep.region,
        "budget_seconds": budget,
        "statistic": rep.statistic,
        "lookback_seconds": rep.lookback_seconds,
    }
    if not points:
        return Check(
            name=name,
            ok=False,
            detail=f"no {metric} datapoints in the last {rep.lookback_seconds} s: the lag cannot be proven",
            values={**values, "lag_seconds": None},
        )
    lag = float(points[-1][rep.statistic]) * unit_seconds
    ok = lag <= budget
    return Check(
        name=name,
        ok=ok,
        detail=f"{metric} is {lag:g} s; budget {budget:g} s" + ("" if ok else " (over budget)"),
        values={**values, "lag_seconds": round(lag, 3), "datapoint_at": points[-1]["Timestamp"].isoformat()},
    )
