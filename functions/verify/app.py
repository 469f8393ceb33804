"""Verify: record a stage's results, or check that the stage took effect (bounded by the state machine)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import default_deps
from failover.errors import InvalidInputError, transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.steps.verify import record, verify


@transient_aws_errors
def process(event: Any) -> dict[str, Any]:
    deps = default_deps()
    operation = event.get("operation") if isinstance(event, dict) else None
    if operation == "record":
        return record(event, deps.plan, deps.store)
    if operation == "verify":
        return verify(event, deps.plan, deps.clients, deps.store)
    raise InvalidInputError(f"unknown operation {operation!r}: expected 'record' or 'verify'")


@logger.inject_lambda_context(correlation_id_path="state.request.incident_id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
