"""Execute: carry out one action of a stage (idempotent, dry-run aware) and return its result."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import default_deps
from failover.errors import transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.steps.execute import execute


@transient_aws_errors
def process(event: Any) -> dict[str, Any]:
    deps = default_deps()
    return execute(event, deps.plan, deps.clients, deps.store, force_dry_run=deps.env.global_dry_run).to_json()


@logger.inject_lambda_context(correlation_id_path="request.incident_id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
