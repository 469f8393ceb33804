"""Finalize: close the incident, record the active side, release the lock the execution holds."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import default_deps
from failover.errors import transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.steps.finalize import finalize


@transient_aws_errors
def process(event: Any) -> dict[str, Any]:
    deps = default_deps()
    return finalize(event, deps.plan, deps.store, clients=deps.clients, report_bucket=deps.env.report_bucket)


@logger.inject_lambda_context(correlation_id_path="state.request.incident_id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
