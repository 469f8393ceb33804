"""ElastiCache Global Datastores (global replication groups), which moto does not implement.

moto keeps the regional replication groups; the global datastore that links them lives in
``sim.state["elasticache.global"]``: its status and its members (replication group id, region, role
``primary`` | ``secondary``, status ``associated``). Seeders add one with ``add_global_datastore``;
scenarios make it busy with ``set_status``. The handlers answer as ElastiCache does, with its
documented errors:

- ``DescribeGlobalReplicationGroups``: ``GlobalReplicationGroupNotFoundFault`` for an unknown id;
  members only with ``ShowMemberInfo``;
- ``FailoverGlobalReplicationGroup``: ``InvalidGlobalReplicationGroupState`` unless the datastore is
  ``available``; ``InvalidParameterValue`` when the named group is not a member in that region or is
  already the primary. The promotion completes at once.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError

STATE = "elasticache.global"
FAILOVERS = "elasticache.global_failovers"


def _datastores(sim: SimAWS) -> dict[str, Any]:
    found: dict[str, Any] = sim.state.setdefault(STATE, {})
    return found


def add_global_datastore(
    sim: SimAWS,
    identifier: str,
    members: list[tuple[str, str]],
    primary: tuple[str, str],
    account: str = "123456789012",
) -> None:
    """``members``: (replication group id, region) pairs; ``primary`` is one of them."""
    _datastores(sim)[identifier] = {
        "account": account,
        "status": "available",
        "members": [
            {"ReplicationGroupId": group, "ReplicationGroupRegion": region, "Status": "associated"}
            for group, region in members
        ],
        "primary": primary,
    }


def set_status(sim: SimAWS, identifier: str, status: str) -> None:
    _datastores(sim)[identifier]["status"] = status


def primary_of(sim: SimAWS, identifier: str) -> tuple[str, str]:
    group, region = _datastores(sim)[identifier]["primary"]
    return str(group), str(region)


def _find(sim: SimAWS, identifier: str) -> dict[str, Any]:
    found = _datastores(sim).get(identifier)
    if found is None:
        raise SimClientError(
            "GlobalReplicationGroupNotFoundFault", f"Global replication group {identifier} not found.", 404
        )
    result: dict[str, Any] = found
    return result


def _answer(identifier: str, found: dict[str, Any], members: bool) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "GlobalReplicationGroupId": identifier,
        "GlobalReplicationGroupDescription": "drill global datastore",
        "Status": found["status"],
        "Engine": "redis",
        "ClusterEnabled": False,
        "ARN": f"arn:aws:elasticache::{found['account']}:globalreplicationgroup:{identifier}",
    }
    if members:
        answer["Members"] = [
            {
                **m,
                "Role": "primary"
                if (m["ReplicationGroupId"], m["ReplicationGroupRegion"]) == tuple(found["primary"])
                else "secondary",
                "AutomaticFailover": "enabled",
            }
            for m in found["members"]
        ]
    return answer


def _describe(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        identifier = params.get("GlobalReplicationGroupId")
        members = bool(params.get("ShowMemberInfo"))
        if identifier:
            return {"GlobalReplicationGroups": [_answer(identifier, _find(sim, identifier), members)]}
        return {"GlobalReplicationGroups": [_answer(i, g, members) for i, g in _datastores(sim).items()]}

    return handler


def _failover(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        identifier = params["GlobalReplicationGroupId"]
        found = _find(sim, identifier)
        wanted = (params["PrimaryReplicationGroupId"], params["PrimaryRegion"])
        if found["status"] != "available":
            raise SimClientError(
                "InvalidGlobalReplicationGroupState", f"Global replication group {identifier} is {found['status']}"
            )
        if not any((m["ReplicationGroupId"], m["ReplicationGroupRegion"]) == wanted for m in found["members"]):
            raise SimClientError(
                "InvalidParameterValue",
                f"Replication group {wanted[0]} in {wanted[1]} is not a member of {identifier}",
            )
        if tuple(found["primary"]) == wanted:
            raise SimClientError("InvalidParameterValue", f"Replication group {wanted[0]} is already the primary")
        sim.state.setdefault(FAILOVERS, []).append({"from": list(found["primary"]), "to": list(wanted)})
        found["primary"] = wanted
        return {"GlobalReplicationGroup": _answer(identifier, found, True)}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("elasticache.DescribeGlobalReplicationGroups", _describe(sim))
    sim.register("elasticache.FailoverGlobalReplicationGroup", _failover(sim))
