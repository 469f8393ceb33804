"""Delivery to a Slack incoming webhook with bounded retries (connection errors, 5xx, 429 with Retry-After).

The URL is given to ``WebhookClient`` only; the SDK's own logger is silenced because it writes
the URL at INFO level when it retries, and every error text passes through ``Redactor``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import RemoteDisconnected
from typing import Any
from urllib.error import URLError

from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from failover.steps.notify.messages import clip, one_line
from failover.steps.notify.redact import Redactor


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
    """Retries within the policy's shared budget; each waits as ``_wait_seconds`` says."""

    policy: RetryPolicy

    def can_retry(self, **attempt: Any) -> bool:
        return self.policy.has_budget() and super().can_retry(**attempt)

    def prepare_for_next_attempt(self, *, state: RetryState, response: HttpResponse | None = None, **_: Any) -> None:
        state.next_attempt_requested = True
        self.policy.wait(self._wait_seconds(state, response))
        state.increment_current_attempt()

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        """Back off: the interval calculator's wait for this attempt."""
        return self.interval_calculator.calculate_sleep_duration(state.current_attempt)


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

    def _can_retry(self, *, response: HttpResponse | None = None, **_: Any) -> bool:
        return response is not None and 500 <= response.status_code < 600


class RateLimitRetry(_PolicyMixin, RateLimitErrorRetryHandler):
    """Slack answered 429: wait what Retry-After says (capped), then try again."""

    def __init__(self, policy: RetryPolicy) -> None:
        RateLimitErrorRetryHandler.__init__(self, max_retry_count=policy.max_retries)
        self.policy = policy

    def _wait_seconds(self, state: RetryState, response: HttpResponse | None) -> float:
        """What Retry-After says (1 s when it says nothing usable), capped by the policy."""
        wait = 1.0
        for name, values in (response.headers if response is not None else {}).items():
            if name.lower() == "retry-after" and values:
                try:
                    wait = float(values[0])
                except (TypeError, ValueError):
                    wait = 1.0
        return min(max(wait, 0.0), self.policy.retry_after_cap_seconds)


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
