"""``failoverctl plan check|params FILE``: validate a plan; print the template parameters it implies."""

from __future__ import annotations

import argparse

from failover.errors import PlanError
from failover.plan import Plan, load_plan
from failoverctl.commands import plan_lint
from failoverctl.output import emit_json, error


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    plan = subparsers.add_parser("plan", help="check, lint and estimate failover plans")
    sub = plan.add_subparsers(dest="plan_command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="validate a plan file; exit 1 naming every bad field")
    check.add_argument("file")
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.set_defaults(func=run_check)
    rto = sub.add_parser("rto", help="estimate each group's worst-case recovery time and what would cut it most")
    rto.add_argument("file")
    rto.add_argument("--group", help="one group (default: all)")
    rto.add_argument("--json", action="store_true", help="print one JSON object")
    rto.set_defaults(func=run_rto)
    lint = sub.add_parser(
        "lint", help="list control-plane calls and dependencies on us-east-1 or the region being left; exit 1 on errors"
    )
    plan_lint.add_arguments(lint)
    lint.set_defaults(func=plan_lint.run_lint)
    params = sub.add_parser("params", help="print the template parameters the plan implies (rules and IAM scope)")
    params.add_argument("file")
    params.add_argument("--account", default="*", help="account id for the ARNs the plan does not spell out")
    params.add_argument("--json", action="store_true", help="print one JSON object")
    params.add_argument("--forwarders", action="store_true", help="print the forwarder stacks each stack needs")
    params.set_defaults(func=run_params)
    from failoverctl.commands import discover, evaluate

    discover.add_parser(sub)
    evaluate.add_parser(sub)
    return plan


def run_params(args: argparse.Namespace) -> int:
    from pathlib import Path

    from failoverctl.planning.params import as_overrides, template_parameters

    try:
        plan = load_plan(args.file)
    except PlanError as err:
        error(err.message, as_json=args.json, code="PlanError")
        return 1
    if args.forwarders:
        return _print_forwarders(plan, as_json=args.json)
    values = template_parameters(plan, account=args.account)
    if args.json:
        emit_json({"PlanFile": Path(args.file).name, **values})
    else:
        print(" ".join(f'"{line}"' for line in as_overrides(values, Path(args.file).name)))
    return 0


def _print_forwarders(plan: Plan, *, as_json: bool) -> int:
    """The forwarder stacks of every stack region: the template, where it runs, its parameters."""
    from failoverctl.regions import plan_forwarders, plan_stack_regions

    regions = plan_stack_regions(plan)
    needed = [f.deployment() for f in plan_forwarders(plan)]
    if as_json:
        emit_json({"stack_regions": regions, "forwarders": needed})
        return 0
    print(f"# stacks in {', '.join(regions)}; {len(needed)} forwarder stack(s)")
    for item in needed:
        print(f"# to the stack in {item['parameters']['TargetRegion']}, from {item['region']}")
        print(item["command"])
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        plan = load_plan(args.file)
    except PlanError as err:
        problems = err.details.get("problems", [])
        if args.json:
            error(err.message, as_json=True, code="PlanError", file=args.file, problems=problems)
        else:
            error(err.message)
        return 1
    from failoverctl.sim.limits import plan_problems

    over_quota = plan_problems(plan)
    if over_quota:
        message = f"{args.file}: a run of this plan would break an AWS service quota"
        if args.json:
            error(message, as_json=True, code="QuotaExceeded", file=args.file, problems=over_quota)
        else:
            error("\n  - ".join([message, *over_quota]))
        return 1
    groups = [
        {"name": g.name, "stages": len(g.stages), "actions": sum(len(s.actions) for s in g.stages)} for g in plan.groups
    ]
    if args.json:
        emit_json({"file": args.file, "valid": True, "groups": groups})
    else:
        print(f"{args.file}: valid plan with {len(groups)} group(s)")
        for g in groups:
            print(f"  - {g['name']}: {g['stages']} stage(s), {g['actions']} action(s)")
    return 0


def run_rto(args: argparse.Namespace) -> int:
    from failover.errors import UnknownGroupError
    from failoverctl.planning.rto import estimate_plan

    try:
        estimates = estimate_plan(load_plan(args.file), args.group)
    except PlanError as err:
        error(err.message, as_json=args.json, code="PlanError", file=args.file)
        return 2
    except UnknownGroupError as err:
        error(err.message, as_json=args.json, code="UnknownGroup", group=args.group, known=err.details.get("known"))
        return 2
    if args.json:
        emit_json({"file": args.file, "groups": [e.model_dump(mode="json") for e in estimates]})
        return 0
    for est in estimates:
        verdict = "meets" if est.meets_objective else "MISSES"
        print(
            f"{est.group}: worst case {est.total_seconds:g} s, {verdict} the RTO objective of"
            f" {est.objective_seconds} s (margin {est.margin_seconds:+g} s)"
        )
        if est.corroborated:
            c = est.corroborated
            print(
                f"  corroborated: {c.total_seconds:g} s, {'meets' if c.meets_objective else 'MISSES'} the objective"
                f" (margin {c.margin_seconds:+g} s): {c.detail}"
            )
        for part in est.components:
            print(f"  {part.name:<16} {part.seconds:>7g} s  {part.detail}")
        print(f"  critical path: {' -> '.join(est.critical_path)}")
        print(f"  dominated by: {est.dominant.name} ({est.dominant_setting or 'no setting'})")
        if est.suggestion:
            s = est.suggestion
            print(f"  cut it most: {s.setting} {s.current} -> {s.proposed}: {s.detail}")
        for warning in est.warnings:
            print(f"  warning: {warning}")
    return 0
