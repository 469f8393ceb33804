"""Fixtures for the action tests (helpers are in ``helpers.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from tests.unit.actions.helpers import LambdaFunctions


@pytest.fixture
def no_sdk_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients that give up after one attempt, so an injected throttle reaches the action at once."""
    monkeypatch.setattr(
        "failover.infra.clients._RETRIES", Config(retries={"total_max_attempts": 1, "mode": "standard"})
    )


@pytest.fixture
def lambda_functions(sim: Any) -> Iterator[LambdaFunctions]:
    """Lambda Invoke answered by Python functions (moto's own invoke needs Docker); calls recorded."""
    from failoverctl.sim.aws import SimClientError, streaming

    fake = LambdaFunctions()
    functions, calls = fake.functions, fake.calls

    def invoke(params: dict[str, Any], region: str) -> dict[str, Any]:
        name = params["FunctionName"].split(":function:")[-1].split(":")[0]
        if name not in functions:
            raise SimClientError("ResourceNotFoundException", f"Function not found: {params['FunctionName']}", 404)
        event = json.loads(params.get("Payload") or "{}")
        calls.append({"name": name, "region": region, "event": event})
        answer, error = functions[name](event)
        parsed: dict[str, Any] = {"StatusCode": 200, "Payload": streaming(json.dumps(answer).encode())}
        if error:
            parsed["FunctionError"] = error
        return parsed

    previous = sim.handlers.get("lambda.Invoke")
    sim.register("lambda.Invoke", invoke)
    try:
        yield fake
    finally:
        if previous is None:
            sim.handlers.pop("lambda.Invoke", None)
        else:
            sim.handlers["lambda.Invoke"] = previous
