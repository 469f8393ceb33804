"""``python -m failover.plancheck FILE...``: validate plans at build time (exit 1 on the first bad one)."""

from __future__ import annotations

import sys

from failover.errors import PlanError
from failover.plan import load_plan


def main(paths: list[str]) -> int:
    if not paths:
        sys.stderr.write("plancheck: no plan files given\n")
        return 2
    status = 0
    for path in paths:
        try:
            plan = load_plan(path)
        except PlanError as err:
            sys.stderr.write(f"{err.message}\n")
            status = 1
            continue
        sys.stdout.write(f"{path}: valid ({len(plan.groups)} group(s))\n")
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
