"""Aurora Global Database: cross-region creation, switchover and failover, which moto lacks or limits.

moto keeps global clusters in its us-east-1 backend and looks a ``CreateGlobalCluster`` source up
there only, so a global database whose primary is in any other region cannot be created. RDS takes
the source cluster's ARN from any region. The handlers here serve:

- ``CreateGlobalCluster`` from a source cluster in any region (found by the region its ARN names);
- ``SwitchoverGlobalCluster`` (no data loss): every member cluster must be ``available`` and outside
  an impaired region (``failoverctl.sim.extensions.outage``);
- ``FailoverGlobalCluster`` with ``AllowDataLoss`` promotes the target even when the old writer is
  impaired, and records the event in ``sim.state["aurora.data_loss_failovers"]``; with
  ``Switchover`` (or neither flag) it behaves as a switchover.

Preconditions answer with the errors the RDS API Reference lists for these operations
(``CreateGlobalCluster``, ``SwitchoverGlobalCluster``, ``FailoverGlobalCluster``):

- unknown global cluster: ``GlobalClusterNotFoundFault`` (404);
- unknown target cluster: ``DBClusterNotFoundFault`` (404);
- a target that is not a secondary of the global cluster (not a member, or already its primary),
  or is not ``available``: ``InvalidDBClusterStateFault``;
- a global cluster that is not ``available``, or (switchover) a member that is not:
  ``InvalidGlobalClusterStateFault``;
- ``AllowDataLoss`` together with ``Switchover``: ``InvalidParameterCombination``;
- creating a global cluster that exists: ``GlobalClusterAlreadyExistsFault``; from a source that
  already belongs to one: ``InvalidDBClusterStateFault``; with an ``Engine`` as well as a source:
  ``InvalidParameterCombination``.

The change completes at once; ``FailoverState`` in the answer says what happened.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account
from failoverctl.sim.extensions.global_writer import failover_state, register_writer_moves
from failoverctl.sim.extensions.outage import member_status, refuse_switchover

GLOBAL_REGION = "us-east-1"  # where moto keeps global clusters (they belong to no region)
DATA_LOSS = "aurora.data_loss_failovers"


def _backends() -> Any:
    from moto.rds.models import rds_backends

    return rds_backends[caller_account()]


def _global_cluster(identifier: str) -> Any:
    backend = _backends()[GLOBAL_REGION]
    for gc in backend.global_clusters.values():
        if identifier.lower() in (gc.global_cluster_identifier.lower(), gc.global_cluster_arn.lower()):
            return gc
    raise SimClientError("GlobalClusterNotFoundFault", f"Global cluster {identifier} not found", 404)


def find_cluster(identifier: str, region: str) -> Any:
    """The DB cluster ``identifier`` names: an ARN (in the region it names) or an id in ``region``."""
    if identifier.startswith("arn:"):
        parts = identifier.split(":")
        region, name = parts[3], parts[-1]
    else:
        name = identifier
    known = _backends()[region] if region in _backends().regions else None
    cluster = None
    if known is not None:
        cluster = next((c for c in known.clusters.values() if c.db_cluster_identifier.lower() == name.lower()), None)
    if cluster is None or (identifier.startswith("arn:") and cluster.db_cluster_arn != identifier):
        raise SimClientError("DBClusterNotFoundFault", f"DBCluster {identifier} not found.", 404)
    return cluster


def _member(gc: Any, identifier: str, region: str) -> Any:
    for member in gc.members:
        if identifier in (member.db_cluster_arn, member.db_cluster_identifier):
            return member
    cluster = find_cluster(identifier, region)  # DBClusterNotFoundFault when it does not exist at all
    raise SimClientError(
        "InvalidDBClusterStateFault",
        f"The DB cluster {cluster.db_cluster_arn} is not a secondary cluster of global cluster "
        f"{gc.global_cluster_identifier}",
    )


def writer_arn(global_cluster_identifier: str) -> str | None:
    """ARN of the global cluster's writer (primary) cluster."""
    gc = _global_cluster(global_cluster_identifier)
    return next((m.db_cluster_arn for m in gc.members if m.is_writer), None)


def set_writer(global_cluster_identifier: str, cluster_arn: str) -> None:
    """Make ``cluster_arn`` the writer (moto leaves every member of a new global cluster a reader)."""
    gc = _global_cluster(global_cluster_identifier)
    member = _member(gc, cluster_arn, cluster_arn.split(":")[3] if cluster_arn.startswith("arn:") else GLOBAL_REGION)
    for m in gc.members:
        m.is_writer = m is member


def set_status(global_cluster_identifier: str, status: str) -> None:
    """Put the global cluster in ``status`` (``modifying``, ``failing-over``...) for a test or a fault."""
    _global_cluster(global_cluster_identifier).status = status


def _describe(gc: Any) -> dict[str, Any]:
    return {
        "GlobalClusterIdentifier": gc.global_cluster_identifier,
        "GlobalClusterArn": gc.global_cluster_arn,
        "GlobalClusterResourceId": gc.global_cluster_resource_id,
        "Status": gc.status,
        "Engine": gc.engine,
        "EngineVersion": gc.engine_version,
        "StorageEncrypted": bool(gc.storage_encrypted),
        "DeletionProtection": bool(gc.deletion_protection),
        "GlobalClusterMembers": [{"DBClusterArn": m.db_cluster_arn, "IsWriter": bool(m.is_writer)} for m in gc.members],
    }


def _move_writer(sim: SimAWS, params: dict[str, Any], region: str, *, data_loss: bool) -> dict[str, Any]:
    gc = _global_cluster(params["GlobalClusterIdentifier"])
    target = _member(gc, params["TargetDbClusterIdentifier"], region)
    if gc.status != "available":
        raise SimClientError(
            "InvalidGlobalClusterStateFault", f"Global cluster {gc.global_cluster_identifier} is {gc.status}"
        )
    if target.is_writer:
        raise SimClientError(
            "InvalidDBClusterStateFault",
            f"The DB cluster {target.db_cluster_arn} is the primary of global cluster "
            f"{gc.global_cluster_identifier}, not a secondary",
        )
    if target.status != "available":
        raise SimClientError("InvalidDBClusterStateFault", f"DB cluster {target.db_cluster_arn} is {target.status}")
    source = next((m for m in gc.members if m.is_writer), None)
    if not data_loss:
        refuse_switchover(
            gc.global_cluster_identifier,
            [(m.db_cluster_arn, member_status(sim, m.db_cluster_arn, m.status)) for m in gc.members],
        )
    for member in gc.members:
        member.is_writer = member is target
    source_arn = source.db_cluster_arn if source is not None else None
    described = _describe(gc)
    described["FailoverState"] = failover_state(sim, DATA_LOSS, source_arn, target.db_cluster_arn, data_loss=data_loss)
    return {"GlobalCluster": described}


def _create(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        from moto.rds.models import GlobalCluster

        identifier = params["GlobalClusterIdentifier"]
        home = _backends()[GLOBAL_REGION]
        if any(gc.global_cluster_identifier.lower() == identifier.lower() for gc in home.global_clusters.values()):
            raise SimClientError("GlobalClusterAlreadyExistsFault", f"Global cluster {identifier} already exists")
        source_id = params.get("SourceDBClusterIdentifier")
        source = None
        engine, version = params.get("Engine"), params.get("EngineVersion")
        if source_id:
            if engine is not None:
                raise SimClientError(
                    "InvalidParameterCombination",
                    "When creating a global cluster from an existing DB cluster, the engine is inherited from it",
                )
            source = find_cluster(source_id, region)
            if source.global_cluster_identifier:
                raise SimClientError(
                    "InvalidDBClusterStateFault",
                    f"DB cluster {source.db_cluster_arn} is already a member of a global cluster",
                )
            engine, version = source.engine, source.engine_version
        elif engine is None:
            raise SimClientError("InvalidParameterValue", "A global cluster without a source cluster needs an Engine")
        gc = GlobalCluster(
            backend=home,
            global_cluster_identifier=identifier,
            engine=engine,
            engine_version=version,
            storage_encrypted=params.get("StorageEncrypted"),
            deletion_protection=params.get("DeletionProtection"),
        )
        home.global_clusters[identifier] = gc
        if source is not None:
            source.global_cluster_identifier = gc.global_cluster_arn
            source.is_writer = True
            gc.members.append(source)
        return {"GlobalCluster": _describe(gc)}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("rds.CreateGlobalCluster", _create(sim))
    register_writer_moves(sim, "rds", _move_writer)
