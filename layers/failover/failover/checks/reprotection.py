"""One-way doors: before traffic returns to a side that a one-way action left, that side must be re-protected.

A promoted read replica no longer replicates, and a global-cluster failover with data loss leaves the
old writer without what had not replicated. Running those actions backwards does not undo them:
traffic sent back would reach a stale, unreplicated database. The side is re-protected when, read
from the RDS API in its own region:

- ``rds_promote_replica``: the old side's instance (or cluster) is a read replica again, of the
  side now written to, ``available``, and its ``ReplicaLag`` (``AuroraBinlogReplicaLag`` for a
  cluster) has a recent datapoint within the group's RPO budget (60 s without one);
- ``aurora_global`` / ``docdb_global_cluster``: the old side's cluster is a member of the global
  cluster again, not its writer, the global cluster is ``available`` and the member's
  ``SynchronizationStatus`` (when the API reports it) is ``connected``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import for_standby
from failover.actions.context import role_of
from failover.infra.clients import Clients
from failover.models import Check
from failover.plan import Group

NAME = "side re-protected after one-way actions"
#: how far behind a rebuilt replica may be to count as caught up when the group names no RPO budget
DEFAULT_CAUGHT_UP_SECONDS = 60
LOOKBACK_SECONDS = 300


def reprotection(group: Group, entries: list[dict[str, Any]], side: str, clients: Clients) -> Check | None:
    """The check for traffic going to ``side``; None when no one-way action left that side."""
    relevant = [e for e in entries if e.get("from_side") == side]
    if not relevant:
        return None
    specs = {name: spec for _stage, name, spec in group.iter_actions()}
    results: dict[str, dict[str, Any]] = {}
    for entry in relevant:
        name = str(entry.get("name"))
        spec = specs.get(name)
        if spec is None:
            found: dict[str, Any] = {"ok": False, "detail": f"{name} is no longer in the plan: cannot check it"}
        else:
            # the spec between the primary and the standby of the pair the action ran between
            standby = side if side != "primary" else str(entry.get("to_side") or "secondary")
            if standby == "primary" or standby not in group.standby_keys():
                standby = "secondary"
            try:
                found = _check_one(group, for_standby(spec, standby), role_of(side), clients)
            except (ClientError, BotoCoreError) as err:
                found = {"ok": False, "detail": f"could not read {name}: {type(err).__name__}: {err}"}
        found["ran"] = f"{entry.get('action')} {name} in incident {entry.get('incident_id')} at {entry.get('at')}"
        found["needs"] = entry.get("reprotect")
        results[name] = found
    ok = all(r["ok"] for r in results.values())
    if ok:
        detail = f"the {side} side is re-protected: " + "; ".join(f"{n}: {r['detail']}" for n, r in results.items())
    else:
        detail = f"one-way actions left the {side} side unprotected: " + "; ".join(
            f"{n} ({r['ran']}): {r['detail']}; re-protection needs: {r['needs']}"
            for n, r in results.items()
            if not r["ok"]
        )
    return Check(name=NAME, ok=ok, detail=detail, values={"side": side, "actions": results})


def _check_one(group: Group, spec: Any, side: str, clients: Clients) -> dict[str, Any]:
    if spec.type == "rds_promote_replica":
        return _replica_again(group, spec, side, clients)
    if spec.type in ("aurora_global", "docdb_global_cluster"):
        return _global_member_again(spec, side, clients)
    return {"ok": False, "detail": f"no re-protection check for action type {spec.type}"}


def _replica_again(group: Group, spec: Any, side: str, clients: Clients) -> dict[str, Any]:
    old = getattr(spec, side)
    writer = getattr(spec, "secondary" if side == "primary" else "primary")
    rds = clients.get("rds", old.region)
    if old.kind == "cluster":
        cluster = rds.describe_db_clusters(DBClusterIdentifier=old.identifier)["DBClusters"][0]
        status, source = cluster.get("Status"), cluster.get("ReplicationSourceIdentifier") or None
        metric, dimension = "AuroraBinlogReplicaLag", "DBClusterIdentifier"
    else:
        instance = rds.describe_db_instances(DBInstanceIdentifier=old.identifier)["DBInstances"][0]
        status, source = instance.get("DBInstanceStatus"), instance.get("ReadReplicaSourceDBInstanceIdentifier") or None
        metric, dimension = "ReplicaLag", "DBInstanceIdentifier"
    budget = group.safety.rpo_budget_seconds or DEFAULT_CAUGHT_UP_SECONDS
    values: dict[str, Any] = {
        "identifier": old.identifier,
        "region": old.region,
        "status": status,
        "replication_source": source,
        "expected_source": writer.identifier,
        "max_lag_seconds": budget,
        "lag_seconds": None,
    }
    label = f"{old.kind} {old.identifier} ({old.region})"
    if source is None:
        return {**values, "ok": False, "detail": f"{label} is a standalone writer, not a replica"}
    if str(source).split(":")[-1] != writer.identifier:
        return {**values, "ok": False, "detail": f"{label} replicates from {source}, not from {writer.identifier}"}
    if status != "available":
        return {**values, "ok": False, "detail": f"{label} is a replica of {writer.identifier} but {status}"}
    end = datetime.now(UTC)
    points = (
        clients.get("cloudwatch", old.region)
        .get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName=metric,
            Dimensions=[{"Name": dimension, "Value": old.identifier}],
            StartTime=end - timedelta(seconds=LOOKBACK_SECONDS),
            EndTime=end + timedelta(seconds=60),
            Period=60,
            Statistics=["Maximum"],
        )
        .get("Datapoints", [])
    )
    if not points:
        return {**values, "ok": False, "detail": f"{label}: no {metric} datapoint: catching up is not proven"}
    lag = float(sorted(points, key=lambda p: p["Timestamp"])[-1]["Maximum"])
    values["lag_seconds"] = lag
    if lag > budget:
        return {**values, "ok": False, "detail": f"{label} is {lag:g} s behind (at most {budget} s)"}
    return {**values, "ok": True, "detail": f"{label} replicates from {writer.identifier}, {lag:g} s behind"}


def _global_member_again(spec: Any, side: str, clients: Clients) -> dict[str, Any]:
    old = getattr(spec, side)
    service = "docdb" if spec.type == "docdb_global_cluster" else "rds"
    gcs = (
        clients.get(service, old.region)
        .describe_global_clusters(GlobalClusterIdentifier=spec.global_cluster_identifier)
        .get("GlobalClusters", [])
    )
    gc: dict[str, Any] = next(
        (g for g in gcs if g.get("GlobalClusterIdentifier") == spec.global_cluster_identifier), {}
    )
    member = next((m for m in gc.get("GlobalClusterMembers", []) if m.get("DBClusterArn") == old.cluster_arn), None)
    sync = member.get("SynchronizationStatus") if member else None
    values = {
        "cluster_arn": old.cluster_arn,
        "global_status": gc.get("Status"),
        "member": member is not None,
        "writer": bool(member and member.get("IsWriter")),
        "synchronization": sync,
    }
    label = f"{old.cluster_arn} ({old.region})"
    if member is None:
        return {**values, "ok": False, "detail": f"{label} is not a member of {spec.global_cluster_identifier}"}
    if member.get("IsWriter"):
        return {**values, "ok": False, "detail": f"{label} is the writer: nothing replicates to it"}
    if gc.get("Status") != "available" or sync not in (None, "connected"):
        return {
            **values,
            "ok": False,
            "detail": f"{label} rejoined but is not in sync (global {gc.get('Status')}, {sync or 'no status'})",
        }
    return {**values, "ok": True, "detail": f"{label} is a secondary of {spec.global_cluster_identifier} again"}
