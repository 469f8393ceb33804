"""``failoverctl``: drills on the simulated AWS, plan checks, and operations on a deployed stack."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module

from failoverctl import __version__
from failoverctl.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="failoverctl",
        description="Event-driven failover automation for AWS: drills, plan checks and operations.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        sys.stderr.write("failoverctl: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:
        if os.environ.get("FAILOVERCTL_DEBUG"):
            raise
        sys.stderr.write(
            f"failoverctl: internal error: {type(err).__name__}: {err}\n"
            "  (set FAILOVERCTL_DEBUG=1 to see the traceback, and please report it)\n"
        )
        return 70


if __name__ == "__main__":
    raise SystemExit(main())
