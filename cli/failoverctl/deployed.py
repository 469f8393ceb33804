"""The deployed stack the operations commands work on: its outputs, its clients, its executions.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, PartialCredentialsError

from failover.errors import PlanError, UnknownGroupError
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.plan import Group, Plan, load_plan
from failoverctl.output import error

DEFAULT_STACK = "failover"
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
        note(f"ignoring the stack's plan file {path}: {err.message.splitlines()[0]}")
    return None


def known_groups(stack: Deployed, plan: Plan | None) -> list[str]:
    ordered = [g.name for g in plan.groups] if plan else []
    return ordered + [g for g in stack.store.group_names() if g not in ordered]


def require_group(group: str, known: list[str]) -> None:
    if known and group not in known:
        raise OpsError(
            f"unknown group '{group}'; known groups: {', '.join(known)}", code="UnknownGroup", group=group, known=known
        )
    if not known:
        note(f"cannot check the group name '{group}': no plan here and no group in the table (pass --plan FILE)")


def note(message: str) -> None:
    sys.stderr.write(f"failoverctl: {message}\n")


def group_model(plan: Plan | None, group: str) -> Group | None:
    if plan is None:
        return None
    try:
        return plan.group(group)
    except UnknownGroupError:
        return None


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


def common_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stack",
        default=os.environ.get("FAILOVER_STACK", DEFAULT_STACK),
        help="the deployed stack's name (default: $FAILOVER_STACK or 'failover')",
    )
    parser.add_argument("--region", default=None, help="the stack's region (default: the AWS SDK's)")
    parser.add_argument("--plan", default=None, metavar="FILE", help="the plan file (default: the stack's PlanFile)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def when(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return str(value) if value else None


def recent_executions(stack: Deployed, prefixes: tuple[str, ...], limit: int) -> list[dict[str, Any]]:
    """The newest executions (of the last 100) whose name starts with one of ``prefixes``."""
    resp = stack.sfn().list_executions(stateMachineArn=stack.output("StateMachineArn"), maxResults=100)
    found = [e for e in resp.get("executions", []) if str(e.get("name", "")).startswith(prefixes)]
    found.sort(key=lambda e: e.get("startDate") or datetime.min.replace(tzinfo=UTC), reverse=True)
    return found[:limit]


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
        for execution in recent_executions(stack, (prefix,), 10):
            started = execution.get("startDate")
            if isinstance(started, datetime) and started >= earliest:
                return execution
        if time.monotonic() >= deadline:
            return None
        _sleep(2.0)


def history_events(stack: Deployed, arn: str) -> list[dict[str, Any]]:
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


def wait(seconds: float) -> None:
    """Sleep between polls (through ``_sleep``, which tests replace)."""
    _sleep(seconds)
