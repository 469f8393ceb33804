"""Validate: the safety gate. Returns the decision with every check, and what the run needs."""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from failover import metrics as fmetrics
from failover.deps import Deps, default_deps
from failover.errors import transient_aws_errors
from failover.gate import Gate
from failover.models import FailoverRequest, parse_input
from failover.observability import logger, metrics, tracer


class ValidateInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    request: FailoverRequest
    execution_id: str


@transient_aws_errors
def process(event: Any, deps: Deps | None = None) -> dict[str, Any]:
    deps = deps or default_deps()
    data: ValidateInput = parse_input(event, ValidateInput)
    started = time.monotonic()
    result = Gate(deps.plan, deps.env, deps.clients, deps.store).evaluate(data.request, owner=data.execution_id)
    decision = result.decision
    fmetrics.decision_time(data.request.group, (time.monotonic() - started) * 1000, data.request.incident_id)
    if decision.outcome == "proceed":
        fmetrics.count("started", data.request.group, incident_id=data.request.incident_id)
    logger.info(
        "decision",
        extra={
            "group": data.request.group,
            "outcome": decision.outcome,
            "reason": decision.reason,
            "checks": [c.to_json() for c in decision.checks],
        },
    )
    if decision.outcome != "proceed":  # proceed: recorded beside the first stage, off the path to the change
        deps.store.record_decision(data.request.incident_id, decision.to_json())
    return result.to_json()


@logger.inject_lambda_context(correlation_id_path="request.incident_id")
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
