"""Service quotas in drills: the simulated AWS refuses what AWS refuses, with AWS's error codes.

Each quota is one entry of ``QUOTAS`` (what it limits, the figure, the error, where AWS documents
it; ``docs/simulator.md`` lists the same). The request-side checks run as a guard of the simulated
AWS, before moto or an extension answers; the response-side checks (a function's result: Lambda's
response size, Step Functions' state payload) run on the Lambda runner's results. moto already
enforces some quotas itself (DynamoDB's item size, Step Functions' execution name reuse, SNS's
message size and subject); those are not repeated here, and the tests in
``tests/cli/test_sim_limits.py`` hold moto to them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError


@dataclass(frozen=True)
class Quota:
    name: str
    value: int
    unit: str
    error: str
    source: str


KIB = 1024
QUOTAS: dict[str, Quota] = {
    "sfn_payload": Quota(
        "Step Functions execution input, state input/output and task result",
        256 * KIB,
        "bytes (UTF-8)",
        "StartExecution: ValidationException; a state or task result: States.DataLimitExceeded",
        "Step Functions developer guide, Step Functions service quotas (Quotas related to payloads)",
    ),
    "lambda_sync_payload": Quota(
        "Lambda synchronous invocation request and response payload",
        6 * KIB * KIB,
        "bytes",
        "request: RequestTooLargeException (413); response: Function.ResponseSizeTooLarge",
        "Lambda developer guide, Lambda quotas (Invocation payload)",
    ),
    "lambda_async_payload": Quota(
        "Lambda asynchronous invocation payload",
        256 * KIB,
        "bytes",
        "RequestTooLargeException (413)",
        "Lambda developer guide, Lambda quotas (Invocation payload)",
    ),
    "sns_message": Quota(
        "SNS Publish message with its attributes",
        256 * KIB,
        "bytes",
        "InvalidParameter (Message too long)",
        "SNS API reference, Publish (Message); SNS developer guide, message size",
    ),
    "sns_subject": Quota(
        "SNS Publish subject",
        99,
        "ASCII characters, printable, no line breaks",
        "InvalidParameter (Subject)",
        "SNS API reference, Publish (Subject: less than 100 characters)",
    ),
    "eventbridge_entry": Quota(
        "EventBridge PutEvents entries (the sum of the entries' sizes)",
        256 * KIB,
        "bytes",
        "ValidationException",
        "EventBridge user guide, Calculating PutEvents event entry size; EventBridge quotas",
    ),
    "route53_records": Quota(
        "Route 53 ChangeResourceRecordSets ResourceRecord elements (UPSERT counts twice)",
        1000,
        "records",
        "InvalidChangeBatch",
        "Route 53 developer guide, Quotas on API requests (ChangeResourceRecordSets)",
    ),
    "route53_characters": Quota(
        "Route 53 ChangeResourceRecordSets characters of Value elements (UPSERT counts twice)",
        32000,
        "characters",
        "InvalidChangeBatch",
        "Route 53 developer guide, Quotas on API requests (ChangeResourceRecordSets)",
    ),
    "dynamodb_item": Quota(
        "DynamoDB item size (attribute names and values)",
        400 * KIB,
        "bytes",
        "ValidationException (Item size has exceeded the maximum allowed size), enforced by moto",
        "DynamoDB developer guide, Quotas (Item size)",
    ),
    "sfn_execution_name": Quota(
        "Step Functions execution name: 1-80 characters, no whitespace, brackets, wildcards or "
        "\" # % \\ ^ | ~ ` $ & , ; : /, no control characters; a Standard workflow's name is unique "
        "for 90 days (same name and input while running: the running execution)",
        80,
        "characters",
        "InvalidName (characters), ValidationException (length); ExecutionAlreadyExists, enforced by moto",
        "Step Functions API reference, StartExecution (name); Step Functions quotas",
    ),
}


def _size(text: Any) -> int:
    if text is None:
        return 0
    if not isinstance(text, str):
        text = json.dumps(text, separators=(",", ":"))
    return len(text.encode("utf-8"))


def _over(quota: str, size: int) -> bool:
    return size > QUOTAS[quota].value


# ------------------------------------------------------------------ request checks


#: characters a Step Functions name must not contain (StartExecution ``name``), besides control characters
_NAME_FORBIDDEN = set(' \t\n\r<>{}[]?*"#%\\^|~`$&,;:/')


def execution_name_problem(name: str) -> str | None:
    """Why Step Functions refuses ``name`` as an execution name, or None."""
    if not name or len(name) > QUOTAS["sfn_execution_name"].value:
        return f"length {len(name)} is outside 1-{QUOTAS['sfn_execution_name'].value}"
    bad = sorted({c for c in name if c in _NAME_FORBIDDEN or ord(c) < 32 or 127 <= ord(c) <= 159})
    if bad:
        return f"contains {''.join(bad)!r}"
    return None


def _start_execution(p: dict[str, Any]) -> None:
    name = p.get("name")
    if name is not None:
        problem = execution_name_problem(str(name))
        if problem is not None and len(str(name)) > QUOTAS["sfn_execution_name"].value:
            raise SimClientError(
                "ValidationException",
                f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
                f"Member must have length less than or equal to {QUOTAS['sfn_execution_name'].value}",
            )
        if problem is not None:
            raise SimClientError("InvalidName", f"Invalid Name: '{name}' ({problem})")
    _sfn_payload("input", p.get("input", "{}"))


def _send_task_success(p: dict[str, Any]) -> None:
    _sfn_payload("output", p.get("output", ""))


def _sfn_payload(field: str, text: Any) -> None:
    """Step Functions refuses an ``input`` or ``output`` larger than its payload quota."""
    size = _size(text)
    if _over("sfn_payload", size):
        raise SimClientError(
            "ValidationException",
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: Member must have length "
            f"less than or equal to {QUOTAS['sfn_payload'].value} (got {size} bytes)",
        )


def _invoke(p: dict[str, Any]) -> None:
    size = _size(p.get("Payload", ""))
    asynchronous = p.get("InvocationType") == "Event"
    quota = "lambda_async_payload" if asynchronous else "lambda_sync_payload"
    if _over(quota, size):
        raise SimClientError(
            "RequestTooLargeException",
            f"Request must be smaller than {QUOTAS[quota].value} bytes for the "
            f"{'Event' if asynchronous else 'RequestResponse'} invocation type (got {size})",
            413,
        )


def _publish(p: dict[str, Any]) -> None:
    subject = p.get("Subject")
    if subject is not None:
        printable = all(32 <= ord(c) < 127 for c in subject)
        if not subject or len(subject) > QUOTAS["sns_subject"].value or not printable:
            raise SimClientError("InvalidParameter", "Invalid parameter: Subject")
    size = _size(p.get("Message", ""))
    for name, attr in (p.get("MessageAttributes") or {}).items():
        size += _size(name) + _size(attr.get("DataType", "")) + _size(attr.get("StringValue", ""))
        size += len(attr.get("BinaryValue") or b"")
    if _over("sns_message", size):
        raise SimClientError("InvalidParameter", "Invalid parameter: Message too long")


def event_entry_size(entry: dict[str, Any]) -> int:
    """A PutEvents entry's size, as the EventBridge user guide computes it."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        size += _size(entry.get(key))
    size += sum(_size(r) for r in entry.get("Resources") or [])
    return size


def _put_events(p: dict[str, Any]) -> None:
    size = sum(event_entry_size(e) for e in p.get("Entries") or [])
    if _over("eventbridge_entry", size):
        raise SimClientError("ValidationException", "Total size of the entries in the request is over the limit.")


def _change_record_sets(p: dict[str, Any]) -> None:
    records = characters = 0
    for change in (p.get("ChangeBatch") or {}).get("Changes") or []:
        weight = 2 if change.get("Action") == "UPSERT" else 1
        values = [str(r.get("Value", "")) for r in change.get("ResourceRecordSet", {}).get("ResourceRecords") or []]
        records += weight * len(values)
        characters += weight * sum(len(v) for v in values)
    if _over("route53_records", records):
        raise SimClientError(
            "InvalidChangeBatch", f"Number of records limit of {QUOTAS['route53_records'].value} exceeded ({records})"
        )
    if _over("route53_characters", characters):
        raise SimClientError(
            "InvalidChangeBatch",
            f"Number of characters limit of {QUOTAS['route53_characters'].value} exceeded ({characters})",
        )


_REQUEST_CHECKS = {
    "stepfunctions.StartExecution": _start_execution,
    "stepfunctions.SendTaskSuccess": _send_task_success,
    "lambda.Invoke": _invoke,
    "sns.Publish": _publish,
    "events.PutEvents": _put_events,
    "route53.ChangeResourceRecordSets": _change_record_sets,
}


def check_request(api: str, params: dict[str, Any], _region: str) -> None:
    """A guard of the simulated AWS: refuse a request over a quota."""
    check = _REQUEST_CHECKS.get(api)
    if check is not None:
        check(params)


# ------------------------------------------------------------------ result checks


def result_error(result: Any, *, invoked_by_state_machine: bool) -> dict[str, Any] | None:
    """The error a function's result meets on its way back: Lambda's response size, Step Functions' payload."""
    size = _size(result)
    if _over("lambda_sync_payload", size):
        return {
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload size "
            f"({QUOTAS['lambda_sync_payload'].value} bytes).",
        }
    if invoked_by_state_machine and _over("sfn_payload", size):
        return {
            "errorType": "States.DataLimitExceeded",
            "errorMessage": f"The state/task returned a result with a size exceeding the maximum number of bytes "
            f"service limit ({size} > {QUOTAS['sfn_payload'].value} bytes).",
        }
    return None


def enforce(sim: SimAWS, lambdas: Any, state_machine_functions: set[str]) -> None:
    """Install the quota checks on the simulated AWS and on the functions' results (``World`` calls this)."""
    sim.guards.append(check_request)

    def on_result(name: str, _payload: Any, result: Any) -> dict[str, Any] | None:
        return result_error(result, invoked_by_state_machine=name in state_machine_functions)

    lambdas.faults.append(on_result)


# ------------------------------------------------------------------ what a plan would need

#: Bytes a failover's state carries, measured on drills (``docs/simulator.md``) and rounded up by about
#: a quarter: the request, decision and bookkeeping; each completed action (result, detail, undo);
#: each verification attempt (its record) and each action's checks in it. Every attempt is kept.
STATE_BASE_BYTES = 8_000
STATE_BYTES_PER_ACTION = 1_500
STATE_BYTES_PER_ATTEMPT = 300
STATE_BYTES_PER_CHECK = 300


def largest_state_bytes(group: Any) -> int:
    """A bound on the largest state payload of one execution of ``group``: every stage verifying
    only on its last attempt."""
    attempts = group.verification.attempts
    actions = sum(len(stage.actions) for stage in group.stages)
    verifying = sum(attempts * (STATE_BYTES_PER_ATTEMPT + STATE_BYTES_PER_CHECK * len(s.actions)) for s in group.stages)
    return STATE_BASE_BYTES + STATE_BYTES_PER_ACTION * actions + verifying


def plan_problems(plan: Any) -> list[str]:
    """The quotas a run of each group would break, one line each naming the quota (empty: none)."""
    problems: list[str] = []
    payload = QUOTAS["sfn_payload"]
    records, characters = QUOTAS["route53_records"], QUOTAS["route53_characters"]
    for group in plan.groups:
        size = largest_state_bytes(group)
        if size > payload.value:
            problems.append(
                f"group {group.name}: a run may carry about {size} bytes of state "
                f"({sum(len(s.actions) for s in group.stages)} actions, {group.verification.attempts} verification "
                f"attempts per stage), over the {payload.name} quota of {payload.value} bytes ({payload.source}); "
                "lower verification.attempts or split the group"
            )
        for _stage, name, spec in group.iter_actions():
            if spec.type != "route53_records":
                continue
            values = [v for side in (spec.primary, spec.secondary) for v in (side.values or [])]
            if 2 * len(values) > records.value or 2 * sum(len(v) for v in values) > characters.value:
                problems.append(
                    f"group {group.name}, action {name}: its change batch (UPSERT counts twice) would exceed the "
                    f"{records.name} quota of {records.value} records or {characters.value} characters "
                    f"({records.source})"
                )
    return problems
