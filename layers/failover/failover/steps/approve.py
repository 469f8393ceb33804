"""The approval callback behind the approve function's URL.

- ``GET /?token=...``: checks the signed token (not consuming it) and shows a confirmation page
  with one button. Mail scanners that open links therefore decide nothing.
- ``POST /`` with ``token`` (the confirmation form): checks the token again, checks it belongs to
  the execution that waits, marks the approval used and resumes the execution.
- ``POST /`` signed by Slack (``X-Slack-Signature``): a click on Approve or Deny; the clicker must
  be in the group's ``approvers``; the message is then updated with who decided.

Every refusal is a clear page or JSON error with its reason; the execution keeps waiting.
"""

from __future__ import annotations

import base64
import html
import json
from typing import Any
from urllib.parse import parse_qs

from failover.approval import decide, signing_key, verify_token
from failover.deps import Deps
from failover.errors import ApprovalError
from failover.observability import logger

MAX_BODY = 64 * 1024


def _page(status: int, title: str, body_html: str) -> dict[str, Any]:
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>"
        + html.escape(title)
        + "</title><meta name='viewport' content='width=device-width'>"
        "<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1.1rem;padding:.6rem 1.4rem}</style></head><body><h1>"
        + html.escape(title)
        + "</h1>"
        + body_html
        + "</body></html>"
    )
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
            "Referrer-Policy": "no-referrer",
        },
        "body": page,
    }


def _json(status: int, data: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(data)}


def _body(event: dict[str, Any]) -> str:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise ApprovalError("the request body is not text", reason="malformed")
    if event.get("isBase64Encoded"):
        try:
            raw = base64.b64decode(raw).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise ApprovalError("the request body is not valid base64 text", reason="malformed") from None
    if len(raw) > MAX_BODY:
        raise ApprovalError("the request body is too large", reason="malformed")
    return raw


def _mapping(value: Any) -> dict[str, Any]:
    """A part of the request that should be an object; anything else counts as absent."""
    return value if isinstance(value, dict) else {}


def _http(event: dict[str, Any]) -> dict[str, Any]:
    return _mapping(_mapping(event.get("requestContext")).get("http"))


def _first(values: dict[str, list[str]], key: str) -> str | None:
    items = values.get(key) or []
    return items[0] if items else None


def handle(event: Any, deps: Deps) -> dict[str, Any]:
    if not isinstance(event, dict):
        return _json(400, {"error": "malformed", "message": "expected a Lambda function URL request"})
    method = str(_http(event).get("method", "GET")).upper()
    headers = {str(k).lower(): str(v) for k, v in _mapping(event.get("headers")).items()}
    try:
        if method == "GET":
            return _confirm_page(event, deps)
        if method == "POST" and "x-slack-signature" in headers:
            return _slack(event, headers, deps)
        if method == "POST":
            return _form(event, headers, deps)
        return _json(405, {"error": "method_not_allowed", "message": f"{method} is not supported"})
    except ApprovalError as err:
        reason = str(err.details.get("reason", "rejected"))
        logger.warning("approval rejected", extra={"reason": reason, "detail": err.message})
        status = (
            403
            if reason in ("forged", "not_approver", "wrong_execution", "unsigned")
            else 409
            if reason in ("reused", "not_waiting")
            else 410
            if reason == "expired"
            else 400
        )
        if "x-slack-signature" in headers:
            return _json(
                200, {"response_type": "ephemeral", "replace_original": False, "text": f"Not accepted: {err.message}"}
            )
        return _page(
            status,
            "Approval not accepted",
            f"<p>{html.escape(err.message)}.</p>"
            "<p>The failover keeps waiting for a valid decision until its approval times out.</p>",
        )


def _confirm_page(event: dict[str, Any], deps: Deps) -> dict[str, Any]:
    token = _mapping(event.get("queryStringParameters")).get("token")
    claims = verify_token(signing_key(deps.env.approval_secret_arn, clients=deps.clients), token)
    item = deps.store.approval(claims.approval_id)
    if not item:
        raise ApprovalError("no such approval request", reason="unknown")
    if item.get("used"):
        raise ApprovalError(f"this approval was already decided by {item.get('decided_by')}", reason="reused")
    verb = "Approve" if claims.decision == "approve" else "Deny"
    return _page(
        200,
        f"{verb} the failover of {item.get('group')}?",
        f"<p>Execution <code>{html.escape(str(item.get('execution_id')))}</code> is waiting for a decision.</p>"
        "<form method='post'>"
        f"<input type='hidden' name='token' value='{html.escape(str(token), quote=True)}'>"
        "<p><label>Your name or e-mail (recorded in the incident): "
        "<input name='by' maxlength='120' required></label></p>"
        f"<button type='submit'>{verb}</button></form>",
    )


def _form(event: dict[str, Any], headers: dict[str, str], deps: Deps) -> dict[str, Any]:
    fields = parse_qs(_body(event), max_num_fields=10)
    claims = verify_token(signing_key(deps.env.approval_secret_arn, clients=deps.clients), _first(fields, "token"))
    who = (_first(fields, "by") or "").strip()[:120] or "unnamed link holder"
    source_ip = _http(event).get("sourceIp", "unknown")
    result = decide(
        deps.store,
        deps.clients,
        approval_id=claims.approval_id,
        approved=claims.decision == "approve",
        by=f"{who} (link, {source_ip})",
        via="link",
        execution_id=claims.execution_id,
    )
    word = "approved" if result["approved"] else "denied"
    return _page(
        200,
        f"Failover {word}",
        f"<p>The failover of {html.escape(str(result.get('group')))} was "
        f"{word} by {html.escape(result['by'])}. The execution resumes now.</p>",
    )


def _slack_signing_secret(deps: Deps) -> str:
    if not deps.env.slack_secret_arn:
        raise ApprovalError("Slack is not configured for this stack", reason="config")
    from aws_lambda_powertools.utilities import parameters

    raw = parameters.get_secret(deps.env.slack_secret_arn, max_age=300)
    try:
        data = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except ValueError:
        data = {}
    secret = data.get("signing_secret") if isinstance(data, dict) else None
    if not isinstance(secret, str) or not secret:
        raise ApprovalError('the Slack secret has no "signing_secret"', reason="config")
    return secret


def _slack(event: dict[str, Any], headers: dict[str, str], deps: Deps) -> dict[str, Any]:
    from failover.steps.notify.slack_interactive import respond, updated_message, verify_request

    def approvers(approval_id: str) -> list[str]:
        item = deps.store.approval(approval_id)
        if not item:
            raise ApprovalError("no such approval request", reason="unknown")
        return list(deps.plan.group(str(item.get("group"))).approvers)

    decision = verify_request(_body(event), headers, signing_secret=_slack_signing_secret(deps), approvers=approvers)
    result = decide(
        deps.store,
        deps.clients,
        approval_id=decision.approval_id,
        approved=decision.approved,
        by=decision.by,
        via="slack",
    )
    if decision.response_url:
        respond(
            decision.response_url,
            updated_message(
                decision.original_blocks, approved=decision.approved, user_id=decision.user_id, at=str(result["at"])
            ),
        )
    return _json(200, {"ok": True, "approved": result["approved"], "by": result["by"]})
