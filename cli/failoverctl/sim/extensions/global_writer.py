"""What moving the writer of a global cluster has in common, for Aurora and DocumentDB alike.

Both services answer ``SwitchoverGlobalCluster`` (no data loss) and ``FailoverGlobalCluster``
(``AllowDataLoss`` promotes the target even when the old writer is impaired; with ``Switchover``, or
neither flag, it is a switchover; both flags at once are ``InvalidParameterCombination``), and both
say in ``FailoverState`` what happened. Each service module supplies how it moves the writer.
"""

from __future__ import annotations

from typing import Any, Protocol

from failoverctl.sim.aws import SimAWS, SimClientError


class MoveWriter(Protocol):
    def __call__(self, sim: SimAWS, params: dict[str, Any], region: str, *, data_loss: bool) -> dict[str, Any]: ...


def register_writer_moves(sim: SimAWS, service: str, move_writer: MoveWriter) -> None:
    """Serve ``<service>.SwitchoverGlobalCluster`` and ``<service>.FailoverGlobalCluster`` with ``move_writer``."""

    def switchover(params: dict[str, Any], region: str) -> dict[str, Any]:
        return move_writer(sim, params, region, data_loss=False)

    def failover(params: dict[str, Any], region: str) -> dict[str, Any]:
        allow, switchover = params.get("AllowDataLoss"), params.get("Switchover")
        if allow and switchover:
            raise SimClientError("InvalidParameterCombination", "AllowDataLoss and Switchover cannot both be set")
        return move_writer(sim, params, region, data_loss=bool(allow))

    sim.register(f"{service}.SwitchoverGlobalCluster", switchover)
    sim.register(f"{service}.FailoverGlobalCluster", failover)


def failover_state(sim: SimAWS, record: str, source: str | None, target: str, *, data_loss: bool) -> dict[str, Any]:
    """The ``FailoverState`` of a completed move; one with data loss is recorded in ``sim.state[record]``."""
    if data_loss:
        sim.state.setdefault(record, []).append({"from": source, "to": target})
    return {
        "Status": "completed",
        "FromDbClusterArn": source or "",
        "ToDbClusterArn": target,
        "IsDataLossAllowed": data_loss,
    }
