"""``failoverctl invoke FUNCTION --event FILE``: one function against the simulated AWS.

Like ``sam local invoke`` without Docker: the world is built from the plan, the function named
as in template.yaml (``TriggerFunction``, ``ValidateFunction``...; ``trigger`` works too) runs
in-process with its template environment, and its JSON result is printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from failoverctl.output import emit_json, error


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser("invoke", help="invoke one function against the simulated AWS")
    p.add_argument("function", help="logical id in template.yaml (e.g. TriggerFunction) or its short name (trigger)")
    p.add_argument("--event", required=True, metavar="FILE", help="the event (JSON file, '-' for stdin)")
    p.add_argument("--plan", default="plans/example.yaml", metavar="FILE")
    p.set_defaults(func=run)
    return p


def _read_event(path: str) -> object:
    import sys

    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    return json.loads(text)


def run(args: argparse.Namespace) -> int:
    try:
        event = _read_event(args.event)
    except OSError as err:
        error(f"cannot read {args.event}: {err.strerror}")
        return 2
    except ValueError as err:
        error(f"{args.event} is not JSON: {err}")
        return 2
    from failoverctl.sim.world import World
    from failoverctl.template import functions, load_template

    names = {f.logical_id for f in functions(load_template())}
    name = args.function
    if name not in names:
        guess = name[:1].upper() + name[1:] + "Function"
        if guess not in names:
            error(f"no function '{args.function}' in template.yaml; known: {', '.join(sorted(names))}")
            return 2
        name = guess
    with World(Path(args.plan)) as world:
        invocation = world.lambdas.invoke(name, event)
    if invocation.error is not None:
        emit_json(
            {"errorType": invocation.error.get("errorType"), "errorMessage": invocation.error.get("errorMessage")}
        )
        return 1
    emit_json(invocation.result)
    return 0
