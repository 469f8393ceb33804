"""A regional outage as the global databases see it: the writer's region cannot take part in a switchover.

``impair_region(sim, region)`` marks a region impaired. A switchover needs every member cluster to take
part (it synchronises the secondaries before it moves the writer, Aurora User Guide, "Performing
switchovers for Amazon Aurora global databases"), so the Aurora and DocumentDB extensions refuse
``SwitchoverGlobalCluster`` (and ``FailoverGlobalCluster`` without ``AllowDataLoss``) while a member
is in an impaired region, with the documented ``InvalidGlobalClusterStateFault``; a failover with
``AllowDataLoss`` still promotes the target, as it does on AWS.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError

STATE = "impaired_regions"


def impair_region(sim: SimAWS, region: str) -> None:
    sim.state.setdefault(STATE, set()).add(region)


def impaired(sim: SimAWS, region: str) -> bool:
    return region in sim.state.get(STATE, set())


def refuse_switchover(identifier: str, members: list[tuple[str, str]]) -> None:
    """Refuse a switchover of ``identifier`` whose members (ARN, status) are not all available."""
    unavailable = [f"{arn} ({status})" for arn, status in members if status != "available"]
    if unavailable:
        raise SimClientError(
            "InvalidGlobalClusterStateFault",
            f"Global cluster {identifier} cannot be switched over: member cluster(s) "
            f"{', '.join(unavailable)} are not available. To promote a secondary while the primary "
            "is unavailable, fail over with AllowDataLoss.",
        )


def member_status(sim: SimAWS, arn: str, status: Any) -> str:
    """A member's status as a switchover sees it: ``unreachable`` in an impaired region."""
    return "unreachable" if impaired(sim, arn.split(":")[3]) else str(status)
