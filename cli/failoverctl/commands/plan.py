"""``failoverctl plan check|params FILE``: validate a plan; print the template parameters it implies."""

from __future__ import annotations

import argparse

from failover.errors import PlanError
from failover.plan import load_plan
from failoverctl.output import emit_json, error


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    plan = subparsers.add_parser("plan", help="check, lint and estimate failover plans")
    sub = plan.add_subparsers(dest="plan_command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate a plan file; exit 1 naming every bad field")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run_check)
    return plan


def run_check(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(args.file)
    except PlanError as err:
        problems = err.details.get("problems", [])
        if args.json:
            error(err.message, as_json=True, code="PlanError", file=args.file, problems=problems)
        else:
            error(err.message)
        return 1
    groups = [
        {"name": g.name, "stages": len(g.stages), "actions": sum(len(s.actions) for s in g.stages)} for g in plan.groups
    ]
    if args.json:
        emit_json({"file": args.file, "valid": True, "groups": groups})
    else:
        print(f"{args.file}: valid plan with {len(groups)} group(s)")
        for g in groups:
            print(f"  - {g['name']}: {g['stages']} stage(s), {g['actions']} action(s)")
    return 0
