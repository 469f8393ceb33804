"""``failoverctl plan evaluate``: check a plan against an account now, as the deployed stack does every 30 minutes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from failover.errors import FailoverError, PlanError
from failover.plan import load_plan
from failoverctl.output import emit_json, error


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evaluate",
        help="check that every resource the plan names exists and can be used now; exit 1 on findings",
        description="Check the plan against the account: resources exist and are usable, the standby can take "
        "the load (Auto Scaling limits, the standby region's vCPU quota), replication is healthy and within the "
        "RPO budget, the topic and the Slack secret work, and the execute role allows every call of the plan.",
    )
    p.add_argument("file")
    p.add_argument("--group", help="one group (default: all)")
    p.add_argument("--stack", help="a deployed stack: take its topic, Slack secret and execute role from it")
    p.add_argument("--region", help="the stack's region (default: the AWS SDK's)")
    p.add_argument("--role-arn", help="the execute function's role, for the IAM simulation")
    p.add_argument("--topic-arn", help="the notification topic to check")
    p.add_argument("--slack-secret-arn", help="the Slack webhook secret to check")
    p.add_argument(
        "--simulated",
        action="store_true",
        help="evaluate in the simulated account a drill builds from the plan (the deployed function, in-process)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run_evaluate)


def _from_stack(args: argparse.Namespace) -> dict[str, str | None]:
    from failoverctl.commands.ops import connect

    stack = connect(args)
    cfn = stack.clients.get("cloudformation", stack.region)
    described = cfn.describe_stacks(StackName=stack.name)["Stacks"][0]
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in described.get("Parameters", [])}
    role = cfn.describe_stack_resource(StackName=stack.name, LogicalResourceId="ExecuteFunctionRole")
    role_name = role["StackResourceDetail"]["PhysicalResourceId"]
    account = described["StackId"].split(":")[4]
    return {
        "role_arn": f"arn:aws:iam::{account}:role/{role_name}",
        "topic_arn": stack.outputs.get("TopicArn"),
        "slack_secret_arn": parameters.get("SlackWebhookSecretArn") or None,
    }


def run_evaluate(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(args.file)
        if args.group:
            plan.group(args.group)
    except FailoverError as err:
        error(err.message, as_json=args.json, code=type(err).__name__, **err.details)
        return 2
    if args.simulated:
        result = _simulated(Path(args.file))
        if "error" in result:
            error(f"the evaluate function failed: {result['error']}", as_json=args.json, code="EvaluateFailed")
            return 70
    else:
        from failover.infra.clients import Clients
        from failover.readiness.evaluate import evaluate_plan
        from failover.readiness.publish import summary

        targets: dict[str, str | None] = {
            "role_arn": args.role_arn,
            "topic_arn": args.topic_arn,
            "slack_secret_arn": args.slack_secret_arn,
        }
        try:
            if args.stack:
                targets = {k: targets[k] or v for k, v in _from_stack(args).items()}
            clients = Clients(default_region=_region(args, targets["topic_arn"]))
            evaluation = evaluate_plan(plan, clients, group=args.group, **targets)
        except PlanError as err:
            error(err.message, as_json=args.json, code="PlanError")
            return 2
        result = summary(evaluation)
        if not targets["role_arn"]:
            result["notes"] = ["IAM not checked: pass --stack or --role-arn"]
    if args.group:
        result["findings"] = [f for f in result["findings"] if f["group"] in (args.group, "(stack)")]
    result["file"] = args.file
    if args.json:
        emit_json(result)
    else:
        _print(result)
    return 0 if not any(f.get("severity") == "error" for f in result["findings"]) else 1


def _region(args: argparse.Namespace, topic_arn: str | None) -> str:
    if args.region:
        return str(args.region)
    if topic_arn and topic_arn.count(":") >= 5:
        return topic_arn.split(":")[3]
    import boto3

    return boto3.session.Session().region_name or "us-east-1"


def _simulated(path: Path) -> dict[str, Any]:
    from failoverctl.sim import readiness
    from failoverctl.sim.world import World

    with World(path) as world:
        readiness.prepare(world)
        return readiness.evaluate(world)


def _print(result: dict[str, Any]) -> None:
    out = sys.stdout
    findings = result["findings"]
    out.write(
        f"{result['file']}: {len(findings)} finding(s) after {result['checks']} check(s) ({result['evaluated_at']})\n"
    )
    by_group: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_group.setdefault(f["group"], []).append(f)
    for group in sorted(result["by_group"]):
        mark = "ok" if not by_group.get(group) else f"{len(by_group[group])} finding(s)"
        out.write(f"  {group}: {mark}\n")
        for f in by_group.get(group, []):
            out.write(f"    {f['severity'].upper():<7} {f['kind']}: {f['resource']}\n            {f['detail']}\n")
    for note in result.get("notes", []):
        out.write(f"  note: {note}\n")
