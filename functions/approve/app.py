"""Approve: the approval callback (signed links and Slack buttons) that resumes a waiting execution."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import default_deps
from failover.observability import logger, metrics, trace_handler
from failover.steps.approve import handle


def process(event: Any) -> dict[str, Any]:
    return handle(event, default_deps())


@logger.inject_lambda_context
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
