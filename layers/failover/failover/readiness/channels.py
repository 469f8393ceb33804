"""Replication is healthy and within the RPO budget; the notification channels work.

Replication reuses the gate's own check (``checks.replication_lag``), so evaluation and the gate
agree on what "within budget" means. The SNS topic must answer ``GetTopicAttributes``; the Slack
secret must be readable and hold a webhook URL (it is parsed, never logged or returned).
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from failover.checks.replication_lag import replication_lag
from failover.errors import ConfigError
from failover.infra.clients import Clients
from failover.plan import Group
from failover.readiness.findings import STACK, Finding


def check_replication(group: Group, clients: Clients) -> list[Finding]:
    if group.replication is None:
        return []
    rep = group.replication
    resource = f"{rep.kind} lag in {rep.region} {rep.dimensions}"
    if group.safety.rpo_budget_seconds is None:
        return []
    try:
        check = replication_lag(group, clients)
    except (ClientError, BotoCoreError) as err:
        return [Finding(group=group.name, kind="replication", resource=resource, detail=f"cannot read the lag: {err}")]
    if check.ok:
        return []
    kind = "replication" if check.values.get("lag_seconds") is None else "rpo"
    return [Finding(group=group.name, kind=kind, resource=resource, detail=check.detail)]


def check_topic(topic_arn: str | None, clients: Clients) -> list[Finding]:
    if not topic_arn:
        return []
    try:
        clients.get("sns", topic_arn.split(":")[3]).get_topic_attributes(TopicArn=topic_arn)
    except (ClientError, BotoCoreError) as err:
        code = err.response.get("Error", {}).get("Code") if isinstance(err, ClientError) else type(err).__name__
        return [Finding(group=STACK, kind="sns_topic", resource=topic_arn, detail=f"the topic does not answer: {code}")]
    return []


def check_slack_secret(secret_arn: str | None, clients: Clients) -> list[Finding]:
    if not secret_arn:
        return []
    from failover.steps.notify.slack_secret import parse_webhook_secret

    region = secret_arn.split(":")[3] if secret_arn.startswith("arn:") else None
    try:
        value = clients.get("secretsmanager", region).get_secret_value(SecretId=secret_arn)["SecretString"]
    except (ClientError, BotoCoreError) as err:
        code = err.response.get("Error", {}).get("Code") if isinstance(err, ClientError) else type(err).__name__
        return [
            Finding(group=STACK, kind="slack_secret", resource=secret_arn, detail=f"cannot read the secret: {code}")
        ]
    try:
        parse_webhook_secret(value)
    except ConfigError as err:  # the message names the problem, never the value
        return [Finding(group=STACK, kind="slack_secret", resource=secret_arn, detail=err.message)]
    return []
