"""A Lambda Runtime API on 127.0.0.1 that hands out one event and records the answer.

The runtime interface client (awslambdaric) polls ``/invocation/next``, runs the handler and posts
the result to ``/response`` (or ``/error``, or ``/init/error`` when the handler cannot load).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
REQUEST_ID = "8f507cfc-example-request"


class RuntimeAPI:
    def __init__(self, event: Any, function_arn: str) -> None:
        self.event = event
        self.function_arn = function_arn
        self.answered = threading.Event()
        self.kind: str | None = None  # "response" | "error" | "init_error"
        self.body: Any = None
        self._handed_out = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    self.send_error(404)
                    return
                if api._handed_out:  # one event only: the client waits until it is stopped
                    api.answered.wait(600)
                    self.send_error(503)
                    return
                api._handed_out = True
                body = json.dumps(api.event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", REQUEST_ID)
                self.send_header("Lambda-Runtime-Deadline-Ms", "99999999999999")
                self.send_header("Lambda-Runtime-Invoked-Function-Arn", api.function_arn)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                kinds = {
                    f"{PREFIX}/invocation/{REQUEST_ID}/response": "response",
                    f"{PREFIX}/invocation/{REQUEST_ID}/error": "error",
                    f"{PREFIX}/init/error": "init_error",
                }
                kind = kinds.get(self.path)
                if kind is None:
                    self.send_error(404)
                    return
                api.kind = kind
                api.body = json.loads(data) if data else None
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                api.answered.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.address = f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> RuntimeAPI:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self.answered.set()
        self.server.shutdown()
        self.server.server_close()
