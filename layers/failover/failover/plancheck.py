"""``python -m failover.plancheck [--compile DIR] FILE...``: validate plans at build time.

Exit 1 if any plan is invalid. With ``--compile DIR``, also write each valid plan's compiled form
(``<name>.compiled.json``, see ``failover.plan``) into ``DIR`` for the layer.
"""

from __future__ import annotations

import sys

from failover.errors import PlanError
from failover.plan import compile_plan, load_plan


def main(args: list[str]) -> int:
    out_dir = None
    if args[:1] == ["--compile"]:
        if len(args) < 2:
            sys.stderr.write("plancheck: --compile needs a directory\n")
            return 2
        out_dir, args = args[1], args[2:]
    if not args:
        sys.stderr.write("plancheck: no plan files given\n")
        return 2
    status = 0
    for path in args:
        try:
            plan = load_plan(path)
            compiled = compile_plan(path, out_dir) if out_dir is not None else None
        except PlanError as err:
            sys.stderr.write(f"{err.message}\n")
            status = 1
            continue
        note = (
            "; not compiled: JSON cannot hold its data, the functions read the YAML" if out_dir and not compiled else ""
        )
        sys.stdout.write(f"{path}: valid ({len(plan.groups)} group(s)){note}\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
