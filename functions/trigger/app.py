"""Trigger: normalise an EventBridge event and start at most one execution per incident."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import Deps, default_deps
from failover.errors import transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.steps.trigger import Trigger

IDEMPOTENCY = IdempotencyConfig(event_key_jmespath="id", raise_on_no_idempotency_key=False, expires_after_seconds=3600)


@transient_aws_errors
def process(event: dict[str, Any], deps: Deps | None = None) -> dict[str, Any]:
    deps = deps or default_deps()
    result = Trigger(deps.plan, deps.env, deps.clients, deps.store).handle(event).to_json()
    metrics.add_metric(name=f"Events{result['status'].title()}", unit=MetricUnit.Count, value=1)
    return result


_PERSISTENCE: dict[str, DynamoDBPersistenceLayer] = {}


def persistence_for(deps: Deps) -> DynamoDBPersistenceLayer:
    """One persistence layer per table and warm container (each one hooks into the DynamoDB client)."""
    layer = _PERSISTENCE.get(deps.env.table_name)
    if layer is None:
        layer = DynamoDBPersistenceLayer(
            table_name=deps.env.table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value="IDEMPOTENCY#trigger",
            expiry_attr="expires_at",
            boto3_client=deps.clients.get("dynamodb"),
        )
        _PERSISTENCE[deps.env.table_name] = layer
    return layer


@logger.inject_lambda_context(correlation_id_path="id")
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = default_deps()
    if not deps.env.idempotency or not isinstance(event, dict) or "id" not in event:
        return process(event, deps)
    IDEMPOTENCY.register_lambda_context(context)
    once = idempotent_function(
        data_keyword_argument="event", config=IDEMPOTENCY, persistence_store=persistence_for(deps)
    )(process)
    result: dict[str, Any] = once(event=event, deps=deps)
    return result
