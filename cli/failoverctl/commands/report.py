"""``failoverctl report``: the evidence pack of one execution (Markdown or HTML), optionally uploaded."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from botocore.exceptions import ClientError

from failover.report import render_html, render_markdown, write_report
from failoverctl import deployed
from failoverctl.output import emit_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser("report", help="the evidence pack of one execution (Markdown or HTML)")
    deployed.common_arguments(report)
    report.add_argument("execution", metavar="EXECUTION", help="execution ARN or name (the incident id)")
    report.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    report.add_argument("--format", choices=("md", "html"), default=None, help="default: from --out, else md")
    report.add_argument("--upload", action="store_true", help="also upload both formats to the report bucket")
    report.set_defaults(func=run_report)


@deployed.guarded
def run_report(args: argparse.Namespace) -> int:
    stack = deployed.connect(args)
    arn = stack.execution_arn(args.execution)
    try:
        execution = stack.sfn().describe_execution(executionArn=arn)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("ExecutionDoesNotExist", "InvalidArn"):
            raise deployed.OpsError(
                f"no execution '{args.execution}' in stack {stack.name}", code="ExecutionNotFound"
            ) from None
        raise
    history = deployed.history_events(stack, arn)
    state = deployed.execution_state(execution, history)
    request = state.get("request") or {}
    incident_id = str(request.get("incident_id") or execution.get("name"))
    timeline = stack.store.timeline(incident_id)
    plan = deployed.load_local_plan(args, stack)
    group = deployed.group_model(plan, str(request.get("group", "")))
    objective = group.rto_objective_seconds if group else None
    fmt = args.format or ("html" if args.out and args.out.endswith((".html", ".htm")) else "md")
    render = render_html if fmt == "html" else render_markdown
    text = render(state, timeline, history, execution=execution, rto_objective_seconds=objective)
    uploaded = None
    if args.upload:
        key = f"reports/{request.get('group', 'unknown')}/{incident_id}"
        uploaded = write_report(
            stack.output("ReportBucketName"),
            key,
            state,
            timeline,
            history,
            clients=stack.clients,
            region=stack.region,
            execution=execution,
            rto_objective_seconds=objective,
        )
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as err:
            raise deployed.OpsError(f"cannot write {args.out}: {err.strerror}", code="WriteFailed") from None
    if args.json:
        emit_json(
            {
                "execution": arn,
                "status": execution.get("status"),
                "incident_id": incident_id,
                "format": fmt,
                "out": args.out,
                "uploaded": uploaded,
                **({} if args.out else {"report": text}),
            }
        )
        return 0
    if args.out:
        print(f"wrote {fmt} report of {incident_id} to {args.out}")
    else:
        sys.stdout.write(text)
    if uploaded:
        print(f"uploaded: {uploaded['md']} and {uploaded['html']}", file=sys.stderr if not args.out else sys.stdout)
    return 0
