"""YAML with a comment on any value: the draft plan says where each guess came from, next to the guess.

Build the document from dicts, lists and scalars; wrap a value in ``Note(value, "why")`` to put
``# why`` after it (after the key, for a mapping or a list). Scalars are written in JSON's quoting,
which YAML reads as is, so no value changes meaning on the way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    value: Any
    comment: str


def _unwrap(value: Any) -> tuple[Any, str]:
    if isinstance(value, Note):
        return value.value, value.comment
    return value, ""


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    return json.dumps(str(value))


def _tail(comment: str) -> str:
    return f"  # {comment}" if comment else ""


def _is_block(value: Any) -> bool:
    return isinstance(value, dict | list) and bool(value)


def _lines(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(value, dict):
        for key, raw in value.items():
            item, comment = _unwrap(raw)
            if _is_block(item):
                out.append(f"{pad}{key}:{_tail(comment)}")
                out.extend(_lines(item, indent + 2))
            else:
                empty = "{}" if isinstance(item, dict) else "[]" if isinstance(item, list) else _scalar(item)
                out.append(f"{pad}{key}: {empty}{_tail(comment)}")
        return out
    for raw in value:
        item, comment = _unwrap(raw)
        if isinstance(item, dict) and item:
            inner = _lines(item, indent + 2)
            first = inner[0][indent + 2 :]
            out.append(f"{pad}- {first}{_tail(comment) if '#' not in first else ''}")
            out.extend(inner[1:])
        elif _is_block(item):
            out.append(f"{pad}-{_tail(comment)}")
            out.extend(_lines(item, indent + 2))
        else:
            out.append(f"{pad}- {_scalar(item)}{_tail(comment)}")
    return out


def render(document: dict[str, Any], header: list[str]) -> str:
    lines = [f"# {h}" if h else "#" for h in header]
    return "\n".join([*lines, *_lines(document, 0)]) + "\n"
