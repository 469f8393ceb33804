"""Keeping the Slack webhook URL secret: it is a credential (whoever has it can post to the channel).

Every error text passes through ``Redactor`` before it is logged, recorded or raised, and
``LOG_GUARD`` rewrites the records of the loggers that could print it (botocore at DEBUG).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit


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
