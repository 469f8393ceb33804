"""Locks, incident claims and rate slots in DynamoDB; approval tokens and decisions."""

from __future__ import annotations

import functools
import json
import time
from typing import Any

import pytest

from failover.approval import TokenClaims, create_approval, decide, sign, verify_token
from failover.errors import ApprovalError

KEY = b"k" * 32


def test_only_the_owner_releases_the_lock_and_an_expired_lock_is_taken_over(world: Any) -> None:
    store = world.store
    assert store.acquire_lock("web", "exec-1", "inc-1", 60).acquired
    held = store.acquire_lock("web", "exec-2", "inc-2", 60)
    assert not held.acquired and held.owner == "exec-1"
    assert store.release_lock("web", "exec-2") is False
    assert store.lock("web")["owner"] == "exec-1"
    store.table.update_item(
        Key={"pk": "GROUP#web", "sk": "LOCK"},
        UpdateExpression="SET expires_at = :e",
        ExpressionAttributeValues={":e": int(time.time()) - 1},
    )
    taken = store.acquire_lock("web", "exec-2", "inc-2", 60)
    assert taken.acquired and taken.took_over == "exec-1"
    assert "took over" in taken.detail
    assert store.release_lock("web", "exec-2") is True
    assert store.lock("web") == {}


def test_an_open_incident_is_joined_until_it_is_released(world: Any) -> None:
    store = world.store
    first = store.claim_incident("web", "failover", "inc-1", 900)
    second = store.claim_incident("web", "failover", "inc-2", 900)
    assert (first.created, second.created) == (True, False)
    assert second.incident_id == "inc-1" and second.events == 2
    assert store.release_claim("web", "failover", "inc-other") is False
    assert store.release_claim("web", "failover", "inc-1") is True
    assert store.claim_incident("web", "failover", "inc-3", 900).created


def test_rate_slots_hold_the_limit_exactly(world: Any) -> None:
    store = world.store
    assert store.take_rate_slot(2, 3600, "web", "inc-1") == 0
    assert store.take_rate_slot(2, 3600, "api", "inc-2") == 1
    assert store.take_rate_slot(2, 3600, "admin", "inc-3") is None
    assert store.take_rate_slot(2, 3600, "web", "inc-1") == 0  # the same incident keeps its slot
    store.release_rate_slot("inc-2")
    assert store.take_rate_slot(2, 3600, "admin", "inc-3") == 1


def test_tokens_round_trip_and_refuse_forgery_expiry_and_garbage() -> None:
    future = int(time.time()) + 60
    token = sign(KEY, TokenClaims("ap-1", "exec-1", "approve", future))
    assert verify_token(KEY, token) == TokenClaims("ap-1", "exec-1", "approve", future)
    with pytest.raises(ApprovalError) as forged:
        verify_token(b"other-key", token)
    assert forged.value.details["reason"] == "forged"
    body, signature = token.split(".")
    tampered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature
    with pytest.raises(ApprovalError):
        verify_token(KEY, tampered)
    expired = sign(KEY, TokenClaims("ap-1", "exec-1", "approve", int(time.time()) - 1))
    with pytest.raises(ApprovalError) as old:
        verify_token(KEY, expired)
    assert old.value.details["reason"] == "expired"
    for junk in (None, "", "a.b.c", "x" * 5000, 42):
        with pytest.raises(ApprovalError):
            verify_token(KEY, junk)


def _waiting_execution(world: Any) -> tuple[str, str]:
    """A real execution waiting in a task-token state, and its token."""
    sfn = world.clients.get("stepfunctions")
    tokens: list[str] = []
    world.lambdas.external["Waiter"] = lambda payload: tokens.append(payload["token"]) or {}
    definition = {
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "TimeoutSeconds": 60,
                "Parameters": {
                    "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:Waiter",
                    "Payload": {"token.$": "$$.Task.Token"},
                },
                "End": True,
            }
        },
    }
    arn = sfn.create_state_machine(
        name="waiter", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name="waiting", input="{}")["executionArn"]
    for _ in range(100):
        if tokens:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    return execution, tokens[0]


def test_a_decision_resumes_the_execution_once(world: Any) -> None:
    execution, token = _waiting_execution(world)
    approval = create_approval(
        world.store,
        KEY,
        task_token=token,
        execution_id=execution,
        group="web",
        timeout_seconds=60,
        base_url="https://approve.example/",
    )
    assert approval.approve_url and approval.approve_url.startswith("https://approve.example/?token=")
    answer = functools.partial(decide, world.store, world.clients, approval_id=approval.approval_id, via="link")
    with pytest.raises(ApprovalError) as foreign:
        answer(approved=True, by="eve", execution_id="arn:other")
    assert foreign.value.details["reason"] == "wrong_execution"
    result = answer(approved=True, by="jane", execution_id=execution)
    assert result["approved"] is True and result["by"] == "jane"
    with pytest.raises(ApprovalError) as reused:
        answer(approved=False, by="eve")
    assert reused.value.details["reason"] == "reused"
    desc = world.wait(execution, timeout=10)
    assert desc["status"] == "SUCCEEDED"
    assert json.loads(desc["output"])["by"] == "jane"


def test_unknown_approvals_are_refused(world: Any) -> None:
    with pytest.raises(ApprovalError) as unknown:
        decide(world.store, world.clients, approval_id="nope", approved=True, by="x", via="cli")
    assert unknown.value.details["reason"] == "unknown"


def test_approval_ids_never_read_as_command_line_options(world: Any) -> None:
    # an id that began with "-" made `failoverctl deny <id>` fail: the command line read it as an option
    ids = [
        create_approval(
            world.store, "k" * 32, task_token="t", execution_id="e", group="web", timeout_seconds=60, base_url=None
        ).approval_id
        for _ in range(200)
    ]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 32 and i.isalnum() and not i.startswith("-") for i in ids)
