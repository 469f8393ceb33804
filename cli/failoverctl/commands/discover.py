"""``failoverctl plan discover``: a draft plan from what an account runs (or the simulated estate)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from failover.errors import PlanError
from failover.plan import load_plan_text
from failoverctl.output import emit_json, error


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "discover",
        help="read an account (read-only) and write a draft plan with a note on every guess",
        description="Read Route 53 record pairs and health checks, Aurora global databases, RDS Multi-AZ, ARC "
        "routing controls, weighted load balancer listeners, tagged Auto Scaling groups, DynamoDB global tables, "
        "S3 Multi-Region Access Points and the alarms on them, and write a draft plan.",
    )
    p.add_argument("--regions", required=True, help="comma-separated regions; the first is taken as primary on ties")
    p.add_argument("--output", "-o", metavar="FILE", help="write the draft here (default: standard output)")
    p.add_argument("--profile", help="AWS profile to read with")
    p.add_argument("--group-tag", default="failover:group", help="tag key that pairs Auto Scaling groups")
    p.add_argument(
        "--simulated", action="store_true", help="discover the simulated two-region estate instead of an account"
    )
    p.add_argument("--json", action="store_true", help="print a JSON summary (the draft still goes to --output)")
    p.set_defaults(func=run_discover)


def run_discover(args: argparse.Namespace) -> int:
    from failoverctl.discover.draft import draft_plan
    from failoverctl.discover.scan import Scanner

    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    if len(regions) < 1:
        error("--regions needs at least one region", as_json=args.json, code="usage")
        return 2
    generated = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    if args.simulated:
        from failoverctl.sim.estate import seed_estate, simulated_account

        with simulated_account() as clients:
            seed_estate(clients)
            inventory = Scanner(clients, regions, group_tag=args.group_tag).scan()
    else:
        import boto3

        from failover.infra.clients import Clients

        session = boto3.session.Session(profile_name=args.profile) if args.profile else None
        inventory = Scanner(Clients(regions[0], session=session), regions, group_tag=args.group_tag).scan()
    text, notes = draft_plan(inventory, generated=generated)
    try:
        plan = load_plan_text(text, args.output or "draft")
    except PlanError as err:
        error(f"the draft is not a valid plan (please report it): {err.message}", as_json=args.json, code="PlanError")
        sys.stderr.write(text)
        return 70
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    summary = {
        "file": args.output,
        "account": inventory.account,
        "regions": regions,
        "groups": [
            {"name": g.name, "stages": [s.name for s in g.stages], "actions": [n for _, n, _ in g.iter_actions()]}
            for g in plan.groups
        ],
        "guesses": text.count("# guess"),
        "left_out": notes,
    }
    if args.json:
        emit_json(summary)
    elif args.output:
        print(f"{args.output}: draft plan with {len(plan.groups)} group(s), {summary['guesses']} guess(es) to confirm")
        for g in summary["groups"]:
            print(f"  - {g['name']}: {' -> '.join(g['stages'])}: {', '.join(g['actions'])}")
        for note in notes:
            print(f"  left out: {note}")
    else:
        sys.stdout.write(text)
    return 0
