"""``failoverctl notify preview [--phase P] [--json]``: see every message before an incident does.

Renders the sample incident at each phase (or one) as the Slack message (readable text, or Block
Kit JSON with ``--json``) and the SNS message (subject, attributes, e-mail body). With ``--plan``
and ``--group`` the group's own settings (RTO objective, mention, runbook, sides) are used.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from failover.errors import PlanError, UnknownGroupError
from failover.notify.messages import PHASES, Incident
from failover.notify.sample import EXECUTION_ID, sample_approval, sample_group, sample_state
from failover.notify.slack import build_message, render_terminal
from failover.notify.sns import attributes
from failover.plan import Group, load_plan
from failoverctl.output import emit_json, error


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    notify = subparsers.add_parser("notify", help="preview the SNS and Slack messages of each phase")
    sub = notify.add_subparsers(dest="notify_command", required=True, metavar="COMMAND")
    preview = sub.add_parser("preview", help="render every message type for a sample incident")
    preview.add_argument("--phase", choices=PHASES, help="only this phase (default: every phase)")
    preview.add_argument("--json", action="store_true", help="print one JSON object with the Block Kit payloads")
    preview.add_argument("--plan", help="use a group from this plan file for the group's settings")
    preview.add_argument("--group", help="the group in --plan (default: its first group)")
    preview.add_argument("--dry-run", action="store_true", help="render the messages of a dry run")
    preview.set_defaults(func=run_preview)
    return notify


def _group(args: argparse.Namespace) -> Group:
    if not args.plan:
        return sample_group()
    plan = load_plan(args.plan)
    return plan.group(args.group) if args.group else plan.groups[0]


def render(phase: str, group: Group, *, dry_run: bool = False) -> dict[str, Any]:
    """One phase's messages: the incident, the Slack payload and the SNS subject, attributes and body."""
    state = sample_state(phase)
    state["request"]["group"] = group.name
    state["request"]["dry_run"] = dry_run
    incident = Incident.from_state(phase, state, group, EXECUTION_ID, "us-east-1")
    approval = sample_approval() if phase == "approval" else None
    return {
        "phase": phase,
        "severity": incident.severity,
        "status": incident.status,
        "slack": build_message(incident, approval),
        "sns": {
            "subject": incident.subject(),
            "attributes": {k: v["StringValue"] for k, v in attributes(incident).items()},
            "email": incident.to_text(),
        },
    }


def run_preview(args: argparse.Namespace) -> int:
    try:
        group = _group(args)
    except (PlanError, UnknownGroupError) as err:
        error(err.message, as_json=args.json, code=type(err).__name__)
        return 1
    phases = [args.phase] if args.phase else list(PHASES)
    messages = [render(phase, group, dry_run=args.dry_run) for phase in phases]
    if args.json:
        emit_json({"group": group.name, "messages": messages})
        return 0
    for index, message in enumerate(messages):
        if index:
            print()
        rule = f"== {message['phase']} ({message['severity']}) "
        print(rule + "=" * max(0, 78 - len(rule)))
        print("-- Slack " + "-" * 69)
        print(render_terminal(message["slack"]))
        print(f"(fallback text: {message['slack']['text']})")
        print(f"({len(message['slack']['blocks'])} blocks, {len(json.dumps(message['slack']))} bytes)")
        print("-- SNS " + "-" * 71)
        print(f"Subject: {message['sns']['subject']}")
        attrs = ", ".join(f"{k}={v}" for k, v in message["sns"]["attributes"].items())
        print(f"Attributes: {attrs}")
        print()
        print(message["sns"]["email"])
    return 0
