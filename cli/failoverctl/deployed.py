"""Operations on a deployed stack: status, history, manual failover and failback, pause, resume, report.

Every command finds the stack's resources through its CloudFormation outputs:

===================  =====================================================================
output               used for
===================  =====================================================================
``StateMachineArn``  executions to follow (history, failover, report, live drill)
``TableName``        group state, locks, pause flags, incidents and their timelines
``TopicArn``         shown by ``status`` (where the notifications go)
``EventBusName``     where ``failover`` and ``failback`` put their request
``ReportBucketName`` where ``report --upload`` writes the evidence pack
``PlanFile``         the plan's file name in ``plans/`` (or a path); read when it exists here
===================  =====================================================================

Exit codes: 0 done; 1 an AWS call failed or the execution did not succeed; 2 the command cannot
run as asked (no credentials or region, stack not found, an output missing, unknown group, bad
arguments or plan).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, PartialCredentialsError

from failover.errors import PlanError, UnknownGroupError
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.models import Direction, FailoverRequest, Source, Trigger, iso
from failover.plan import Group, Plan, load_plan
from failover.report import render_html, render_markdown, write_report
from failoverctl.output import emit_json, error

DEFAULT_STACK = "failover"
MANUAL_SOURCE = "failover.manual"
REQUEST_DETAIL_TYPE = "Failover Requested"
STACK_OUTPUTS = ("StateMachineArn", "TableName", "TopicArn", "EventBusName", "ReportBucketName", "PlanFile")
CREDENTIAL_ERROR_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}

#: how the commands wait between polls (tests replace it)
_sleep: Callable[[float], None] = time.sleep


class OpsError(Exception):
    """A problem the user must act on, with the exit code it maps to."""

    def __init__(self, message: str, exit_code: int = 2, code: str = "error", **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.code = code
        self.details = details


# ---------------------------------------------------------------- the deployed stack


@dataclass
class Deployed:
    """A deployed stack: its outputs and the clients of its region."""

    name: str
    region: str
    outputs: dict[str, str]
    clients: Clients
    _store: Store | None = field(default=None, repr=False)

    def output(self, key: str) -> str:
        value = self.outputs.get(key)
        if not value:
            raise OpsError(
                f"stack '{self.name}' has no output '{key}' (is it a failover stack, and fully deployed?)",
                code="OutputMissing",
                stack=self.name,
                output=key,
            )
        return value

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.output("TableName"), self.clients, self.region)
        return self._store

    def sfn(self) -> Any:
        return self.clients.get("stepfunctions", self.region)

    def identity(self) -> str:
        return str(self.clients.get("sts", self.region).get_caller_identity()["Arn"])

    def execution_arn(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        machine = self.output("StateMachineArn")
        return machine.replace(":stateMachine:", ":execution:", 1) + ":" + name_or_arn


def connect(args: argparse.Namespace) -> Deployed:
    region = getattr(args, "region", None) or boto3.session.Session().region_name
    if not region:
        raise OpsError("no AWS region: pass --region or set AWS_REGION", code="NoRegion")
    name = getattr(args, "stack", None) or os.environ.get("FAILOVER_STACK") or DEFAULT_STACK
    clients = Clients(default_region=region)
    try:
        stacks = clients.get("cloudformation", region).describe_stacks(StackName=name)["Stacks"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ValidationError" and "does not exist" in str(err):
            raise OpsError(
                f"stack '{name}' not found in {region} (pass --stack NAME or set FAILOVER_STACK)",
                code="StackNotFound",
                stack=name,
                region=region,
            ) from None
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}
    return Deployed(name=name, region=region, outputs=outputs, clients=clients)


def load_local_plan(args: argparse.Namespace, stack: Deployed | None) -> Plan | None:
    """The plan from ``--plan``, else the stack's ``PlanFile`` (a path, or a name in ``plans/``) when it exists here."""
    given = getattr(args, "plan", None)
    try:
        if given:
            return load_plan(given)
        path = (stack.outputs.get("PlanFile") if stack else None) or ""
        for candidate in (Path(path), Path("plans") / path) if path else ():
            if candidate.is_file():
                return load_plan(candidate)
    except PlanError as err:
        if given:
            raise OpsError(err.message, code="PlanError", file=given) from None
        _note(f"ignoring the stack's plan file {path}: {err.message.splitlines()[0]}")
    return None


def store_groups(store: Store) -> list[str]:
    """Group names the table holds an item for (a scan of partition keys; the table is small)."""
    names: set[str] = set()
    kwargs: dict[str, Any] = {
        "ProjectionExpression": "pk",
        "FilterExpression": Attr("pk").begins_with("GROUP#"),
    }
    while True:
        resp = store.table.scan(**kwargs)
        names.update(str(item["pk"]).removeprefix("GROUP#") for item in resp.get("Items", []))
        if "LastEvaluatedKey" not in resp:
            return sorted(names)
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]


def known_groups(stack: Deployed, plan: Plan | None) -> list[str]:
    ordered = [g.name for g in plan.groups] if plan else []
    return ordered + [g for g in store_groups(stack.store) if g not in ordered]


def require_group(group: str, known: list[str]) -> None:
    if known and group not in known:
        raise OpsError(
            f"unknown group '{group}'; known groups: {', '.join(known)}", code="UnknownGroup", group=group, known=known
        )
    if not known:
        _note(f"cannot check the group name '{group}': no plan here and no group in the table (pass --plan FILE)")


def _note(message: str) -> None:
    sys.stderr.write(f"failoverctl: {message}\n")


def _group_model(plan: Plan | None, group: str) -> Group | None:
    if plan is None:
        return None
    try:
        return plan.group(group)
    except UnknownGroupError:
        return None


# ---------------------------------------------------------------- running a command


def _credential_problem(err: ClientError) -> bool:
    return err.response.get("Error", {}).get("Code", "") in CREDENTIAL_ERROR_CODES


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Run a command, turning every expected failure into a message and an exit code (no tracebacks)."""

    def wrapper(args: argparse.Namespace) -> int:
        as_json = bool(getattr(args, "json", False))
        try:
            return run(args)
        except OpsError as err:
            error(err.message, as_json=as_json, code=err.code, **err.details)
            return err.exit_code
        except (NoCredentialsError, PartialCredentialsError):
            error(
                "no AWS credentials found: configure them (aws configure, AWS_PROFILE or environment variables)",
                as_json=as_json,
                code="NoCredentials",
            )
            return 2
        except NoRegionError:
            error("no AWS region: pass --region or set AWS_REGION", as_json=as_json, code="NoRegion")
            return 2
        except ClientError as err:
            info = err.response.get("Error", {})
            operation = getattr(err, "operation_name", "AWS call")
            message = f"{operation} failed: {info.get('Code', 'Error')}: {info.get('Message', str(err))}"
            if _credential_problem(err):
                error(f"the AWS credentials were rejected: {message}", as_json=as_json, code="BadCredentials")
                return 2
            error(message, as_json=as_json, code=str(info.get("Code", "ClientError")))
            return 1
        except BotoCoreError as err:
            error(f"AWS call failed: {err}", as_json=as_json, code=type(err).__name__)
            return 1

    wrapper.__name__ = run.__name__
    wrapper.__doc__ = run.__doc__
    return wrapper


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack",
        default=os.environ.get("FAILOVER_STACK", DEFAULT_STACK),
        help="the deployed stack's name (default: $FAILOVER_STACK or 'failover')",
    )
    parser.add_argument("--region", default=None, help="the stack's region (default: the AWS SDK's)")
    parser.add_argument("--plan", default=None, metavar="FILE", help="the plan file (default: the stack's PlanFile)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = subparsers.add_parser("status", help="each group's active side, lock, pause state and last incident")
    _common(status)
    status.set_defaults(func=run_status)

    history = subparsers.add_parser("history", help="incidents with their timelines and execution status")
    _common(history)
    history.add_argument("--group", help="one group (default: all)")
    history.add_argument("--limit", type=_positive_int, default=10, help="incidents per group (default 10)")
    history.set_defaults(func=run_history)

    for direction in (Direction.FAILOVER, Direction.FAILBACK):
        what = "to the secondary" if direction == Direction.FAILOVER else "to the primary"
        p = subparsers.add_parser(
            str(direction),
            help=f"request a {direction} {what} through the event bus (same path and safety gate as an alarm)",
        )
        _common(p)
        p.add_argument("--group", required=True)
        p.add_argument("--dry-run", action="store_true", help="run every check and report what would change")
        p.add_argument("--reason", default="", help="why (recorded in the incident and the notifications)")
        p.add_argument(
            "--wait",
            type=_non_negative_int,
            default=30,
            metavar="SECONDS",
            help="how long to look for the execution the request starts (default 30)",
        )
        p.set_defaults(func=run_request, direction=str(direction))

    pause = subparsers.add_parser("pause", help="stop acting on alarms for a group or for all groups")
    _common(pause)
    scope = pause.add_mutually_exclusive_group(required=True)
    scope.add_argument("--group")
    scope.add_argument("--all", action="store_true", help="the global switch")
    pause.add_argument("--reason", default="", help="why (shown by status)")
    pause.set_defaults(func=run_pause, paused=True)

    resume = subparsers.add_parser("resume", help="act on alarms again for a group or for all groups")
    _common(resume)
    scope = resume.add_mutually_exclusive_group(required=True)
    scope.add_argument("--group")
    scope.add_argument("--all", action="store_true", help="the global switch")
    resume.set_defaults(func=run_pause, paused=False, reason="")

    report = subparsers.add_parser("report", help="the evidence pack of one execution (Markdown or HTML)")
    _common(report)
    report.add_argument("execution", metavar="EXECUTION", help="execution ARN or name (the incident id)")
    report.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    report.add_argument("--format", choices=("md", "html"), default=None, help="default: from --out, else md")
    report.add_argument("--upload", action="store_true", help="also upload both formats to the report bucket")
    report.set_defaults(func=run_report)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


# ---------------------------------------------------------------- status


def _lock_view(lock: dict[str, Any]) -> dict[str, Any] | None:
    if not lock:
        return None
    expires = int(lock.get("expires_at", 0) or 0)
    return {
        "owner": lock.get("owner"),
        "incident_id": lock.get("incident_id"),
        "acquired_at": lock.get("acquired_at"),
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z") if expires else None,
        "expired": bool(expires) and expires < int(time.time()),
    }


def _incident_view(item: dict[str, Any]) -> dict[str, Any]:
    keep = {k: v for k, v in item.items() if k not in ("pk", "sk", "expires_at")}
    keep.setdefault("outcome", keep.get("status"))
    return keep


@guarded
def run_status(args: argparse.Namespace) -> int:
    stack = connect(args)
    plan = load_local_plan(args, stack)
    store = stack.store
    settings = store.global_settings()
    rows: list[dict[str, Any]] = []
    for name in known_groups(stack, plan):
        state = store.group_state(name)
        incidents = store.incidents(name, limit=1)
        model = _group_model(plan, name)
        rows.append(
            {
                "group": name,
                "active_side": state.get("active_side") or "primary",
                "recorded": bool(state.get("active_side")),
                "paused": bool(state.get("paused")),
                "paused_by": state.get("paused_by") if state.get("paused") else None,
                "paused_reason": state.get("paused_reason") if state.get("paused") else None,
                "enabled": model.enabled if model else None,
                "lock": _lock_view(store.lock(name)),
                "last_failover_at": state.get("last_failover_at"),
                "last_incident": _incident_view(incidents[0]) if incidents else None,
            }
        )
    result: dict[str, Any] = {
        "stack": stack.name,
        "region": stack.region,
        "paused_globally": bool(settings.get("paused")),
        "paused_by": settings.get("paused_by") if settings.get("paused") else None,
        "paused_reason": settings.get("paused_reason") if settings.get("paused") else None,
        "topic_arn": stack.outputs.get("TopicArn"),
        "groups": rows,
    }
    if args.json:
        emit_json(result)
        return 0
    switch = "ON" if not result["paused_globally"] else f"PAUSED by {result['paused_by']}: {result['paused_reason']}"
    print(f"stack {stack.name} ({stack.region}): automation {switch}")
    if not rows:
        print("  no group yet: nothing has run, and no plan here (pass --plan FILE)")
    for row in rows:
        lock = row["lock"]
        lock_text = "free" if not lock else f"held by {lock['owner']}" + (" (expired)" if lock["expired"] else "")
        pause_text = f"PAUSED by {row['paused_by']}: {row['paused_reason']}" if row["paused"] else "active"
        last = row["last_incident"]
        last_text = (
            f"{last.get('incident_id')} {last.get('outcome') or ''} at {last.get('started_at')}" if last else "none"
        )
        print(f"  {row['group']}: on {row['active_side']}, {pause_text}, lock {lock_text}")
        print(f"      last incident: {last_text}")
    return 0


# ---------------------------------------------------------------- history


def _when(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value) if value else None


def _describe(stack: Deployed, arn: str) -> dict[str, Any]:
    try:
        resp = stack.sfn().describe_execution(executionArn=arn)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            return {"arn": arn, "status": "NOT_FOUND"}
        raise
    return {
        "arn": arn,
        "name": resp.get("name"),
        "status": resp.get("status"),
        "started_at": _when(resp.get("startDate")),
        "stopped_at": _when(resp.get("stopDate")),
    }


def _recent_executions(stack: Deployed, prefixes: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """The newest executions (of the last 100) whose name starts with one of ``prefixes``."""
    resp = stack.sfn().list_executions(stateMachineArn=stack.output("StateMachineArn"), maxResults=100)
    found = [e for e in resp.get("executions", []) if str(e.get("name", "")).startswith(prefixes)]
    found.sort(key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC), reverse=True)
    return found[:limit]


def group_history(stack: Deployed, group: str, limit: int) -> list[dict[str, Any]]:
    store = stack.store
    incidents = []
    seen: set[str] = set()
    for item in store.incidents(group, limit=limit):
        view = _incident_view(item)
        incident_id = str(view.get("incident_id", ""))
        seen.add(incident_id)
        recorded = view.get("execution_arn") or view.get("execution_id")
        arn = str(recorded if str(recorded or "").startswith("arn:") else stack.execution_arn(incident_id))
        view["execution"] = _describe(stack, arn)
        view["timeline"] = store.timeline(incident_id)
        incidents.append(view)
    prefixes = tuple(f"{group}-{d}-" for d in Direction)
    for execution in _recent_executions(stack, prefixes, limit):
        name = str(execution["name"])
        if name in seen:
            continue
        incidents.append(
            {
                "incident_id": name,
                "group": group,
                "started_at": _when(execution.get("startDate")),
                "outcome": None,
                "execution": {
                    "arn": execution["executionArn"],
                    "name": name,
                    "status": execution.get("status"),
                    "started_at": _when(execution.get("startDate")),
                    "stopped_at": _when(execution.get("stopDate")),
                },
                "timeline": store.timeline(name),
            }
        )
    incidents.sort(key=lambda i: str(i.get("started_at") or ""), reverse=True)
    return incidents[:limit]


@guarded
def run_history(args: argparse.Namespace) -> int:
    stack = connect(args)
    plan = load_local_plan(args, stack)
    known = known_groups(stack, plan)
    if args.group:
        require_group(args.group, known)
        groups = [args.group]
    else:
        groups = known
    result: dict[str, Any] = {
        "stack": stack.name,
        "groups": [{"group": g, "incidents": group_history(stack, g, args.limit)} for g in groups],
    }
    if args.json:
        emit_json(result)
        return 0
    for entry in result["groups"]:
        print(f"{entry['group']}:")
        if not entry["incidents"]:
            print("  no incident")
        for incident in entry["incidents"]:
            execution = incident.get("execution") or {}
            print(
                f"  {incident.get('incident_id')}  {incident.get('outcome') or '-'}"
                f"  (execution {execution.get('status', '-')}, started {incident.get('started_at')})"
            )
            for event in incident.get("timeline", []):
                print(f"    {event.get('at')}  {event.get('kind', ''):<14} {event.get('detail', '')}")
    return 0


# ---------------------------------------------------------------- failover / failback


def console_url(region: str, execution_arn: str) -> str:
    return f"https://{region}.console.aws.amazon.com/states/home?region={region}#/v2/executions/details/{execution_arn}"


def find_execution(
    stack: Deployed, group: str, direction: str, since: datetime, wait_seconds: int
) -> dict[str, Any] | None:
    """The newest execution named ``<group>-<direction>-...`` started since ``since`` (polls ``wait_seconds``)."""
    deadline = time.monotonic() + wait_seconds
    prefix = f"{group}-{direction}-"
    earliest = since - timedelta(seconds=5)  # clock skew between here and AWS
    while True:
        for execution in _recent_executions(stack, (prefix,), 10):
            started = execution.get("startDate")
            if isinstance(started, datetime) and started >= earliest:
                return execution
        if time.monotonic() >= deadline:
            return None
        _sleep(2.0)


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


# ---------------------------------------------------------------- pause / resume


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


# ---------------------------------------------------------------- report


def _history_events(stack: Deployed, arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"executionArn": arn, "maxResults": 1000}
    while True:
        resp = stack.sfn().get_execution_history(**kwargs)
        events.extend(resp.get("events", []))
        if not resp.get("nextToken"):
            return events
        kwargs["nextToken"] = resp["nextToken"]


def _json_object(text: Any) -> dict[str, Any] | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def execution_state(execution: dict[str, Any], history: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The fullest state document of an execution: its output, else the last state's output, else its input."""
    output = _json_object(execution.get("output"))
    if output and "request" in output:
        return output
    last: dict[str, Any] | None = None
    for event in history:
        state = _json_object((event.get("stateExitedEventDetails") or {}).get("output"))
        if state and "request" in state:
            last = state
    return last or _json_object(execution.get("input")) or {}


@guarded
def run_report(args: argparse.Namespace) -> int:
    stack = connect(args)
    arn = stack.execution_arn(args.execution)
    try:
        execution = stack.sfn().describe_execution(executionArn=arn)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in ("ExecutionDoesNotExist", "InvalidArn"):
            raise OpsError(f"no execution '{args.execution}' in stack {stack.name}", code="ExecutionNotFound") from None
        raise
    history = _history_events(stack, arn)
    state = execution_state(execution, history)
    request = state.get("request") or {}
    incident_id = str(request.get("incident_id") or execution.get("name"))
    timeline = stack.store.timeline(incident_id)
    plan = load_local_plan(args, stack)
    group = _group_model(plan, str(request.get("group", "")))
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
            raise OpsError(f"cannot write {args.out}: {err.strerror}", code="WriteFailed") from None
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


# ---------------------------------------------------------------- live drill


def _drill_name(group: str, direction: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{group}-{direction}-drill-{stamp}-{uuid.uuid4().hex[:6]}"[:80]


def _outcome_view(state: dict[str, Any]) -> dict[str, Any]:
    gate = state.get("gate") or {}
    decision = gate.get("decision") or {}
    cursor = state.get("cursor") or {}
    return {
        "decision": {
            "outcome": decision.get("outcome"),
            "reason": decision.get("reason"),
            "checks": decision.get("checks", []),
        },
        "actions": [
            {
                "name": a.get("name"),
                "action": a.get("action"),
                "target": a.get("target"),
                "status": a.get("status"),
                "detail": a.get("detail"),
            }
            for a in cursor.get("completed", []) or []
            if isinstance(a, dict)
        ],
        "verified": (cursor.get("verification") or {}).get("ok"),
        "error": state.get("error"),
    }


def run_live_drill(args: argparse.Namespace) -> int:
    """Rehearse on the deployed stack: start its state machine with a dry-run request, wait, print the outcome.

    Reads from ``args``: ``group`` (required), ``dry_run`` (must be true), and optionally ``stack``,
    ``region``, ``plan``, ``json``, ``direction`` (default failover) and ``timeout`` (seconds, default 600).
    Exit 0 when the execution succeeded, 1 when it failed or is still running at the timeout, 2 when it
    cannot start.
    """
    return _live_drill(args)


@guarded
def _live_drill(args: argparse.Namespace) -> int:
    if not getattr(args, "dry_run", False):
        raise OpsError(
            "a live drill runs only with --dry-run (for a real failover use: failoverctl failover --group G)",
            code="DryRunRequired",
        )
    group = getattr(args, "group", None)
    if not group:
        raise OpsError("a live drill needs --group G", code="GroupRequired")
    direction = str(getattr(args, "direction", None) or Direction.FAILOVER)
    timeout = int(getattr(args, "timeout", None) or 600)
    stack = connect(args)
    plan = load_local_plan(args, stack)
    require_group(group, known_groups(stack, plan))
    model = _group_model(plan, group)
    name = _drill_name(group, direction)
    request = FailoverRequest(
        request_id=uuid.uuid4().hex,
        incident_id=name,
        group=group,
        direction=Direction(direction),
        source=Source.DRILL,
        trigger=Trigger(reason="failoverctl drill --live --dry-run", time=iso()),
        dry_run=True,
        requested_by=stack.identity(),
        reason="live drill (dry run)",
    )
    timing = {
        "confirmation_seconds": 0,
        "verify_interval_seconds": model.verification.interval_seconds if model else 15,
        "approval_timeout_seconds": model.safety.approval.timeout_seconds if model else 900,
    }
    sfn = stack.sfn()
    started = sfn.start_execution(
        stateMachineArn=stack.output("StateMachineArn"),
        name=name,
        input=json.dumps({"request": request.to_json(), "timing": timing}),
    )
    arn = started["executionArn"]
    if not getattr(args, "json", False):
        print(f"live drill (dry run) of group {group}: execution {name}")
    deadline = time.monotonic() + timeout
    while True:
        execution = sfn.describe_execution(executionArn=arn)
        if execution.get("status") != "RUNNING" or time.monotonic() >= deadline:
            break
        _sleep(2.0)
    status = str(execution.get("status"))
    state = execution_state(execution, _history_events(stack, arn))
    outcome = _outcome_view(state)
    result = {"execution": arn, "name": name, "status": status, "dry_run": True, **outcome}
    if getattr(args, "json", False):
        emit_json(result)
    else:
        decision = outcome["decision"]
        print(f"status: {status}")
        print(f"decision: {decision['outcome']}: {decision['reason']}")
        for check in decision["checks"]:
            print(f"  [{'ok' if check.get('ok') else 'FAIL'}] {check.get('name')}: {check.get('detail')}")
        for action in outcome["actions"]:
            print(f"  {action['name']} ({action['action']}): {action['status']}: {action['detail']}")
        if outcome["verified"] is not None:
            print(f"verified: {'yes' if outcome['verified'] else 'no'}")
        if status == "RUNNING":
            print(f"still running after {timeout} s: failoverctl report {name} --stack {stack.name}")
    return 0 if status == "SUCCEEDED" else 1
