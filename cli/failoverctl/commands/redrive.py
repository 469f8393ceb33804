"""``failoverctl retry INCIDENT``: re-drive an incident whose execution failed or was aborted.

A new execution named ``<incident>-retry-<n>`` starts with the same input. The safety gate runs
again (the target must still be healthy, the lock free), and because every action reads the
current state first, what the failed execution already changed reports ``unchanged``: the re-drive
converges without repeating completed changes.
"""

from __future__ import annotations

import argparse
import json

from failoverctl.deployed import OpsError, common_arguments, connect, console_url, guarded
from failoverctl.output import emit_json

FINAL_OK = {"SUCCEEDED"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("retry", help="re-drive a failed incident as <incident>-retry-<n> (same input)")
    p.add_argument("incident", help="the execution name (the incident id) or its ARN")
    common_arguments(p)
    p.set_defaults(func=guarded(run_retry))


def run_retry(args: argparse.Namespace) -> int:
    stack = connect(args)
    sfn = stack.sfn()
    arn = stack.execution_arn(args.incident)
    try:
        first = sfn.describe_execution(executionArn=arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        raise OpsError(f"no execution '{args.incident}'", code="ExecutionNotFound") from None
    incident = first["name"].split("-retry-")[0]
    machine = stack.output("StateMachineArn")
    tries = [
        e
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine)
        for e in page["executions"]
        if e["name"] == incident or e["name"].startswith(f"{incident}-retry-")
    ]
    running = [e["name"] for e in tries if e["status"] == "RUNNING"]
    if running:
        raise OpsError(f"{', '.join(running)} is still running; wait for it or stop it first", code="StillRunning")
    if any(e["status"] in FINAL_OK for e in tries):
        raise OpsError(f"incident {incident} already succeeded; nothing to re-drive", code="AlreadySucceeded")
    n = 1 + max((int(e["name"].rsplit("-", 1)[-1]) for e in tries if "-retry-" in e["name"]), default=0)
    name = f"{incident}-retry-{n}"
    original = sfn.describe_execution(executionArn=stack.execution_arn(incident))
    started = sfn.start_execution(stateMachineArn=machine, name=name, input=original["input"])
    result = {
        "incident": incident,
        "execution": name,
        "execution_arn": started["executionArn"],
        "console": console_url(stack.region, started["executionArn"]),
        "request": json.loads(original["input"]).get("request"),
    }
    if args.json:
        emit_json(result)
    else:
        print(f"started {name} (re-drive of {incident})\n  {result['console']}")
    return 0
