"""``failoverctl notify preview [--phase P] [--json]``: see every message before an incident does.

Renders the sample incident at each phase (or one) as the Slack message (readable text, or Block
Kit JSON with ``--json``) and the SNS message (subject, attributes, e-mail body). With ``--plan``
and ``--group`` the group's own settings (RTO objective, mention, runbook, sides) are used.
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path
from typing import Any

from failover.errors import PlanError, UnknownGroupError
from failover.plan import Group, load_plan
from failover.steps.notify.messages import PHASES, Incident
from failover.steps.notify.slack_blocks import build_message
from failover.steps.notify.sns import attributes
from failoverctl.output import emit_json, error
from failoverctl.preview.sample import EXECUTION_ID, sample_approval, sample_group, sample_state
from failoverctl.preview.terminal import render_terminal


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    notify = subparsers.add_parser("notify", help="preview the SNS and Slack messages of each phase")
    sub = notify.add_subparsers(dest="notify_command", required=True, metavar="COMMAND")
    preview = sub.add_parser("preview", help="render every message type for a sample incident")
    preview.add_argument("--phase", choices=PHASES, help="only this phase (default: every phase)")
    preview.add_argument("--json", action="store_true", help="print one JSON object with the Block Kit payloads")
    preview.add_argument("--plan", help="use a group from this plan file for the group's settings")
    preview.add_argument("--group", help="the group in --plan (default: its first group)")
    preview.add_argument("--dry-run", action="store_true", help="render the messages of a dry run")
    preview.add_argument(
        "--state",
        metavar="FILE",
        help="render this execution state (or notify function input) instead of the sample incident",
    )
    preview.set_defaults(func=run_preview)
    return notify


def _group(args: argparse.Namespace) -> Group:
    if not args.plan:
        return sample_group()
    plan = load_plan(args.plan)
    return plan.group(args.group) if args.group else plan.groups[0]


def _load_state(path: str) -> tuple[dict[str, Any], str | None, str | None]:
    """(state, phase, execution id) from a file holding a notify function input or a bare state."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise PlanError(f"{path}: cannot read a JSON state: {err}") from None
    if not isinstance(data, dict):
        raise PlanError(f"{path}: a state is a JSON object, got {type(data).__name__}")
    if isinstance(data.get("state"), dict):
        phase = data.get("phase")
        execution = data.get("execution_id")
        return (
            data["state"],
            phase if isinstance(phase, str) else None,
            execution if isinstance(execution, str) else None,
        )
    return data, None, None


def render(
    phase: str,
    group: Group | None,
    *,
    dry_run: bool = False,
    state: dict[str, Any] | None = None,
    execution_id: str = EXECUTION_ID,
) -> dict[str, Any]:
    """One phase's messages: the incident, the Slack payload and the SNS subject, attributes and body."""
    if state is None:
        state = sample_state(phase)
        if group is not None:
            state["request"]["group"] = group.name
    else:
        state = copy.deepcopy(state)
    if dry_run and isinstance(state.get("request"), dict):
        state["request"]["dry_run"] = True
    incident = Incident.from_state(phase, state, group, execution_id, "us-east-1")
    approval = sample_approval() if phase == "approval" else None
    return {
        "phase": phase,
        "group": incident.group,
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
    state: dict[str, Any] | None = None
    execution_id = EXECUTION_ID
    try:
        group: Group | None = _group(args)
        if args.state:
            state, file_phase, file_execution = _load_state(args.state)
            execution_id = file_execution or execution_id
            if not args.plan:
                group = None
            if file_phase and not args.phase:
                args.phase = file_phase if file_phase in PHASES else None
    except (PlanError, UnknownGroupError) as err:
        error(err.message, as_json=args.json, code=type(err).__name__)
        return 1
    phases = [args.phase] if args.phase else list(PHASES)
    messages = [render(phase, group, dry_run=args.dry_run, state=state, execution_id=execution_id) for phase in phases]
    if args.json:
        emit_json({"group": messages[0]["group"], "messages": messages})
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
