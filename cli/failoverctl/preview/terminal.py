"""A readable rendering of a Slack Block Kit payload for a terminal (``failoverctl notify preview``)."""

from __future__ import annotations

from typing import Any


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
