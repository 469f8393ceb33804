"""Service quotas in drills: the simulated AWS refuses what AWS refuses, with AWS's error codes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from failoverctl.sim.limits import QUOTAS, event_entry_size, execution_name_problem, result_error
from failoverctl.sim.world import World
from failoverctl.template import ROOT

KIB = 1024
WAITER = json.dumps({"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3, "End": True}}})


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with World(ROOT / "tests" / "plans" / "web.yaml") as w:
        yield w


def code_of(call: Any) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def padded(size: int) -> str:
    """A JSON document of exactly ``size`` bytes."""
    text = json.dumps({"x": ""})
    return json.dumps({"x": "a" * (size - len(text))})


# ------------------------------------------------------------------ Step Functions


def test_execution_input_over_256_kib_is_refused(world: World) -> None:
    sfn = world.clients.get("stepfunctions")
    arn = sfn.create_state_machine(name="quota-input", definition=WAITER, roleArn=f"arn:aws:iam::{'1' * 12}:role/r")[
        "stateMachineArn"
    ]
    assert len(padded(256 * KIB).encode()) == 256 * KIB
    assert sfn.start_execution(stateMachineArn=arn, name="at-limit", input=padded(256 * KIB))["executionArn"]
    code = code_of(lambda: sfn.start_execution(stateMachineArn=arn, name="over", input=padded(256 * KIB + 1)))
    assert code == "ValidationException"


def test_execution_names_follow_step_functions_rules(world: World) -> None:
    sfn = world.clients.get("stepfunctions")
    arn = sfn.create_state_machine(name="quota-names", definition=WAITER, roleArn=f"arn:aws:iam::{'1' * 12}:role/r")[
        "stateMachineArn"
    ]
    assert sfn.start_execution(stateMachineArn=arn, name="n" * 80, input="{}")["executionArn"].endswith("n" * 80)
    assert code_of(lambda: sfn.start_execution(stateMachineArn=arn, name="n" * 81, input="{}")) == "ValidationException"
    for bad in ("with space", "a/b", "a:b", "tab\there", "q?", "x\x7f"):
        assert code_of(lambda bad=bad: sfn.start_execution(stateMachineArn=arn, name=bad, input="{}")) == "InvalidName"
    assert execution_name_problem("web-failover-20250101T000000Z-abc123") is None


def test_a_standard_execution_name_is_idempotent_while_running_and_then_taken(world: World) -> None:
    sfn = world.clients.get("stepfunctions")
    arn = sfn.create_state_machine(name="quota-reuse", definition=WAITER, roleArn=f"arn:aws:iam::{'1' * 12}:role/r")[
        "stateMachineArn"
    ]
    first = sfn.start_execution(stateMachineArn=arn, name="incident-1", input='{"a": 1}')["executionArn"]
    # same name, same input, still running: the running execution
    assert sfn.start_execution(stateMachineArn=arn, name="incident-1", input='{"a": 1}')["executionArn"] == first
    # same name, other input: refused
    assert code_of(lambda: sfn.start_execution(stateMachineArn=arn, name="incident-1", input='{"a": 2}')) == (
        "ExecutionAlreadyExists"
    )
    deadline = time.monotonic() + 30
    while sfn.describe_execution(executionArn=first)["status"] == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
    # closed: the name stays taken (for 90 days in AWS), even with the same input
    assert code_of(lambda: sfn.start_execution(stateMachineArn=arn, name="incident-1", input='{"a": 1}')) == (
        "ExecutionAlreadyExists"
    )


def test_a_task_result_over_256_kib_fails_the_state_as_step_functions_does(world: World) -> None:
    # Given a function the state machine invokes, whose result is over the state payload quota
    big = {"blob": "a" * (256 * KIB)}
    world.lambdas.modules["VerifyFunction"] = SimpleNamespace(lambda_handler=lambda event, ctx: big)  # type: ignore[assignment]
    try:
        inv = world.lambdas.invoke("VerifyFunction", {})
    finally:
        world.lambdas.modules.pop("VerifyFunction")
    assert inv.error is not None
    assert inv.error["errorType"] == "States.DataLimitExceeded"
    # a function outside the state machine may answer up to Lambda's own 6 MB
    assert result_error(big, invoked_by_state_machine=False) is None
    error = result_error({"blob": "a" * (6 * KIB * KIB)}, invoked_by_state_machine=False)
    assert error is not None and error["errorType"] == "Function.ResponseSizeTooLarge"


# ------------------------------------------------------------------ Lambda


def test_lambda_invoke_payloads_over_the_quota_are_refused(world: World) -> None:
    lam = world.clients.get("lambda")
    sync = json.dumps({"x": "a" * (6 * KIB * KIB)})
    assert code_of(lambda: lam.invoke(FunctionName="NotifyFunction", Payload=sync.encode())) == (
        "RequestTooLargeException"
    )
    event = json.dumps({"x": "a" * (256 * KIB)})
    assert code_of(
        lambda: lam.invoke(FunctionName="TriggerFunction", InvocationType="Event", Payload=event.encode())
    ) == ("RequestTooLargeException")


# ------------------------------------------------------------------ SNS


def test_sns_message_and_subject_quotas(world: World) -> None:
    sns = world.clients.get("sns")
    topic = world.resolver.physical["FailoverTopic"]
    assert sns.publish(TopicArn=topic, Message="m", Subject="s" * 99)["MessageId"]
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="m", Subject="s" * 100)) == "InvalidParameter"
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="m", Subject="line\nbreak")) == "InvalidParameter"
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="m", Subject="café")) == "InvalidParameter"
    assert code_of(lambda: sns.publish(TopicArn=topic, Message="m" * (256 * KIB + 1))) == "InvalidParameter"
    # the attributes count towards the 256 KiB
    attrs = {"phase": {"DataType": "String", "StringValue": "a" * 1000}}
    body = "m" * (256 * KIB - 500)
    assert code_of(lambda: sns.publish(TopicArn=topic, Message=body, MessageAttributes=attrs)) == "InvalidParameter"
    world.sns_messages()  # drain the tap queue


# ------------------------------------------------------------------ EventBridge


def test_put_events_entries_over_256_kib_are_refused(world: World) -> None:
    events = world.clients.get("events")
    entry = {"Source": "failover.manual", "DetailType": "Failover Requested", "Detail": json.dumps({"x": ""})}
    overhead = event_entry_size(entry)
    fits = {**entry, "Detail": json.dumps({"x": "a" * (256 * KIB - overhead)})}
    assert event_entry_size(fits) == 256 * KIB
    assert events.put_events(Entries=[fits])["FailedEntryCount"] == 0
    over = {**entry, "Detail": json.dumps({"x": "a" * (256 * KIB - overhead + 1)})}
    assert code_of(lambda: events.put_events(Entries=[over])) == "ValidationException"


# ------------------------------------------------------------------ Route 53


def _zone(world: World) -> str:
    return world.plan.groups[0].stages[0].actions[0].hosted_zone_id  # type: ignore[union-attr]


def test_route53_change_batch_record_count_counts_upsert_twice(world: World) -> None:
    r53 = world.clients.get("route53")

    def batch(action: str, count: int) -> dict[str, Any]:
        values = [{"Value": f"10.0.{i // 250}.{i % 250}"} for i in range(count)]
        rrset = {"Name": "many.example.com", "Type": "A", "TTL": 60, "ResourceRecords": values}
        return {"Changes": [{"Action": action, "ResourceRecordSet": rrset}]}

    assert r53.change_resource_record_sets(HostedZoneId=_zone(world), ChangeBatch=batch("UPSERT", 500))
    code = code_of(lambda: r53.change_resource_record_sets(HostedZoneId=_zone(world), ChangeBatch=batch("UPSERT", 501)))
    assert code == "InvalidChangeBatch"


def test_route53_change_batch_characters(world: World) -> None:
    r53 = world.clients.get("route53")
    values = [{"Value": '"' + "t" * 253 + '"'} for _ in range(130)]  # 130 x 255 = 33,150 characters
    rrset = {"Name": "txt.example.com", "Type": "TXT", "TTL": 60, "ResourceRecords": values}
    code = code_of(
        lambda: r53.change_resource_record_sets(
            HostedZoneId=_zone(world), ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": rrset}]}
        )
    )
    assert code == "InvalidChangeBatch"


# ------------------------------------------------------------------ DynamoDB (moto enforces it; held here)


def test_dynamodb_items_over_400_kb_are_refused_on_put_and_update(world: World) -> None:
    ddb = world.clients.get("dynamodb")
    table = world.store.table_name
    key = {"pk": {"S": "QUOTA"}, "sk": {"S": "item"}}
    big = "a" * (QUOTAS["dynamodb_item"].value + 1)
    assert code_of(lambda: ddb.put_item(TableName=table, Item={**key, "v": {"S": big}})) == "ValidationException"
    ddb.put_item(TableName=table, Item={**key, "v": {"S": "a" * 300_000}})
    code = code_of(
        lambda: ddb.update_item(
            TableName=table,
            Key=key,
            UpdateExpression="SET w = :w",
            ExpressionAttributeValues={":w": {"S": "b" * 120_000}},
        )
    )
    assert code == "ValidationException"
