"""DynamoDB global-table replicas (version 2019.11.21), which moto does not model.

moto holds one independent table per region. ``add_global_table`` records which regions hold a
replica and each replica's status; ``DescribeTable`` is answered from moto's own table
description plus ``Replicas`` and ``GlobalTableVersion``, with the local replica's status as the
``TableStatus``. The answer is parsed by botocore from moto's JSON, so its types match AWS's.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account

REPLICAS = "dynamodb.global_tables"
_TABLE_STATUS = {"ACTIVE": "ACTIVE", "CREATING": "CREATING", "UPDATING": "UPDATING", "DELETING": "DELETING"}


def add_global_table(sim: SimAWS, table_name: str, regions: list[str], status: str = "ACTIVE") -> None:
    sim.state.setdefault(REPLICAS, {})[table_name] = dict.fromkeys(regions, status)


def set_replica_status(sim: SimAWS, table_name: str, region: str, status: str) -> None:
    sim.state.setdefault(REPLICAS, {}).setdefault(table_name, {})[region] = status


@cache
def _output_shape() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("dynamodb").operation_model("DescribeTable").output_shape


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "timestamp"):
        return value.timestamp()
    return str(value)


def _describe(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        from botocore.parsers import create_parser
        from moto.dynamodb.exceptions import ResourceNotFoundException
        from moto.dynamodb.models import dynamodb_backends

        name = params["TableName"]
        try:
            described = dynamodb_backends[caller_account()][region].describe_table(name)
        except ResourceNotFoundException:
            raise SimClientError(
                "ResourceNotFoundException", f"Requested resource not found: Table: {name} not found"
            ) from None
        table = described["Table"]
        replicas = sim.state.get(REPLICAS, {}).get(table["TableName"])
        if replicas and region in replicas:
            table["GlobalTableVersion"] = "2019.11.21"
            table["TableStatus"] = _TABLE_STATUS.get(replicas[region], "ACTIVE")
            table["Replicas"] = [
                {"RegionName": r, "ReplicaStatus": s} for r, s in sorted(replicas.items()) if r != region
            ]
        body = json.dumps(described, default=_default).encode()
        parsed: dict[str, Any] = create_parser("json").parse(
            {"body": body, "headers": {}, "status_code": 200}, _output_shape()
        )
        return parsed

    return handler


def register(sim: SimAWS) -> None:
    sim.register("dynamodb.DescribeTable", _describe(sim))
