"""Which sample events in ``events/`` are meant for which function.

``function_<name>_*.json`` are a function's own input (``notify_*`` too, for the notify function);
every other sample is an event an EventBridge rule delivers, and so the trigger's input.
"""

from __future__ import annotations

from pathlib import Path

from failoverctl.template import ROOT

EVENTS_DIR = ROOT / "events"


def function_for(event: Path, functions: list[str]) -> str:
    """The logical id of the function ``event`` is meant for (``functions``: the template's ids)."""
    name = event.stem
    for logical_id in functions:
        short = logical_id.removesuffix("Function").lower()
        if name.startswith(f"function_{short}_") or name.startswith(f"{short}_"):
            return logical_id
    return "TriggerFunction"


def events_by_function(functions: list[str], events_dir: Path = EVENTS_DIR) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {f: [] for f in functions}
    for event in sorted(events_dir.glob("*.json")):
        out[function_for(event, functions)].append(event)
    return out
