"""Amazon DocumentDB clusters and global clusters, which moto does not implement.

DocumentDB's API is served by the ``docdb`` endpoint of each region (IAM and ARNs say ``rds``). The
state lives in ``sim.state["docdb"]``: clusters by ARN (region, status, global cluster) and global
clusters by identifier (members in order, the writer's ARN, status). Seeders add them with
``add_global_cluster``; scenarios impair a cluster with ``set_cluster_status``. The handlers answer
the way DocumentDB does, with its documented errors:

- ``DescribeDBClusters`` / ``DescribeGlobalClusters``: ``DBClusterNotFoundFault`` /
  ``GlobalClusterNotFoundFault`` for an unknown identifier;
- ``SwitchoverGlobalCluster`` (no data loss) needs the global cluster and every member
  ``available`` and outside an impaired region (``InvalidGlobalClusterStateFault``, see
  ``failoverctl.sim.extensions.outage``), a target that
  is a secondary member (``DBClusterNotFoundFault`` otherwise, ``InvalidDBClusterStateFault`` when it
  already is the primary);
- ``FailoverGlobalCluster`` with ``AllowDataLoss`` promotes the target even when the old writer is
  impaired (recorded in ``sim.state["docdb.data_loss_failovers"]``); with ``Switchover`` it behaves as a
  switchover; both at once is ``InvalidParameterCombination``.

A change completes at once.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError
from failoverctl.sim.extensions.global_writer import failover_state, register_writer_moves
from failoverctl.sim.extensions.outage import member_status, refuse_switchover

STATE = "docdb"
DATA_LOSS = "docdb.data_loss_failovers"


def _state(sim: SimAWS) -> dict[str, Any]:
    state: dict[str, Any] = sim.state.setdefault(STATE, {"clusters": {}, "global": {}})
    return state


def _region_of(arn: str) -> str:
    return arn.split(":")[3]


def _identifier_of(arn: str) -> str:
    return arn.rsplit(":", 1)[-1]


def add_global_cluster(sim: SimAWS, identifier: str, member_arns: list[str], writer_arn: str) -> None:
    """A global cluster whose members (cluster ARNs) are ``available``; ``writer_arn`` is the primary."""
    state = _state(sim)
    for arn in member_arns:
        state["clusters"].setdefault(arn, {"status": "available", "global": identifier})
    account = member_arns[0].split(":")[4]
    state["global"][identifier] = {
        "arn": f"arn:aws:rds::{account}:global-cluster:{identifier}",
        "members": list(member_arns),
        "writer": writer_arn,
        "status": "available",
    }


def set_cluster_status(sim: SimAWS, cluster_arn: str, status: str) -> None:
    _state(sim)["clusters"][cluster_arn]["status"] = status


def writer_arn(sim: SimAWS, identifier: str) -> str | None:
    found = _state(sim)["global"].get(identifier)
    return None if found is None else str(found["writer"])


def _find_cluster(sim: SimAWS, ref: str, region: str) -> str:
    clusters = _state(sim)["clusters"]
    if ref in clusters:
        return ref
    for arn in clusters:
        if _region_of(arn) == region and _identifier_of(arn) == ref:
            return arn
    raise SimClientError("DBClusterNotFoundFault", f"DBCluster {ref} not found.", 404)


def _global(sim: SimAWS, identifier: str) -> dict[str, Any]:
    found = _state(sim)["global"].get(identifier)
    if found is None:
        raise SimClientError("GlobalClusterNotFoundFault", f"GlobalCluster {identifier} not found.", 404)
    result: dict[str, Any] = found
    return result


def _cluster_answer(sim: SimAWS, arn: str) -> dict[str, Any]:
    cluster = _state(sim)["clusters"][arn]
    return {
        "DBClusterIdentifier": _identifier_of(arn),
        "DBClusterArn": arn,
        "Status": cluster["status"],
        "Engine": "docdb",
        "MultiAZ": False,
    }


def _global_answer(identifier: str, found: dict[str, Any], failover: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "GlobalClusterIdentifier": identifier,
        "GlobalClusterArn": found["arn"],
        "Status": found["status"],
        "Engine": "docdb",
        "GlobalClusterMembers": [
            {
                "DBClusterArn": arn,
                "IsWriter": arn == found["writer"],
                "Readers": [] if arn != found["writer"] else [m for m in found["members"] if m != arn],
            }
            for arn in found["members"]
        ],
    }
    if failover is not None:
        answer["FailoverState"] = failover
    return answer


def _describe_clusters(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        ref = params.get("DBClusterIdentifier")
        if ref:
            return {"DBClusters": [_cluster_answer(sim, _find_cluster(sim, ref, region))]}
        arns = [arn for arn in _state(sim)["clusters"] if _region_of(arn) == region]
        return {"DBClusters": [_cluster_answer(sim, arn) for arn in arns]}

    return handler


def _describe_global(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        identifier = params.get("GlobalClusterIdentifier")
        if identifier:
            return {"GlobalClusters": [_global_answer(identifier, _global(sim, identifier))]}
        return {"GlobalClusters": [_global_answer(i, g) for i, g in _state(sim)["global"].items()]}

    return handler


def _move_writer(sim: SimAWS, params: dict[str, Any], region: str, *, data_loss: bool) -> dict[str, Any]:
    identifier = params["GlobalClusterIdentifier"]
    found = _global(sim, identifier)
    target = _find_cluster(sim, params["TargetDbClusterIdentifier"], region)
    if target not in found["members"]:
        raise SimClientError("DBClusterNotFoundFault", f"DBCluster {target} is not a member of {identifier}.", 404)
    if found["status"] != "available":
        raise SimClientError("InvalidGlobalClusterStateFault", f"Global cluster {identifier} is {found['status']}")
    if found["writer"] == target:
        raise SimClientError("InvalidDBClusterStateFault", f"DBCluster {target} is already the primary cluster")
    clusters = _state(sim)["clusters"]
    if clusters[target]["status"] != "available":
        raise SimClientError("InvalidDBClusterStateFault", f"DBCluster {target} is {clusters[target]['status']}")
    if not data_loss:
        refuse_switchover(
            identifier, [(arn, member_status(sim, arn, clusters[arn]["status"])) for arn in found["members"]]
        )
    source = found["writer"]
    found["writer"] = target
    failover = failover_state(sim, DATA_LOSS, source, target, data_loss=data_loss)
    return {"GlobalCluster": _global_answer(identifier, found, failover)}


def register(sim: SimAWS) -> None:
    sim.register("docdb.DescribeDBClusters", _describe_clusters(sim))
    sim.register("docdb.DescribeGlobalClusters", _describe_global(sim))
    register_writer_moves(sim, "docdb", _move_writer)
