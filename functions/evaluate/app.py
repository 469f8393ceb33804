"""Evaluate: on a schedule, check that the account still matches the plan and tell people when that changes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from failover.deps import Deps, default_deps
from failover.errors import transient_aws_errors
from failover.observability import logger, metrics, trace_handler
from failover.readiness.evaluate import evaluate_plan
from failover.readiness.publish import ReadinessEnv, ReadinessHistory, publish, readiness_env, summary


@transient_aws_errors
def process(event: Any, deps: Deps | None = None, env: ReadinessEnv | None = None) -> dict[str, Any]:
    deps = deps or default_deps()
    env = env or readiness_env()
    evaluation = evaluate_plan(
        deps.plan,
        deps.clients,
        role_arn=env.execute_role_arn,
        topic_arn=deps.env.topic_arn,
        slack_secret_arn=deps.env.slack_secret_arn,
    )
    published = publish(
        evaluation,
        clients=deps.clients,
        history=ReadinessHistory(deps.env.table_name, deps.clients),
        env=env,
        topic_arn=deps.env.topic_arn,
        slack_secret_arn=deps.env.slack_secret_arn,
    )
    metrics.add_metric(name="PlanEvaluations", unit=MetricUnit.Count, value=1)
    logger.info(
        "plan evaluated",
        extra={"findings": len(evaluation.findings), "checks": evaluation.checks, "changed": published.change.changed},
    )
    return summary(evaluation, published)


@logger.inject_lambda_context()
@trace_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process(event)
