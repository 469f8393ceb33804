"""Slack: Block Kit messages for every phase, and delivery through an incoming webhook.

Messages are built with ``slack_sdk.models.blocks`` (each block validates itself on ``to_dict()``)
and kept inside Slack's limits: long content is cut with a marker, never rejected.

The webhook URL is a credential: whoever has it can post to the channel. It is read from Secrets
Manager (cached), given to ``WebhookClient`` only, and never logged, recorded or raised: every
error text passes through ``Redactor`` first, and the SDK's own logger is silenced because it
writes the URL at INFO level when it retries.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError
from urllib.parse import urlsplit

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.webhook import WebhookClient

from failover.errors import ConfigError
from failover.infra.clients import Clients
from failover.steps.notify.messages import (
    ActionLine,
    ApprovalLinks,
    CheckLine,
    Incident,
    approval_line,
    clip,
    deadline,
    failed_first,
    one_line,
    verification_line,
)

# Slack's limits (Block Kit reference): blocks per message, characters per text.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_FALLBACK_TEXT = 3000

# How much of each list a message shows before "... and N more".
MAX_LIST_LINES = 40
MAX_LIST_SECTIONS = 3
MAX_LINE = 500

APPROVAL_BLOCK_ID = "approval"
APPROVAL_INTRO_BLOCK_ID = "approval_intro"
APPROVAL_LINKS_BLOCK_ID = "approval_links"
APPROVAL_BLOCK_IDS = (APPROVAL_INTRO_BLOCK_ID, APPROVAL_BLOCK_ID, APPROVAL_LINKS_BLOCK_ID)
APPROVE_ACTION_ID = "approve"
DENY_ACTION_ID = "deny"

EMOJI = {
    "started": ":arrows_counterclockwise:",
    "approval": ":raised_hand:",
    "succeeded": ":white_check_mark:",
    "failed": ":rotating_light:",
    "denied": ":x:",
    "recovered": ":green_heart:",
}
STATUS_MARK = {
    "changed": ":white_check_mark:",
    "unchanged": ":heavy_minus_sign:",
    "dry_run": ":test_tube:",
    "failed": ":x:",
}


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives a meaning (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def _emoji(incident: Incident) -> str:
    if incident.phase == "skipped":
        return ":information_source:" if incident.skip_kind == "noop" else ":no_entry:"
    return EMOJI.get(incident.phase, ":bell:")


def _check_text(check: CheckLine) -> str:
    mark = ":white_check_mark:" if check.ok else (":x:" if check.blocking else ":warning:")
    detail = f" - {esc(one_line(check.detail))}" if check.detail else ""
    return clip(f"{mark} *{esc(clip(check.name, 100))}*{detail}", MAX_LINE)


def _action_text(action: ActionLine) -> str:
    mark = STATUS_MARK.get(action.status, ":grey_question:")
    stage = f"{esc(clip(action.stage, 64))} / " if action.stage else ""
    target = f" on `{esc(clip(action.target, 150))}`" if action.target else ""
    detail = f" - {esc(one_line(action.detail))}" if action.detail else ""
    error = f" _error: {esc(one_line(action.error))}_" if action.error else ""
    return clip(f"{mark} {stage}*{esc(clip(action.name, 100))}* `{action.status}`{target}{detail}{error}", MAX_LINE)


def list_sections(
    title: str,
    lines: Sequence[str],
    noun: str,
    *,
    max_lines: int = MAX_LIST_LINES,
    max_sections: int = MAX_LIST_SECTIONS,
) -> list[SectionBlock]:
    """``lines`` under ``title`` in at most ``max_sections`` sections, the rest counted in a marker."""
    room = MAX_SECTION_TEXT - 120  # keep space for the marker line
    texts: list[str] = []
    current = title
    shown = 0
    for raw in lines[:max_lines]:
        line = clip(raw, MAX_LINE)
        if len(current) + 1 + len(line) > room:
            if len(texts) + 1 >= max_sections:
                break
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
        shown += 1
    hidden = len(lines) - shown
    if hidden:
        current += f"\n_… and {hidden:,} more {noun} (truncated): see the execution output_"
    texts.append(current)
    return [_section(t) for t in texts if t]


def build_message(incident: Incident, approval: ApprovalLinks | None = None) -> dict[str, Any]:
    """The webhook payload for ``incident``: ``text`` (fallback) and validated ``blocks``."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"{_emoji(incident)} {incident.headline}", MAX_HEADER_TEXT))),
    ]
    summary = esc(incident.summary)
    if incident.mention:
        summary = f"{incident.mention} {summary}"
    if incident.dry_run:
        summary = f":test_tube: *DRY RUN*: nothing is changed.\n{summary}"
    blocks.append(_section(summary))
    blocks.append(SectionBlock(fields=_fields(incident)))
    if incident.trigger.reason:
        blocks.append(_section(f"*Trigger reason*\n>{esc(one_line(incident.trigger.reason))}"))

    if incident.decision_outcome or incident.checks:
        passed = sum(c.ok for c in incident.checks)
        title = f"*Decision:* `{esc(incident.decision_outcome or '?')}`"
        if incident.decision_reason:
            title += f" - {esc(clip(one_line(incident.decision_reason), 1000))}"
        if incident.checks:
            title += f"\n*Checks* ({passed}/{len(incident.checks)} passed)"
        blocks += list_sections(title, [_check_text(c) for c in failed_first(incident.checks)], "checks")
    if incident.actions:
        actions = incident.actions
        if len(actions) > MAX_LIST_LINES:  # show the failures first when not all fit
            actions = sorted(actions, key=lambda a: a.status != "failed")
        blocks += list_sections(f"*Actions* ({len(incident.actions)})", [_action_text(a) for a in actions], "actions")
    if incident.verification:
        v = incident.verification
        lines = [_check_text(c) for c in failed_first(v.checks)]
        blocks += list_sections(f"*Verification:* {verification_line(v)}", lines, "checks", max_sections=2)
    if incident.approval and (incident.approval.by or incident.approval.timed_out):
        blocks.append(_section(f"*Approval:* {esc(approval_line(incident.approval))}"))
    if incident.error:
        cause = clip(esc(incident.error.cause), MAX_SECTION_TEXT - 200).replace("```", "'''")
        blocks.append(_section(f"*Error:* `{esc(clip(incident.error.error, 100))}`\n```{cause}```"))
    if incident.next_steps:
        blocks.append(_section("*What to do next*\n" + "\n".join(f"• {esc(s)}" for s in incident.next_steps)))
    if incident.phase == "approval" and approval is not None:
        blocks += _approval_blocks(incident, approval)
    context = _context(incident)
    if context is not None:
        blocks.append(DividerBlock())
        blocks.append(context)
    payload_blocks = fit_blocks([b.to_dict() for b in blocks])
    return {"text": fallback_text(incident), "blocks": payload_blocks, "unfurl_links": False, "unfurl_media": False}


def fallback_text(incident: Incident) -> str:
    """The plain ``text`` Slack shows in notifications and where blocks cannot be shown."""
    text = f"{incident.headline}: {esc(incident.summary)}"
    if incident.next_steps:
        text += f" Next: {esc(incident.next_steps[0])}"
    if incident.mention:
        text = f"{incident.mention} {text}"
    return clip(text, MAX_FALLBACK_TEXT)


def _fields(incident: Incident) -> list[MarkdownTextObject]:
    values = [
        ("Status", f"{incident.status} ({incident.severity})"),
        ("Group", incident.group),
        ("Direction", f"{incident.direction} {incident.route}".strip()),
        ("Trigger", incident.trigger_text),
        ("Elapsed", incident.elapsed_text),
    ]
    if incident.dry_run:
        values.append(("Mode", "DRY RUN"))
    return [mrkdwn(f"*{name}*\n{esc(value)}", MAX_FIELD_TEXT) for name, value in values[:MAX_FIELDS]]


def _approval_blocks(incident: Incident, approval: ApprovalLinks) -> list[Block]:
    blocks: list[Block] = []
    answer_by = approval.expires_at or deadline(incident.approval.timeout_seconds if incident.approval else None)
    intro = "*Approve or deny this failover.*"
    if answer_by:
        intro += f" Answer before {esc(answer_by)}."
    blocks.append(SectionBlock(block_id=APPROVAL_INTRO_BLOCK_ID, text=mrkdwn(intro)))
    value = clip(approval.approval_id, MAX_BUTTON_VALUE, marker="")
    blocks.append(
        ActionsBlock(
            block_id=APPROVAL_BLOCK_ID,
            elements=[
                ButtonElement(
                    text=PlainTextObject(text="Approve"),
                    action_id=APPROVE_ACTION_ID,
                    value=value,
                    style="primary",
                    confirm=ConfirmObject(
                        title="Approve the failover?",
                        text=clip(f"{incident.group}: {incident.direction} {incident.route}", 300),
                        confirm="Approve",
                        deny="Cancel",
                    ),
                ),
                ButtonElement(text=PlainTextObject(text="Deny"), action_id=DENY_ACTION_ID, value=value, style="danger"),
            ],
        )
    )
    links = [(label, url) for label, url in (("approve", approval.approve_url), ("deny", approval.deny_url)) if url]
    links = [(label, url) for label, url in links if len(url) <= MAX_CONTEXT_TEXT // 2 - 20]
    if links:
        text = "Or open a signed link: " + " · ".join(f"<{url}|{label}>" for label, url in links)
        blocks.append(ContextBlock(block_id=APPROVAL_LINKS_BLOCK_ID, elements=[mrkdwn(text, MAX_CONTEXT_TEXT)]))
    return blocks


def _context(incident: Incident) -> ContextBlock | None:
    elements: list[MarkdownTextObject] = []
    for link in incident.links:
        if len(link.url) <= MAX_CONTEXT_TEXT - 100 and not any(c in link.url for c in "<>|"):
            elements.append(mrkdwn(f"<{link.url}|{esc(link.label)}>", MAX_CONTEXT_TEXT))
    ids = []
    if incident.incident_id:
        ids.append(f"incident `{esc(clip(incident.incident_id, 200))}`")
    if incident.execution_id:
        ids.append(f"execution `{esc(clip(incident.execution_id.rsplit(':', 1)[-1], 200))}`")
    ids.append(f"at {incident.generated_at}")
    elements.append(mrkdwn(" · ".join(ids), MAX_CONTEXT_TEXT))
    return ContextBlock(elements=elements[:MAX_CONTEXT_ELEMENTS]) if elements else None


def fit_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most ``MAX_BLOCKS`` blocks: drop from the middle, keep the approval buttons and the end."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail_start = next((i for i, b in enumerate(blocks) if b.get("block_id") in APPROVAL_BLOCK_IDS), len(blocks) - 2)
    tail = blocks[tail_start:]
    head = blocks[: MAX_BLOCKS - len(tail) - 1]
    marker = SectionBlock(text=mrkdwn(f"_… {len(blocks) - len(head) - len(tail)} more blocks (truncated)_")).to_dict()
    return [*head, marker, *tail][:MAX_BLOCKS]


def render_terminal(message: dict[str, Any]) -> str:
    """A readable rendering of a Block Kit payload for a terminal (``failoverctl notify preview``)."""
    out: list[str] = []
    for block in message.get("blocks", []):
        kind = block.get("type")
        if kind == "header":
            title = block["text"]["text"]
            out += [title, "-" * min(len(title), 72)]
        elif kind == "section":
            if block.get("text"):
                out.append(block["text"]["text"])
            for f in block.get("fields", []):
                out.append("  " + f["text"].replace("\n", ": ", 1))
        elif kind == "context":
            out.append("  " + "  ".join(e.get("text", "") for e in block.get("elements", [])))
        elif kind == "actions":
            out.append("  " + "  ".join(f"[ {e['text']['text']} ]" for e in block.get("elements", [])))
        elif kind == "divider":
            out.append("")
    return "\n".join(out).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# ---------------------------------------------------------------------- delivery


class Redactor:
    """Removes a secret URL (and the parts that identify it) from any text."""

    def __init__(self, *secrets: str | None) -> None:
        parts: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            parts.add(secret)
            split = urlsplit(secret)
            if split.netloc:
                parts.add(f"{split.netloc}{split.path}")
            if len(split.path) > 1:
                parts.add(split.path)
            parts.update(seg for seg in split.path.split("/") if len(seg) >= 8 and seg != "services")
            if split.query:
                parts.add(split.query)
        self._parts = sorted(parts, key=len, reverse=True)

    def __call__(self, text: object) -> str:
        out = str(text)
        for part in self._parts:
            out = out.replace(part, "[redacted]")
        return out


@dataclass
class RetryPolicy:
    """How hard to try: retries shared by every error kind, a cap on Retry-After, a sleep budget."""

    max_retries: int = 3
    retry_after_cap_seconds: float = 5.0
    budget_seconds: float = 15.0
    timeout_seconds: int = 5
    sleep: Callable[[float], None] = time.sleep
    slept: float = field(default=0.0, init=False)
    retries: int = field(default=0, init=False)

    def wait(self, seconds: float) -> None:
        seconds = max(0.0, min(seconds, self.budget_seconds - self.slept))
        self.slept += seconds
        self.retries += 1
        self.sleep(seconds)

    def has_budget(self) -> bool:
        return self.slept < self.budget_seconds


class _PolicyMixin(RetryHandler):
    policy: RetryPolicy

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return self.policy.has_budget() and super().can_retry(
            state=state, request=request, response=response, error=error
        )

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.policy.wait(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ConnectionRetry(_PolicyMixin, ConnectionErrorRetryHandler):
    """Connection refused, reset or timed out: back off and try again."""

    def __init__(self, policy: RetryPolicy) -> None:
        ConnectionErrorRetryHandler.__init__(
            self,
            max_retry_count=policy.max_retries,
            interval_calculator=BackoffRetryIntervalCalculator(0.5),
            error_types=[URLError, ConnectionError, RemoteDisconnected, TimeoutError],
        )
        self.policy = policy


class ServerErrorRetry(_PolicyMixin):
    """Slack answered 5xx: back off and try again."""

    def __init__(self, policy: RetryPolicy) -> None:
        super().__init__(max_retry_count=policy.max_retries, interval_calculator=BackoffRetryIntervalCalculator(0.5))
        self.policy = policy

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code < 600


class RateLimitRetry(_PolicyMixin, RateLimitErrorRetryHandler):
    """Slack answered 429: wait what Retry-After says (capped), then try again."""

    def __init__(self, policy: RetryPolicy) -> None:
        RateLimitErrorRetryHandler.__init__(self, max_retry_count=policy.max_retries)
        self.policy = policy

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = 1.0
        for name, values in (response.headers if response is not None else {}).items():
            if name.lower() == "retry-after" and values:
                try:
                    wait = float(values[0])
                except (TypeError, ValueError):
                    wait = 1.0
        self.policy.wait(min(max(wait, 0.0), self.policy.retry_after_cap_seconds))
        state.increment_current_attempt()


def _silent_logger() -> logging.Logger:
    """A logger nobody listens to, for the SDK (it logs the URL when it retries)."""
    quiet = logging.getLogger("failover.steps.notify.silenced_slack_sdk")
    quiet.setLevel(logging.CRITICAL + 10)
    quiet.propagate = False
    quiet.disabled = True
    return quiet


@dataclass
class SendResult:
    ok: bool
    status: int | None
    attempts: int
    detail: str


class SlackWebhook:
    """Posts to one webhook (or an interaction's ``response_url``) with bounded retries."""

    def __init__(self, url: str, policy: RetryPolicy | None = None) -> None:
        self._url = url
        self._redact = Redactor(url)
        self.policy = policy or RetryPolicy()

    def __repr__(self) -> str:
        return "SlackWebhook(url=[redacted])"

    def send(self, payload: dict[str, Any]) -> SendResult:
        policy = RetryPolicy(
            max_retries=self.policy.max_retries,
            retry_after_cap_seconds=self.policy.retry_after_cap_seconds,
            budget_seconds=self.policy.budget_seconds,
            timeout_seconds=self.policy.timeout_seconds,
            sleep=self.policy.sleep,
        )
        client = WebhookClient(
            self._url,
            timeout=policy.timeout_seconds,
            logger=_silent_logger(),
            retry_handlers=[ConnectionRetry(policy), RateLimitRetry(policy), ServerErrorRetry(policy)],
        )
        try:
            response = client.send_dict(payload)
        except Exception as err:  # any transport error becomes a record
            reason = getattr(err, "reason", None) or err
            detail = self._redact(f"{type(err).__name__}: {reason}")
            return SendResult(False, None, policy.retries + 1, clip(detail, 500))
        ok = response.status_code == 200
        body = self._redact(one_line(response.body or ""))
        detail = "posted" if ok else f"HTTP {response.status_code}: {clip(body, 200) or 'no body'}"
        return SendResult(ok, response.status_code, policy.retries + 1, detail)


# ---------------------------------------------------------------------- the webhook URL

_PROVIDERS: weakref.WeakKeyDictionary[Clients, Any] = weakref.WeakKeyDictionary()
SECRET_MAX_AGE_SECONDS = 300


def _secrets_provider(clients: Clients, region: str | None) -> Any:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    providers = _PROVIDERS.setdefault(clients, {})
    if region not in providers:
        providers[region] = SecretsProvider(boto3_client=clients.get("secretsmanager", region))
    return providers[region]


def parse_webhook_secret(value: str | bytes | dict[str, Any]) -> str:
    """The URL from a secret: a JSON object ``{"url": "..."}`` or the URL as plain text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError("the Slack webhook secret is not valid JSON") from None
    if isinstance(value, dict):
        url = value.get("url") or value.get("webhook_url")
        if not isinstance(url, str):
            raise ConfigError('the Slack webhook secret has no "url" key')
        value = url
    url = str(value).strip()
    split = urlsplit(url)
    loopback = split.scheme == "http" and split.hostname in {"127.0.0.1", "localhost", "::1"}
    if not (split.scheme == "https" or loopback) or not split.netloc:
        raise ConfigError("the Slack webhook secret does not hold an https URL")
    return url


class RedactingFilter(logging.Filter):
    """Rewrites log records that contain a protected secret, whoever logs them.

    botocore writes every response body at DEBUG (``botocore.parsers``), the Secrets Manager answer
    included; anyone who turns DEBUG on would otherwise see the webhook URL in the logs.
    """

    LOGGERS = ("botocore.parsers", "botocore.endpoint", "botocore.httpchecksum", "urllib3.connectionpool")

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._redact = Redactor()
        self._installed = False
        self._local = threading.local()

    def install(self) -> None:
        if not self._installed:
            for name in self.LOGGERS:
                logging.getLogger(name).addFilter(self)
            self._installed = True

    def protect(self, secret: str) -> None:
        self.install()
        if secret not in self._secrets:
            self._secrets.add(secret)
            self._redact = Redactor(*self._secrets)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """While a secret is read (its value not yet known), drop these loggers' records in this thread."""
        self.install()
        self._local.reading = True
        try:
            yield
        finally:
            self._local.reading = False

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(self._local, "reading", False):
            return False
        if not self._secrets:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = self._redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


LOG_GUARD = RedactingFilter()


def webhook_url(secret_arn: str, *, clients: Clients, max_age: int = SECRET_MAX_AGE_SECONDS) -> str:
    """The webhook URL from Secrets Manager, cached ``max_age`` seconds per warm environment."""
    parts = secret_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[0] == "arn" else None
    with LOG_GUARD.reading():
        raw = _secrets_provider(clients, region).get(secret_arn, max_age=max_age)
    url = parse_webhook_secret(raw)
    LOG_GUARD.protect(url)
    return url
