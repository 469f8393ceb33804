"""What the scheduled evaluation does with its findings.

- The last findings are kept in the incident table (``Store.readiness_findings``).
- When they change (a new finding, or one resolved), one message goes to the SNS topic and to
  Slack. An unchanged evaluation sends nothing, so a standing finding does not page every 30 minutes.
- A metric ``ReadinessFindings`` per group (dimension ``Group``) and one for all groups (``Group =
  (all)``), every run; an alarm per group on its metric (``<prefix>-<group>``), created when
  missing, notifies the topic while the group has findings.
Notification failures are recorded, never raised: the evaluation itself succeeded.
"""

from __future__ import annotations

import json
import os
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field

from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.readiness.findings import STACK, Change, Evaluation, compare

METRIC = "ReadinessFindings"
ALL_GROUPS = "(all)"


class ReadinessEnv(BaseModel):
    """The evaluate function's own settings (the shared ones are ``failover.config.Env``)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    execute_role_arn: str | None = Field(default=None, alias="EXECUTE_ROLE_ARN")
    alarm_prefix: str = Field(default="failover-readiness", alias="READINESS_ALARM_PREFIX")
    namespace: str = Field(default="Failover", alias="POWERTOOLS_METRICS_NAMESPACE")


def readiness_env() -> ReadinessEnv:
    """The evaluate function's settings, read from the environment once per call site."""
    names = {f.alias for f in ReadinessEnv.model_fields.values() if f.alias}
    return ReadinessEnv.model_validate({k: v for k, v in os.environ.items() if k in names and v})


class ReadinessHistory:
    """The last evaluation's finding keys, in the incident table (``Store`` owns the item)."""

    def __init__(self, table_name: str, clients: Clients) -> None:
        self.store = Store(table_name, clients)

    def last(self) -> list[str] | None:
        return self.store.readiness_findings()

    def save(self, evaluation: Evaluation) -> None:
        self.store.save_readiness_findings(evaluation.keys(), evaluation.evaluated_at)


class Published(BaseModel):
    change: Change
    notified: dict[str, str] = Field(default_factory=dict)
    alarms_created: list[str] = Field(default_factory=list)


def message(evaluation: Evaluation, change: Change) -> tuple[str, str]:
    """(subject, text) of the notification."""
    errors = [f for f in evaluation.findings if f.severity == "error"]
    groups = sorted({f.group for f in evaluation.findings})
    if evaluation.findings:
        subject = f"Failover readiness: {len(evaluation.findings)} finding(s) in {', '.join(groups)}"
    else:
        subject = "Failover readiness: every check passes again"
    lines = [
        f"{subject} ({len(change.new)} new, {len(change.resolved)} resolved; {evaluation.checks} checks; "
        f"{len(errors)} error(s)) at {evaluation.evaluated_at}."
    ]
    for f in evaluation.findings:
        mark = "NEW " if f.key in change.new else ""
        lines.append(f"- {mark}[{f.group}] {f.kind} {f.resource}: {f.detail}")
    for key in change.resolved:
        group, kind, resource = key.split("|", 2)
        lines.append(f"- RESOLVED [{group}] {kind} {resource}")
    lines.append("See it locally with: failoverctl plan evaluate PLAN")
    return subject[:99], "\n".join(lines)


def put_metrics(evaluation: Evaluation, clients: Clients, namespace: str) -> None:
    data = [
        {"MetricName": METRIC, "Dimensions": [{"Name": "Group", "Value": group}], "Value": float(len(found))}
        for group, found in evaluation.by_group().items()
    ]
    data.append(
        {
            "MetricName": METRIC,
            "Dimensions": [{"Name": "Group", "Value": ALL_GROUPS}],
            "Value": float(len(evaluation.findings)),
        }
    )
    cw = clients.get("cloudwatch")
    for start in range(0, len(data), 20):
        cw.put_metric_data(Namespace=namespace, MetricData=data[start : start + 20])


def ensure_alarms(evaluation: Evaluation, clients: Clients, env: ReadinessEnv, topic_arn: str | None) -> list[str]:
    cw = clients.get("cloudwatch")
    existing = {
        a["AlarmName"]
        for page in cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=f"{env.alarm_prefix}-")
        for a in page.get("MetricAlarms", [])
    }
    created = []
    for group in [*evaluation.groups, STACK]:
        name = f"{env.alarm_prefix}-{group.strip('()')}"
        if name in existing:
            continue
        cw.put_metric_alarm(
            AlarmName=name,
            AlarmDescription=f"Failover readiness of {group}: the plan names something a failover could not use. "
            "Read the findings: failoverctl plan evaluate, or the last notification.",
            Namespace=env.namespace,
            MetricName=METRIC,
            Dimensions=[{"Name": "Group", "Value": group}],
            Statistic="Maximum",
            Period=3600,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="missing",
            AlarmActions=[topic_arn] if topic_arn else [],
            OKActions=[topic_arn] if topic_arn else [],
        )
        created.append(name)
    return created


def notify(
    evaluation: Evaluation, change: Change, clients: Clients, topic_arn: str | None, slack_secret_arn: str | None
) -> dict[str, str]:
    subject, text = message(evaluation, change)
    out: dict[str, str] = {}
    if topic_arn:
        try:
            clients.get("sns").publish(
                TopicArn=topic_arn,
                Subject=subject,
                Message=text,
                MessageAttributes={
                    "phase": {"DataType": "String", "StringValue": "readiness"},
                    "findings": {"DataType": "Number", "StringValue": str(len(evaluation.findings))},
                },
            )
            out["sns"] = "published"
        except (ClientError, BotoCoreError) as err:
            out["sns"] = f"failed: {type(err).__name__}"
    if slack_secret_arn:
        from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

        from failover.errors import ConfigError
        from failover.steps.notify.slack_secret import webhook_url
        from failover.steps.notify.slack_webhook import SlackWebhook

        try:
            result = SlackWebhook(webhook_url(slack_secret_arn, clients=clients)).send({"text": text[:3000]})
            out["slack"] = result.detail
        except (ConfigError, ClientError, BotoCoreError, GetParameterError) as err:
            # a secret that cannot be read is a finding of its own; the notice is best effort
            out["slack"] = f"failed: {type(err).__name__}"
    return out


def publish(
    evaluation: Evaluation,
    *,
    clients: Clients,
    history: ReadinessHistory,
    env: ReadinessEnv,
    topic_arn: str | None,
    slack_secret_arn: str | None,
) -> Published:
    put_metrics(evaluation, clients, env.namespace)
    created = ensure_alarms(evaluation, clients, env, topic_arn)
    change = compare(history.last(), evaluation)
    notified = notify(evaluation, change, clients, topic_arn, slack_secret_arn) if change.changed else {}
    history.save(evaluation)
    return Published(change=change, notified=notified, alarms_created=created)


def summary(evaluation: Evaluation, published: Published | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "evaluated_at": evaluation.evaluated_at,
        "ok": evaluation.ok,
        "checks": evaluation.checks,
        "findings": [f.model_dump() for f in evaluation.findings],
        "by_group": {g: len(f) for g, f in evaluation.by_group().items()},
    }
    if published is not None:
        data.update(json.loads(published.model_dump_json()))
    return data
