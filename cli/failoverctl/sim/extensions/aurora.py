"""Aurora Global Database switchover and failover, which moto does not implement.

moto keeps global clusters (in its us-east-1 backend) and their member clusters with an
``is_writer`` flag; these handlers move that flag the way RDS does:

- ``SwitchoverGlobalCluster`` (no data loss) needs every member cluster ``available``;
- ``FailoverGlobalCluster`` with ``AllowDataLoss`` promotes the target even when the old writer is
  impaired, and records the event in ``sim.state["aurora.data_loss_failovers"]``; with
  ``Switchover`` (or neither flag) it behaves as a switchover.

The change completes at once; ``FailoverState`` in the answer says what happened.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError

ACCOUNT = "123456789012"
DATA_LOSS = "aurora.data_loss_failovers"


def _global_cluster(identifier: str) -> Any:
    from moto.rds.models import rds_backends

    backend = rds_backends[ACCOUNT]["us-east-1"]
    for gc in backend.global_clusters.values():
        if identifier in (gc.global_cluster_identifier, gc.global_cluster_arn):
            return gc
    raise SimClientError("GlobalClusterNotFoundFault", f"Global cluster {identifier} not found", 404)


def _member(gc: Any, identifier: str) -> Any:
    for member in gc.members:
        if identifier in (member.db_cluster_arn, member.db_cluster_identifier):
            return member
    raise SimClientError(
        "InvalidParameterValue",
        f"The target DB cluster {identifier} is not a member of global cluster {gc.global_cluster_identifier}",
    )


def writer_arn(global_cluster_identifier: str) -> str | None:
    """ARN of the global cluster's writer (primary) cluster."""
    gc = _global_cluster(global_cluster_identifier)
    return next((m.db_cluster_arn for m in gc.members if m.is_writer), None)


def set_writer(global_cluster_identifier: str, cluster_arn: str) -> None:
    """Make ``cluster_arn`` the writer (moto leaves every member of a new global cluster a reader)."""
    gc = _global_cluster(global_cluster_identifier)
    member = _member(gc, cluster_arn)
    for m in gc.members:
        m.is_writer = m is member


def _answer(gc: Any, status: str, source: str | None, target: str, data_loss: bool) -> dict[str, Any]:
    return {
        "GlobalCluster": {
            "GlobalClusterIdentifier": gc.global_cluster_identifier,
            "GlobalClusterArn": gc.global_cluster_arn,
            "Status": gc.status,
            "Engine": gc.engine,
            "GlobalClusterMembers": [
                {"DBClusterArn": m.db_cluster_arn, "IsWriter": bool(m.is_writer)} for m in gc.members
            ],
            "FailoverState": {
                "Status": status,
                "FromDbClusterArn": source or "",
                "ToDbClusterArn": target,
                "IsDataLossAllowed": data_loss,
            },
        }
    }


def _move_writer(sim: SimAWS, params: dict[str, Any], *, data_loss: bool) -> dict[str, Any]:
    gc = _global_cluster(params["GlobalClusterIdentifier"])
    target = _member(gc, params["TargetDbClusterIdentifier"])
    if gc.status != "available":
        raise SimClientError("InvalidGlobalClusterStateFault", f"Global cluster is {gc.status}")
    if target.is_writer:
        raise SimClientError(
            "InvalidParameterValue",
            f"The DB cluster {target.db_cluster_arn} is already the primary of the global cluster",
        )
    if target.status != "available":
        raise SimClientError("InvalidDBClusterStateFault", f"DB cluster {target.db_cluster_arn} is {target.status}")
    source = next((m for m in gc.members if m.is_writer), None)
    if not data_loss:
        unhealthy = [m.db_cluster_arn for m in gc.members if m.status != "available"]
        if unhealthy:
            raise SimClientError(
                "InvalidDBClusterStateFault",
                f"Switchover needs every member cluster available; not available: {', '.join(unhealthy)}",
            )
    for member in gc.members:
        member.is_writer = member is target
    source_arn = source.db_cluster_arn if source is not None else None
    if data_loss:
        sim.state.setdefault(DATA_LOSS, []).append({"from": source_arn, "to": target.db_cluster_arn})
    return _answer(gc, "completed", source_arn, target.db_cluster_arn, data_loss)


def _switchover(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        return _move_writer(sim, params, data_loss=False)

    return handler


def _failover(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        allow, switchover = params.get("AllowDataLoss"), params.get("Switchover")
        if allow and switchover:
            raise SimClientError("InvalidParameterCombination", "AllowDataLoss and Switchover cannot both be set")
        return _move_writer(sim, params, data_loss=bool(allow))

    return handler


def register(sim: SimAWS) -> None:
    sim.register("rds.SwitchoverGlobalCluster", _switchover(sim))
    sim.register("rds.FailoverGlobalCluster", _failover(sim))
