"""``failoverctl drill``: rehearse a failover on the simulated AWS, from a scenario or any event file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from failover.errors import FailoverError
from failoverctl.output import emit_json, error


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "drill",
        help="run a failover drill on the simulated AWS (or --live --dry-run on a deployed stack)",
        description="Build a simulated AWS from the plan, inject a scenario's fault, run the real pipeline "
        "(template rules, handlers, state machine) and print what happened.",
    )
    p.add_argument("--scenario", default="primary-outage", help="scenario name (see --list)")
    p.add_argument("--list", action="store_true", help="list the scenarios")
    p.add_argument("--event", metavar="FILE", help="run the pipeline from an EventBridge event file")
    p.add_argument(
        "--plan", metavar="FILE", help="run on this plan (default: the scenario's; plans/example.yaml for --event)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--report", metavar="FILE", help="also write the incident report (.md or .html)")
    p.add_argument("--no-slack", action="store_true", help="do not start the local Slack webhook server")
    p.add_argument("--live", action="store_true", help="run on the deployed stack (needs --dry-run)")
    p.add_argument("--dry-run", action="store_true", help="with --live: rehearse without touching traffic")
    p.add_argument("--group", help="the group to drill (default: the scenario's, else the plan's first)")
    p.add_argument("--stack", help="with --live: the stack name")
    p.add_argument(
        "--region",
        help="the stack's region (default for a drill: the region the group fails over to; with --live: the "
        "deployed stack's)",
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    if args.live:
        from failoverctl.commands.live_drill import run_live_drill

        return int(run_live_drill(args))
    from failoverctl.scenarios import SCENARIOS

    if args.list:
        if args.json:
            emit_json(
                [{"name": s.name, "summary": s.summary, "expected": s.expect.to_json()} for s in SCENARIOS.values()]
            )
        else:
            width = max(len(n) for n in SCENARIOS)
            for s in SCENARIOS.values():
                print(f"{s.name:<{width}}  {s.summary}")
        return 0
    try:
        if args.event:
            from failoverctl.event_drill import run_event_file

            report = run_event_file(
                Path(args.event), Path(args.plan or "plans/example.yaml"), slack=not args.no_slack, region=args.region
            )
        else:
            scenario = SCENARIOS.get(args.scenario)
            if scenario is None:
                error(
                    f"unknown scenario '{args.scenario}'; known: {', '.join(SCENARIOS)}",
                    as_json=args.json,
                    code="unknown_scenario",
                )
                return 2
            from failoverctl.drill import run_scenario

            report = run_scenario(
                scenario,
                slack=not args.no_slack,
                plan=Path(args.plan) if args.plan else None,
                group=args.group,
                region=args.region,
            )
    except FailoverError as err:
        error(err.message, as_json=args.json, code=type(err).__name__, **err.details)
        return 1
    data = report.to_json()
    if args.report:
        write_report(Path(args.report), data)
    if args.json:
        emit_json(data)
    else:
        print_report(data)
    return 0 if report.passed else 1


def write_report(path: Path, data: dict[str, Any]) -> None:
    from failover.report import render_html, render_markdown

    state = _state_for_report(data)
    render = render_html if path.suffix.lower() in (".html", ".htm") else render_markdown
    execution = {"executionArn": data.get("execution_arn"), "name": data.get("incident_id")}
    if data.get("execution_status"):
        execution["status"] = data["execution_status"]
    text = render(state, data.get("timeline", []), execution=execution, simulated=data.get("simulated_time"))
    path.write_text(text, encoding="utf-8")


def _state_for_report(data: dict[str, Any]) -> dict[str, Any]:
    return data.get("final_state") or {}


# ---------------------------------------------------------------------- text output


def _seconds(value: Any) -> str:
    return "-" if value is None else f"{value:g} s"


def _print_clock(out: Any, clock: dict[str, Any] | None) -> None:
    """The run on the virtual clock, beside the plan's estimate and the objective."""
    if not clock:
        return
    s = clock["seconds"]
    verdict = {True: "within", False: "OVER", None: "not recovered against"}[clock.get("meets_objective")]
    quorum = clock.get("plan_rto_corroborated_seconds")
    corroborated = "" if quorum is None else f" (a quorum of signals at the first look: {_seconds(quorum)})"
    out.write(
        f"\n  simulated time (the plan's real waits): decision {_seconds(s.get('decision'))}, first change "
        f"{_seconds(s.get('first_change'))}, verified recovery {_seconds(s.get('recovery'))}\n"
        f"    plan rto estimate {_seconds(clock.get('plan_rto_seconds'))}{corroborated}; {verdict} the RTO "
        f"objective of {clock.get('rto_objective_seconds')} s\n"
    )
    for tick in clock.get("ticks", []):
        out.write(f"    {tick['at']:>7g} s  {tick['event']:<12} {tick['detail']}\n")
    for note in clock.get("notes", []):
        out.write(f"    note: {note}\n")
    for figure, why in (s.get("reasons") or {}).items():
        out.write(f"    no {figure.replace('_', ' ')}: {why}\n")


MARK = {True: "✓", False: "✗"}


def print_report(data: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"\nDRILL {data['scenario']}: {data.get('summary', '')}\n")
    out.write(f"  traffic before: {data.get('active_before')}\n\n")
    for route in data.get("routes", []):
        out.write(f"  event {route.get('detail_type')} ({route.get('event_id')})\n")
        if not route.get("rules") and not route.get("undelivered"):
            out.write("    no rule in template.yaml matches this event: nothing is invoked\n")
        if route.get("forwarded_by"):
            out.write(f"    forwarded by {route['forwarded_by']}\n")
        if route.get("undelivered"):
            out.write(f"    not delivered: {route['undelivered']}\n")
        for rule in route.get("rules", []):
            out.write(f"    rule {rule}\n")
        for result in route.get("results", []):
            out.write(
                f"    trigger: {result.get('status')}: {result.get('detail') or result.get('errorMessage', '')}\n"
            )
    if data.get("execution_arn"):
        out.write(f"\n  execution {data.get('incident_id')}\n")
    for state in data.get("state_durations_ms", []):
        dur = state.get("duration_ms")
        out.write(f"    {state['name']:<28} {'' if dur is None else f'{dur:>6} ms'}\n")
    decision = data.get("decision") or {}
    if decision.get("outcome"):
        out.write(f"\n  decision: {str(decision['outcome']).upper()}: {decision.get('reason')}\n")
        for check in decision.get("checks", []):
            out.write(f"    {MARK[bool(check.get('ok'))]} {check.get('name')}: {check.get('detail')}\n")
    approval = data.get("approval")
    if approval:
        word = "approved" if approval.get("approved") else ("timed out" if approval.get("timed_out") else "denied")
        out.write(f"\n  approval: {word} by {approval.get('by')}\n")
    if data.get("actions"):
        out.write("\n  changes:\n")
        for a in data["actions"]:
            out.write(
                f"    [{a.get('stage')}] {a.get('name')} ({a.get('action')}): {a.get('status')}: "
                f"{a.get('detail')} ({a.get('duration_ms')} ms)\n"
            )
    for v in data.get("verifications", []):
        out.write(
            f"    verify {v.get('stage')} attempt {v.get('attempt')}/{v.get('max_attempts')}: "
            f"{'ok' if v.get('ok') else 'not yet'}\n"
        )
    if data.get("error"):
        err = data["error"]
        out.write(f"\n  error: {err.get('Error')}: {str(err.get('Cause'))[:500]}\n")
    notes = data.get("notifications") or {}
    if notes.get("sns") or notes.get("slack"):
        out.write("\n  notifications:\n")
        for m in notes.get("sns", []):
            out.write(f"    SNS   [{m['attributes'].get('phase')}] {m.get('subject')}\n")
        for m in notes.get("slack", []):
            text = str(m.get("text", "")) if isinstance(m, dict) else str(m)
            out.write(f"    Slack {text[:150]}\n")
    evaluation = data.get("evaluation") or {}
    if evaluation.get("findings"):
        out.write(f"\n  plan evaluation: {len(evaluation['findings'])} finding(s)\n")
        for f in evaluation["findings"]:
            out.write(f"    [{f.get('group')}] {f.get('kind')}: {f.get('resource')}: {f.get('detail')}\n")
    _print_clock(out, data.get("simulated_time"))
    passed = data.get("passed")
    out.write(
        f"\n  result: {data.get('execution_status') or 'no execution'} ({data.get('end_state')}); traffic "
        f"{data.get('active_before')} -> {data.get('active_after')}; "
        f"{'as expected' if passed else 'NOT as expected'} ({data.get('wall_seconds')} s)\n"
    )
    for problem in data.get("problems", []):
        out.write(f"    ✗ {problem}\n")
    out.write("\n")
    out.flush()
