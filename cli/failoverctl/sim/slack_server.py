"""A local Slack incoming webhook for drills and tests: a real HTTP server on 127.0.0.1.

It records every JSON payload POSTed to it and answers like Slack does: ``200 ok``, ``400`` for a
payload Slack would refuse (no text or blocks, more than 50 blocks), ``404 no_service`` for an
unknown path. A programmable failure mode answers the next requests with errors first, e.g. the
``slack-down`` drill: ``500`` twice, then ``429`` with ``Retry-After: 1``, then ``200``::

    with SlackServer() as slack:
        slack.program(500, 500, (429, 1))
        ...post to slack.url...
        slack.received        # the payloads that were accepted
        slack.requests        # every attempt with the status it got
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

WEBHOOK_PATH = "/services/T0DRILL00/B0DRILL00/drillwebhooktoken0000000"
RESPONSE_PATH = "/actions/T0DRILL00/0000000000/drillresponsetoken00000"
MAX_BLOCKS = 50
MAX_BODY = 1024 * 1024

_BODIES = {200: "ok", 400: "invalid_payload", 404: "no_service", 429: "rate_limited", 500: "internal_error"}


@dataclass
class Reply:
    """One programmed answer: a status and, for 429, the Retry-After seconds."""

    status: int
    retry_after: int | None = None
    body: str | None = None


@dataclass
class Received:
    """One request the server answered."""

    path: str
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


class SlackServer:
    """The local webhook. Use it as a context manager; ``url`` is where to post."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Lock()
        self._script: deque[Reply] = deque()
        self._down: Reply | None = None
        self.requests: list[Received] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackServer:
        if self._server is not None:
            return self
        self._server = ThreadingHTTPServer((self._host, self._port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Slack server is not running: use it as a context manager or call start()")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The incoming webhook URL (what the Slack secret holds)."""
        return self.base_url + WEBHOOK_PATH

    @property
    def response_url(self) -> str:
        """A ``response_url`` as Slack puts in interaction payloads."""
        return self.base_url + RESPONSE_PATH

    # ------------------------------------------------------------------ failure modes

    def program(self, *replies: int | tuple[int, int] | Reply) -> None:
        """Answer the next requests with these, in order, then normally: ``500``, ``(429, 1)``, ``Reply``."""
        with self._lock:
            for reply in replies:
                if isinstance(reply, Reply):
                    self._script.append(reply)
                elif isinstance(reply, tuple):
                    self._script.append(Reply(reply[0], retry_after=reply[1]))
                else:
                    self._script.append(Reply(int(reply)))

    def slack_down(self, errors: int = 2, retry_after: int = 1) -> None:
        """The ``slack-down`` drill: ``errors`` times 500, then 429 with Retry-After, then 200."""
        self.program(*([500] * errors), (429, retry_after))

    def down(self, status: int = 500) -> None:
        """Answer every request with ``status`` until ``recover()``."""
        with self._lock:
            self._down = Reply(status)

    def recover(self) -> None:
        with self._lock:
            self._down = None
            self._script.clear()

    def reset(self) -> None:
        with self._lock:
            self._down = None
            self._script.clear()
            self.requests.clear()

    # ------------------------------------------------------------------ what arrived

    @property
    def received(self) -> list[Any]:
        """The payloads Slack would have shown (answered 200), in order."""
        with self._lock:
            return [r.payload for r in self.requests if r.status == 200]

    @property
    def attempts(self) -> int:
        with self._lock:
            return len(self.requests)

    def texts(self) -> list[str]:
        return [str(p.get("text", "")) for p in self.received if isinstance(p, dict)]

    # ------------------------------------------------------------------ answering

    def _answer(self, path: str, raw: bytes, headers: dict[str, str]) -> Reply:
        with self._lock:
            if self._down is not None:
                reply = self._down
            elif self._script:
                reply = self._script.popleft()
            else:
                reply = Reply(200)
        payload: Any
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else None
        except (UnicodeDecodeError, ValueError):
            payload = None
            reply = Reply(400, body="invalid_payload") if reply.status == 200 else reply
        if reply.status == 200:
            reply = self._validate(path, payload) or reply
        with self._lock:
            self.requests.append(Received(path=path, status=reply.status, payload=payload, headers=headers))
        return reply

    @staticmethod
    def _validate(path: str, payload: Any) -> Reply | None:
        if not (path.startswith(("/services/", "/actions/"))):
            return Reply(404, body="no_service")
        if not isinstance(payload, dict):
            return Reply(400, body="invalid_payload")
        if not payload.get("text") and not payload.get("blocks") and not payload.get("delete_original"):
            return Reply(400, body="no_text")
        blocks = payload.get("blocks")
        if blocks is not None and (not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS):
            return Reply(400, body="invalid_blocks")
        return None


def _handler_for(server: SlackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(min(length, MAX_BODY)) if length > 0 else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() in {"content-type", "user-agent"}}
            reply = server._answer(self.path, raw, headers)
            body = (reply.body or _BODIES.get(reply.status, "error")).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if reply.retry_after is not None:
                self.send_header("Retry-After", str(reply.retry_after))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
