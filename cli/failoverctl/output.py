"""Printing for the command line: human text or one JSON document, and errors without tracebacks."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO


def emit_json(data: Any, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def error(message: str, *, as_json: bool = False, code: str = "error", **details: Any) -> None:
    """Report a problem the user must act on: JSON on stdout with ``--json``, text on stderr otherwise."""
    if as_json:
        emit_json({"error": code, "message": message, **details})
    else:
        sys.stderr.write(f"failoverctl: {message}\n")
