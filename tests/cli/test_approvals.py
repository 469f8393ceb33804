"""``failoverctl approvals | approve | deny`` against a stack in moto with a really waiting execution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.unit.test_store_and_approval import _waiting_execution

from failover.approval import create_approval
from failoverctl.cli import main

KEY = b"k" * 32


@pytest.fixture
def stack(deployed: Any) -> Any:
    return deployed


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main([*argv, "--stack", "failover-test", "--region", "us-east-1", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_approve_by_execution_name_resumes_it_once(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    execution, token = _waiting_execution(stack)
    create_approval(
        stack.store, KEY, task_token=token, execution_id=execution, group="web", timeout_seconds=60, base_url=None
    )
    code, pending = run(capsys, "approvals")
    assert code == 0 and [p["execution"] for p in pending["pending"]] == [execution]
    code, result = run(capsys, "approve", execution.rsplit(":", 1)[-1], "--reason", "checked the replica")
    assert code == 0
    assert result["approved"] is True and "checked the replica" in result["by"]
    assert result["via"] == "cli"
    assert json.loads(stack.wait(execution)["output"])["approved"] is True
    code, again = run(capsys, "deny", execution.rsplit(":", 1)[-1])
    assert code == 1 and again["error"] == "ApprovalReused"
    code, pending = run(capsys, "approvals")
    assert pending["pending"] == []


def test_deny_and_unknown_targets(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    execution, token = _waiting_execution(stack)
    approval = create_approval(
        stack.store, KEY, task_token=token, execution_id=execution, group="web", timeout_seconds=60, base_url=None
    )
    code, result = run(capsys, "deny", approval.approval_id)
    assert code == 0 and result["approved"] is False
    code, missing = run(capsys, "approve", "no-such-execution")
    assert code == 2 and missing["error"] == "ApprovalNotFound"


def test_approve_by_name_decides_the_request_still_waiting(stack: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an execution whose gate approval was decided and whose escalation now waits
    execution, token = _waiting_execution(stack)
    for _ in range(5):
        earlier = create_approval(
            stack.store, KEY, task_token="used", execution_id=execution, group="web", timeout_seconds=60, base_url=None
        )
        stack.store.use_approval(earlier.approval_id, "lead@example.com", True)
    create_approval(
        stack.store, KEY, task_token=token, execution_id=execution, group="web", timeout_seconds=60, base_url=None
    )
    # When a person approves by the execution's name: the waiting request is decided and the run resumes
    code, result = run(capsys, "approve", execution.rsplit(":", 1)[-1])
    assert code == 0, result
    assert json.loads(stack.wait(execution)["output"])["approved"] is True
