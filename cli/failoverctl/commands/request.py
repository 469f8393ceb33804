"""``failoverctl failover``, ``failback``, ``pause`` and ``resume``: requests to the deployed stack."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

from failover.models import Direction
from failoverctl.deployed import (
    OpsError,
    common_arguments,
    connect,
    console_url,
    find_execution,
    guarded,
    known_groups,
    load_local_plan,
    non_negative_int,
    require_group,
)
from failoverctl.output import emit_json

MANUAL_SOURCE = "failover.manual"
REQUEST_DETAIL_TYPE = "Failover Requested"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for direction in (Direction.FAILOVER, Direction.FAILBACK):
        what = "to the secondary" if direction == Direction.FAILOVER else "to the primary"
        p = subparsers.add_parser(
            str(direction),
            help=f"request a {direction} {what} through the event bus (same path and safety gate as an alarm)",
        )
        common_arguments(p)
        p.add_argument("--group", required=True)
        p.add_argument("--dry-run", action="store_true", help="run every check and report what would change")
        p.add_argument("--reason", default="", help="why (recorded in the incident and the notifications)")
        p.add_argument(
            "--wait",
            type=non_negative_int,
            default=30,
            metavar="SECONDS",
            help="how long to look for the execution the request starts (default 30)",
        )
        p.set_defaults(func=run_request, direction=str(direction))

    pause = subparsers.add_parser("pause", help="stop acting on alarms for a group or for all groups")
    common_arguments(pause)
    scope = pause.add_mutually_exclusive_group(required=True)
    scope.add_argument("--group")
    scope.add_argument("--all", action="store_true", help="the global switch")
    pause.add_argument("--reason", default="", help="why (shown by status)")
    pause.set_defaults(func=run_pause, paused=True)

    resume = subparsers.add_parser("resume", help="act on alarms again for a group or for all groups")
    common_arguments(resume)
    scope = resume.add_mutually_exclusive_group(required=True)
    scope.add_argument("--group")
    scope.add_argument("--all", action="store_true", help="the global switch")
    resume.set_defaults(func=run_pause, paused=False, reason="")


@guarded
def run_request(args: argparse.Namespace) -> int:
    stack = connect(args)
    bus = stack.output("EventBusName")
    stack.output("StateMachineArn")
    plan = load_local_plan(args, stack)
    require_group(args.group, known_groups(stack, plan))
    who = stack.identity()
    detail = {
        "group": args.group,
        "direction": args.direction,
        "dry_run": bool(args.dry_run),
        "reason": args.reason,
        "requested_by": who,
    }
    sent_at = datetime.now(UTC)
    resp = stack.clients.get("events", stack.region).put_events(
        Entries=[
            {
                "Source": MANUAL_SOURCE,
                "DetailType": REQUEST_DETAIL_TYPE,
                "Detail": json.dumps(detail),
                "EventBusName": bus,
            }
        ]
    )
    entry = (resp.get("Entries") or [{}])[0]
    if resp.get("FailedEntryCount") or not entry.get("EventId"):
        raise OpsError(
            f"the event bus refused the request: {entry.get('ErrorCode')}: {entry.get('ErrorMessage')}",
            exit_code=1,
            code="PutEventsFailed",
        )
    execution = find_execution(stack, args.group, args.direction, sent_at, args.wait)
    result: dict[str, Any] = {
        "requested": detail,
        "event_id": entry["EventId"],
        "event_bus": bus,
        "execution": None,
    }
    if execution:
        result["execution"] = {
            "arn": execution["executionArn"],
            "name": execution["name"],
            "status": execution.get("status"),
            "console_url": console_url(stack.region, execution["executionArn"]),
        }
    if args.json:
        emit_json(result)
        return 0
    mode = " (dry run)" if args.dry_run else ""
    print(f"requested {args.direction} of group {args.group}{mode} as {who}: event {entry['EventId']} on bus {bus}")
    if execution:
        print(f"execution {execution['name']} ({execution.get('status')})")
        print(f"  follow: failoverctl history --group {args.group} --stack {stack.name}")
        print(f"  report: failoverctl report {execution['name']} --stack {stack.name}")
        print(f"  console: {result['execution']['console_url']}")
    else:
        print(
            f"no execution started within {args.wait} s: the trigger may have joined an open incident, refused the "
            f"request, or not run yet; see failoverctl history --group {args.group} and the trigger's logs"
        )
    return 0


@guarded
def run_pause(args: argparse.Namespace) -> int:
    stack = connect(args)
    if args.group:
        require_group(args.group, known_groups(stack, load_local_plan(args, stack)))
    who = stack.identity()
    group = None if args.all else args.group
    stack.store.set_paused(group, args.paused, by=who, reason=args.reason or "")
    still_global = not args.paused and group is not None and bool(stack.store.global_settings().get("paused"))
    result = {
        "paused": args.paused,
        "scope": "all" if group is None else "group",
        "group": group,
        "by": who,
        "reason": args.reason or "",
        "still_paused_globally": still_global,
    }
    if args.json:
        emit_json(result)
        return 0
    what = "all groups" if group is None else f"group {group}"
    print(f"{'paused' if args.paused else 'resumed'} {what} (by {who}{': ' + args.reason if args.reason else ''})")
    if still_global:
        print("note: the automation is still paused for all groups (failoverctl resume --all)")
    return 0
