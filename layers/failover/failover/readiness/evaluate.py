"""Evaluate a plan against the account: every check of ``resources``, ``channels`` and ``permissions``."""

from __future__ import annotations

from failover.infra.clients import Clients
from failover.models import iso
from failover.plan import Plan
from failover.readiness.channels import check_replication, check_slack_secret, check_topic
from failover.readiness.findings import Evaluation, Finding
from failover.readiness.permissions import simulate
from failover.readiness.resources import check_actions, check_signals


def evaluate_plan(
    plan: Plan,
    clients: Clients,
    *,
    role_arn: str | None = None,
    topic_arn: str | None = None,
    slack_secret_arn: str | None = None,
    group: str | None = None,
) -> Evaluation:
    """Every finding for ``plan`` (or one ``group``); IAM is checked when the execute role is known."""
    groups = [plan.group(group)] if group else list(plan.groups)
    findings: list[Finding] = []
    checks = 0
    for g in groups:
        found, n = check_actions(g, clients)
        findings += found
        checks += n
        found, n = check_signals(g, clients)
        findings += found
        checks += n
        findings += check_replication(g, clients)
        checks += 1
    findings += check_topic(topic_arn, clients)
    findings += check_slack_secret(slack_secret_arn, clients)
    checks += 2
    if role_arn:
        scoped = plan.model_copy(update={"groups": groups})
        found, n = simulate(scoped, role_arn, clients)
        findings += found
        checks += n
    return Evaluation(evaluated_at=iso(), groups=[g.name for g in groups], checks=checks, findings=findings)
