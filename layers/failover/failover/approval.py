"""Manual approval: signed, expiring, single-use links that resume a waiting execution.

The state machine waits in ``Request Approval`` with ``.waitForTaskToken``. The notify function
stores the task token under an approval id and sends Approve and Deny links; each link carries a
token ``<claims>.<signature>``: the claims (approval id, execution, decision, expiry) in base64url
JSON, signed with HMAC-SHA256 under a key from Secrets Manager. The approve function checks the
signature and expiry, checks that the token belongs to the execution that waits, marks the
approval used (a conditional write, so a link works once) and resumes the execution with who
decided and when. A rejected token leaves the execution waiting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from botocore.exceptions import ClientError

from failover.errors import ApprovalError, LockError
from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.models import iso

MAX_TOKEN_LENGTH = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class TokenClaims:
    approval_id: str
    execution_id: str
    decision: str  # "approve" | "deny"
    expires_at: int


def sign(key: bytes, claims: TokenClaims) -> str:
    body = _b64(
        json.dumps(
            {"a": claims.approval_id, "e": claims.execution_id, "d": claims.decision, "x": claims.expires_at},
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
    )
    signature = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


def verify_token(key: bytes, token: Any, now: float | None = None) -> TokenClaims:
    """The token's claims, or ``ApprovalError`` saying why it is refused (forged, expired, malformed)."""
    if (
        not isinstance(token, str)
        or not token
        or len(token) > MAX_TOKEN_LENGTH
        or not token.isascii()  # base64url; compare_digest refuses non-ASCII text
        or token.count(".") != 1
    ):
        raise ApprovalError("the approval token is malformed", reason="malformed")
    body, signature = token.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        raise ApprovalError("the approval token's signature is not valid", reason="forged")
    try:
        data = json.loads(_unb64(body))
        claims = TokenClaims(str(data["a"]), str(data["e"]), str(data["d"]), int(data["x"]))
    except (ValueError, KeyError, TypeError):
        raise ApprovalError("the approval token is malformed", reason="malformed") from None
    if claims.decision not in ("approve", "deny"):
        raise ApprovalError("the approval token names no decision", reason="malformed")
    if claims.expires_at < (now if now is not None else time.time()):
        raise ApprovalError("the approval token has expired", reason="expired")
    return claims


@dataclass(frozen=True)
class ApprovalRequest:
    approval_id: str
    approve_url: str | None
    deny_url: str | None
    expires_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "approval_id": self.approval_id,
            "approve_url": self.approve_url,
            "deny_url": self.deny_url,
            "expires_at": self.expires_at,
        }


def create_approval(
    store: Store,
    key: bytes,
    *,
    task_token: str,
    execution_id: str,
    group: str,
    timeout_seconds: int,
    base_url: str | None,
) -> ApprovalRequest:
    """Store the task token and make the signed Approve and Deny links."""
    # 128 random bits as hex: an id a person pastes into `failoverctl approve|deny` never starts with
    # "-" (which a command line reads as an option) and survives any URL or Slack formatting
    approval_id = secrets.token_hex(16)
    expires_at = int(time.time()) + int(timeout_seconds)
    store.put_approval(approval_id, task_token, execution_id, group, expires_at)

    def link(decision: str) -> str | None:
        if not base_url:
            return None
        token = sign(key, TokenClaims(approval_id, execution_id, decision, expires_at))
        return f"{base_url.rstrip('/')}/?{urlencode({'token': token})}"

    return ApprovalRequest(approval_id, link("approve"), link("deny"), expires_at)


def decide(
    store: Store,
    clients: Clients,
    *,
    approval_id: str,
    approved: bool,
    by: str,
    via: str,
    execution_id: str | None = None,
) -> dict[str, Any]:
    """Resume the waiting execution with the decision; refuse unknown, foreign, expired or used approvals."""
    item = store.approval(approval_id)
    if not item:
        raise ApprovalError("no such approval request", reason="unknown", approval_id=approval_id)
    if execution_id is not None and item.get("execution_id") != execution_id:
        raise ApprovalError("the token belongs to another execution", reason="wrong_execution")
    if int(item.get("expires_at", 0)) < time.time():
        raise ApprovalError("the approval request has expired", reason="expired")
    try:
        store.use_approval(approval_id, by, approved)
    except LockError:
        raise ApprovalError(
            f"this approval was already decided by {item.get('decided_by') or 'someone'}", reason="reused"
        ) from None
    output = {"approved": approved, "by": by, "at": iso(), "via": via, "approval_id": approval_id}
    try:
        clients.get("stepfunctions").send_task_success(taskToken=item["task_token"], output=json.dumps(output))
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
            raise ApprovalError("the execution is no longer waiting for this approval", reason="not_waiting") from None
        raise
    store.add_event(
        str(item.get("execution_id", "")).rsplit(":", 1)[-1],
        "approval",
        f"{'approved' if approved else 'denied'} by {by} via {via}",
        approval_id=approval_id,
    )
    return {**output, "execution_id": item.get("execution_id"), "group": item.get("group")}


def signing_key(secret_arn: str | None, max_age: int = 300, clients: Clients | None = None) -> bytes:
    """The HMAC key from Secrets Manager (cached by Powertools parameters).

    Fetched with ``clients``' Secrets Manager client when given (the function's one session), else
    with the client Powertools makes for itself.
    """
    if not secret_arn:
        raise ApprovalError("no approval signing key is configured (APPROVAL_SECRET_ARN)", reason="config")
    from aws_lambda_powertools.utilities import parameters

    if clients is None:
        value = parameters.get_secret(secret_arn, max_age=max_age)
    else:
        value = _secrets_provider(clients).get(secret_arn, max_age=max_age)
    if isinstance(value, bytes):
        return value
    return str(value).encode()


_PROVIDERS: dict[int, Any] = {}


def forget_cached_secrets() -> None:
    """Drop every cached signing key, as a fresh container starts (drills and benchmarks)."""
    from aws_lambda_powertools.utilities import parameters

    _PROVIDERS.clear()
    parameters.clear_caches()


def _secrets_provider(clients: Clients) -> Any:
    """One Powertools secrets provider (and its cache) per ``Clients``, on that session's client."""
    from aws_lambda_powertools.utilities import parameters

    provider = _PROVIDERS.get(id(clients))
    if provider is None or provider.client is not clients.get("secretsmanager"):
        provider = parameters.SecretsProvider(boto3_client=clients.get("secretsmanager"))
        _PROVIDERS[id(clients)] = provider
    return provider
