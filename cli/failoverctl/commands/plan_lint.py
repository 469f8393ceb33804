"""``failoverctl plan lint FILE``: what each group's failover path depends on that may be impaired.

Lists, per group, every control-plane call and every dependency on us-east-1 or on the region
being left (triggers included), with the data-plane alternative (see ``failoverctl.planning.lint``), and every
trigger emitted outside the region the stack runs in with the forwarder it needs (``failoverctl.regions``). Exit
status: 0 when no finding is an ``error``, 1 otherwise (or when the plan is invalid).
"""

from __future__ import annotations

import argparse

from failover.errors import PlanError
from failover.plan import load_plan
from failoverctl.output import emit_json, error
from failoverctl.planning.lint import SEVERITY_ORDER, Finding, has_errors, lint_plan, summary
from failoverctl.regions import delivery_findings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file")
    parser.add_argument(
        "--direction", choices=["failover", "failback"], default="failover", help="which way to lint (default failover)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run_lint(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(args.file)
    except PlanError as err:
        error(err.message, as_json=args.json, code="PlanError", file=args.file)
        return 1
    findings = lint_plan(plan, args.direction) + delivery_findings(plan)
    failed = has_errors(findings)
    if args.json:
        emit_json(
            {
                "file": args.file,
                "direction": args.direction,
                "ok": not failed,
                "summary": summary(findings),
                "findings": [f.model_dump() for f in findings],
            }
        )
        return 1 if failed else 0
    counts = summary(findings)
    print(
        f"{args.file}: {counts['findings']} finding(s) on the {args.direction} path "
        f"({counts['error']} error, {counts['warning']} warning, {counts['info']} info)"
    )
    for group in plan.groups:
        for standby in group.standby_keys():
            source, target = group.sides_for(args.direction, standby)
            mine = sorted(
                (f for f in findings if f.group == group.name and f.standby == standby),
                key=lambda f: SEVERITY_ORDER[f.severity],
            )
            print(f"\ngroup {group.name}: {group.side(source).region} -> {group.side(target).region}")
            if not mine:
                print("  no control-plane call and no dependency on us-east-1 or on the region being left")
            for finding in mine:
                _print(finding)
    return 1 if failed else 0


def _print(finding: Finding) -> None:
    where = f"{finding.stage}/{finding.action}"
    print(
        f"  {finding.severity.upper():7} {where}: {finding.service} {finding.api} ({finding.plane}, {finding.region})"
    )
    print(f"          {finding.message}")
    if finding.alternative:
        print(f"          alternative: {finding.alternative}")
