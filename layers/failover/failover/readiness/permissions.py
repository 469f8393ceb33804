"""Does the execute function's role allow every call the plan's actions make?

For each action of the plan, ``requirements`` lists the calls it makes on which resource (with the
condition keys the template's policy tests, such as the record names of a Route 53 change), and
``simulate`` asks IAM (``iam:SimulatePrincipalPolicy`` on the role) for each. A plan edited after
the stack was deployed (a new zone, a routing control in another panel) shows up here before the
failover that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.infra.clients import Clients
from failover.plan import Plan
from failover.readiness.findings import Finding


@dataclass(frozen=True)
class Requirement:
    group: str
    action_name: str
    calls: tuple[str, ...]
    resource: str
    context: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _rds(region: str, account: str, kind: str, ident: str) -> str:
    return f"arn:aws:rds:{region}:{account}:{kind}:{ident}"


def requirements(plan: Plan, account: str) -> list[Requirement]:
    out: list[Requirement] = []
    for group in plan.groups:
        for _standby, _stage, name, spec in group.iter_pair_actions():

            def need(calls: tuple[str, ...], resource: str, g: str = group.name, n: str = name, **ctx: Any) -> None:
                out.append(Requirement(g, n, calls, resource, {k.replace("__", ":"): tuple(v) for k, v in ctx.items()}))

            kind = spec.type
            if spec.assume_role is not None:
                # its calls are made as that role in its account; the stack's role needs only to assume it
                need(("sts:AssumeRole",), spec.assume_role.role_arn)
            elif kind == "route53_records":
                zone = f"arn:aws:route53:::hostedzone/{spec.hosted_zone_id}"
                need(("route53:ListResourceRecordSets",), zone)
                need(
                    ("route53:ChangeResourceRecordSets",),
                    zone,
                    route53__ChangeResourceRecordSetsNormalizedRecordNames=[spec.record_name.rstrip(".")],
                )
            elif kind == "route53_health_check_invert":
                need(
                    ("route53:GetHealthCheck", "route53:UpdateHealthCheck"),
                    f"arn:aws:route53:::healthcheck/{spec.health_check_id}",
                )
            elif kind == "route53_metric_switch":
                need(("cloudwatch:PutMetricData",), "*", cloudwatch__namespace=[spec.namespace])
            elif kind == "arc_routing_control":
                for side in (spec.primary, spec.secondary):
                    need(
                        ("route53-recovery-cluster:GetRoutingControlState",
                         "route53-recovery-cluster:UpdateRoutingControlStates"),
                        side.routing_control_arn,
                    )  # fmt: skip
            elif kind == "rds_instance_failover":
                need(
                    ("rds:DescribeDBInstances", "rds:RebootDBInstance"),
                    _rds(spec.region, account, "db", spec.db_instance_identifier),
                )
            elif kind == "rds_cluster_failover":
                need(
                    ("rds:DescribeDBClusters", "rds:FailoverDBCluster"),
                    _rds(spec.region, account, "cluster", spec.db_cluster_identifier),
                )
            elif kind == "aurora_global":
                calls = ("rds:SwitchoverGlobalCluster",) + (
                    ("rds:FailoverGlobalCluster",) if spec.allow_data_loss else ()
                )
                need(calls, f"arn:aws:rds::{account}:global-cluster:{spec.global_cluster_identifier}")
                for side in (spec.primary, spec.secondary):
                    need(("rds:DescribeDBClusters", *calls), side.cluster_arn)
                if spec.allow_data_loss:  # the escalation's data-loss estimate
                    need(("cloudwatch:GetMetricStatistics",), "*")
            elif kind == "rds_promote_replica":
                for side in (spec.primary, spec.secondary):
                    if side.kind == "cluster":
                        need(
                            ("rds:PromoteReadReplicaDBCluster",), _rds(side.region, account, "cluster", side.identifier)
                        )
                    else:
                        need(("rds:PromoteReadReplica",), _rds(side.region, account, "db", side.identifier))
            elif kind == "elb_weights":
                if spec.rule_arn:
                    need(("elasticloadbalancing:ModifyRule",), spec.rule_arn)
                else:
                    need(("elasticloadbalancing:ModifyListener",), spec.listener_arn)
                need(("elasticloadbalancing:DescribeListeners",), spec.listener_arn)
            elif kind == "asg_capacity":
                for side in (spec.primary, spec.secondary):
                    need(
                        ("autoscaling:UpdateAutoScalingGroup",),
                        f"arn:aws:autoscaling:{side.region}:{account}:autoScalingGroup:*:"
                        f"autoScalingGroupName/{side.asg_name}",
                    )
            elif kind == "s3_mrap_routes":
                need(("s3:GetMultiRegionAccessPointRoutes", "s3:SubmitMultiRegionAccessPointRoutes"), spec.mrap_arn)
            elif kind == "dynamodb_global_table":
                for side in (spec.primary, spec.secondary):
                    need(
                        ("dynamodb:DescribeTable",), f"arn:aws:dynamodb:{side.region}:{account}:table/{spec.table_name}"
                    )
            elif kind == "lambda_hook":
                need(("lambda:InvokeFunction",), spec.function_arn)
    # a side shared by several pairs (the primary) is checked once
    unique = {(r.group, r.action_name, r.calls, r.resource, tuple(sorted(r.context.items()))): r for r in out}
    return list(unique.values())


def simulate(plan: Plan, role_arn: str, clients: Clients) -> tuple[list[Finding], int]:
    """Findings for every call the role may not make, and the number of calls checked."""
    account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else "*"
    iam = clients.get("iam")
    findings: list[Finding] = []
    checked = 0
    for req in requirements(plan, account):
        kwargs: dict[str, Any] = {
            "PolicySourceArn": role_arn,
            "ActionNames": list(req.calls),
            "ResourceArns": [req.resource],
        }
        if req.context:
            kwargs["ContextEntries"] = [
                {"ContextKeyName": k, "ContextKeyValues": list(v), "ContextKeyType": "stringList"}
                for k, v in req.context.items()
            ]
        try:
            results = iam.simulate_principal_policy(**kwargs)["EvaluationResults"]
        except (ClientError, BotoCoreError) as err:
            code = err.response.get("Error", {}).get("Code") if isinstance(err, ClientError) else type(err).__name__
            return [
                Finding(
                    group=req.group,
                    kind="iam",
                    resource=role_arn,
                    detail=f"cannot simulate the execute role's policy ({code}); IAM not checked",
                    severity="warning",
                )
            ], checked
        checked += len(results)
        for result in results:
            if result.get("EvalDecision") != "allowed":
                findings.append(
                    Finding(
                        group=req.group,
                        kind="iam",
                        resource=req.resource,
                        detail=f"{req.action_name}: the execute role may not call {result['EvalActionName']} on "
                        f"{req.resource} ({result.get('EvalDecision')}); redeploy with 'failoverctl plan params'",
                    )
                )
    return findings, checked
