"""The approval endpoint against a real waiting execution: forged, tampered, expired, unknown,
cross-execution and replayed tokens are refused, and the execution keeps waiting after each.

The execution is the deployed state machine on the simulated AWS, waiting in ``Request Approval``
(``.waitForTaskToken``) because the group's replication lag is over its RPO budget. Requests go
through ``failover.steps.approve.handle`` exactly as the function URL hands them over.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from failover.approval import TokenClaims, sign
from failover.deps import Deps, default_deps
from failover.models import FailoverRequest, Source
from failover.steps.approve import handle
from failoverctl.scenarios.base import url_event

ROOT = Path(__file__).resolve().parents[2]
NAME = "api-failover-approval-security"


@dataclass
class Waiting:
    world: Any
    deps: Deps
    key: bytes
    approval_id: str
    execution_arn: str
    expires_at: int

    def token(self, decision: str = "approve", **override: Any) -> str:
        claims = {
            "approval_id": self.approval_id,
            "execution_id": self.execution_arn,
            "decision": decision,
            "expires_at": self.expires_at,
            **override,
        }
        key = override.pop("key", None) or self.key
        claims.pop("key", None)
        return sign(key, TokenClaims(**claims))

    def post(self, token: str, by: str = "mallory@example.com") -> dict[str, Any]:
        return handle(url_event("POST", body=urlencode({"token": token, "by": by})), self.deps)

    def status(self) -> str:
        sfn = self.world.clients.get("stepfunctions")
        return str(sfn.describe_execution(executionArn=self.execution_arn)["status"])

    def still_waiting(self) -> None:
        assert self.status() == "RUNNING"
        assert self.deps.store.approval(self.approval_id)["used"] is False


@pytest.fixture(scope="module")
def waiting() -> Iterator[Waiting]:
    """An execution of group ``api`` waiting for approval (lag over budget), with a long approval timeout."""
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        group = world.plan.group("api")
        world.set_side_health(group, "primary", 0.0)
        world.set_replication_lag(group, 30.0)
        request = FailoverRequest(
            request_id="sec-1", incident_id=NAME, group="api", source=Source.MANUAL, requested_by="oncall@example.com"
        )
        timing = {"confirmation_seconds": 0, "verify_interval_seconds": 0, "approval_timeout_seconds": 600}
        arn = world.clients.get("stepfunctions").start_execution(
            stateMachineArn=world.state_machine_arn,
            name=NAME,
            input=json.dumps({"request": request.to_json(), "timing": timing, "approval": None}),
        )["executionArn"]
        approval_id = _approval_requested(world)
        time.sleep(0.3)  # the state machine registers the task token after the notify function returns
        deps = default_deps()
        item = deps.store.approval(approval_id)
        secret = world.clients.get("secretsmanager").get_secret_value(
            SecretId=world.resolver.physical["ApprovalSigningSecret"]
        )["SecretString"]
        yield Waiting(world, deps, secret.encode(), approval_id, arn, int(item["expires_at"]))


def _approval_requested(world: Any, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for inv in list(world.lambdas.invocations):
            if inv.function == "NotifyFunction" and isinstance(inv.result, dict) and inv.result.get("approval_id"):
                return str(inv.result["approval_id"])
        time.sleep(0.05)
    raise AssertionError("no approval was requested")


def test_the_execution_waits_for_a_decision(waiting: Waiting) -> None:
    waiting.still_waiting()
    assert waiting.deps.store.approval(waiting.approval_id)["execution_id"] == waiting.execution_arn


def test_a_token_signed_with_another_key_is_refused(waiting: Waiting) -> None:
    response = waiting.post(waiting.token(key=b"an attacker's guess at the key"))
    assert response["statusCode"] == 403
    assert "signature is not valid" in response["body"]
    waiting.still_waiting()


def test_a_tampered_token_is_refused(waiting: Waiting) -> None:
    # Given a genuine deny link, When its claims are rewritten to approve and the signature kept
    body, signature = waiting.token("deny").split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["d"] = "approve"
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    response = waiting.post(f"{forged}.{signature}")
    # Then it is refused as forged
    assert response["statusCode"] == 403
    waiting.still_waiting()


def test_an_expired_token_is_refused(waiting: Waiting) -> None:
    response = waiting.post(waiting.token(expires_at=int(time.time()) - 1))
    assert response["statusCode"] == 410
    assert "expired" in response["body"]
    waiting.still_waiting()


def test_a_token_for_another_execution_is_refused(waiting: Waiting) -> None:
    other = waiting.execution_arn.rsplit(":", 1)[0] + ":api-failover-someone-else"
    response = waiting.post(waiting.token(execution_id=other))
    assert response["statusCode"] == 403
    assert "another execution" in response["body"]
    waiting.still_waiting()


def test_a_token_for_an_unknown_approval_is_refused(waiting: Waiting) -> None:
    response = waiting.post(waiting.token(approval_id="no-such-approval"))
    assert response["statusCode"] == 400
    waiting.still_waiting()


def test_opening_the_link_decides_nothing(waiting: Waiting) -> None:
    page = handle(url_event("GET", query={"token": waiting.token()}), waiting.deps)
    assert page["statusCode"] == 200
    assert "<form method='post'>" in page["body"]
    waiting.still_waiting()


def test_a_genuine_token_works_once_and_a_replay_is_refused(waiting: Waiting) -> None:
    # Given a genuine approve link, When it is used, Then the execution resumes
    token = waiting.token("approve")
    first = waiting.post(token, by="oncall@example.com")
    assert first["statusCode"] == 200
    item = waiting.deps.store.approval(waiting.approval_id)
    assert item["used"] is True
    assert "oncall@example.com" in item["decided_by"]
    # When the same link, or the deny link, is used again, Then both are refused and the decision stands
    for replay in (token, waiting.token("deny")):
        again = waiting.post(replay)
        assert again["statusCode"] == 409
        assert "already decided" in again["body"]
    assert waiting.deps.store.approval(waiting.approval_id)["decided_by"] == item["decided_by"]
    deadline = time.monotonic() + 60
    while waiting.status() == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert waiting.status() == "SUCCEEDED"
