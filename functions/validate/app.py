"""Validate: the safety gate. Returns the execution state with the decision (every check) and the run."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import default_deps
from failover.errors import transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.steps.validate import validate


@transient_aws_errors
def process(event: Any) -> dict[str, Any]:
    deps = default_deps()
    return validate(event, deps.plan, deps.env, deps.clients, deps.store)


@logger.inject_lambda_context(correlation_id_path="state.request.incident_id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
