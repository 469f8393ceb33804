"""The incident report: one evidence pack per execution, as Markdown and as a self-contained HTML page.

Input is the execution's state (its output, or its input plus whatever the states added): the keys
``request``, ``timing``, ``gate`` (``decision``, ``run``), ``approval``, ``cursor`` (``completed``
action results, ``verifications``, ``verification``, ``failure``), ``error``, ``notifications`` and
``closed``; the incident's timeline from the table; and optionally the Step Functions history.

Everything that came from outside (alarm reasons, requesters, details, check values) is escaped:
the HTML page has no script, no external asset and no unescaped user text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from failover.checks.signals import decision_signals
from failover.infra.clients import Clients
from failover.models import Escalation, Verification, iso, parse_time
from failover.state import ExecutionState

# ---------------------------------------------------------------- reading the state


def _iso(ts: datetime | None) -> str:
    return iso(ts) if ts else "-"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class Options(TypedDict, total=False):
    """What a report can be given beside the state, the timeline and the history."""

    execution: Mapping[str, Any] | None  # DescribeExecution's answer (or its executionArn, name, status)
    rto_objective_seconds: int | None
    simulated: Mapping[str, Any] | None  # a drill's run on the virtual clock (the drill JSON's simulated_time)


@dataclass
class Entry:
    """One line of the merged timeline."""

    at: datetime | None
    kind: str
    detail: str


@dataclass
class Facts:
    """What the report says, read once from the state, the timeline and the history."""

    incident_id: str
    group: str
    direction: str
    source: str
    requested_by: str
    reason: str
    dry_run: bool
    trigger: dict[str, Any]
    received_at: datetime | None
    failure_at: datetime | None
    outcome: str
    status: str
    decision: dict[str, Any]
    approval: dict[str, Any]
    actions: list[dict[str, Any]]
    verifications: list[dict[str, Any]]
    notifications: list[dict[str, Any]]
    notification_errors: list[tuple[str, Any]]
    error: dict[str, Any]
    entries: list[Entry]
    recovered_at: datetime | None
    recovery_seconds: float | None
    objective_seconds: int | None
    execution_id: str = "-"
    simulated: dict[str, Any] | None = None


def _outcome(state: ExecutionState | None, status: str) -> str:
    if state is not None:
        for key in ("outcome", "status"):
            value = state.closed.incident.get(key) if state.closed else None
            if isinstance(value, str):
                return value
        if state.error:
            return "failed"
        if state.decision and state.decision.outcome == "skip":
            return "skipped"
        cursor = state.cursor
        if cursor and cursor.done and cursor.verification and cursor.verification.ok:
            return "succeeded"
    return status.lower() if status else "unknown"


def _notifications(state: ExecutionState | None) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
    records: list[dict[str, Any]] = []
    errors: list[tuple[str, Any]] = []
    for key, value in ((state.notifications if state else None) or {}).items():
        if key.endswith("_error"):
            errors.append((key.removesuffix("_error"), value))
            continue
        for record in _dict(value).get("records") or []:
            if isinstance(record, dict):
                records.append({"phase": key, **record})
    return records, errors


def _history_entries(history: Iterable[Mapping[str, Any]] | None) -> list[Entry]:
    entries = []
    for event in history or []:
        kind = str(event.get("type", ""))
        if not kind.endswith(
            ("StateEntered", "ExecutionFailed", "ExecutionSucceeded", "ExecutionTimedOut", "ExecutionAborted")
        ):
            continue
        details = _dict(event.get("stateEnteredEventDetails"))
        name = details.get("name") or kind
        entries.append(Entry(parse_time(event.get("timestamp")), "state", str(name)))
    return entries


_VERIFY_KINDS = ("verified", "verify_retry", "verify_failed")
_ATTEMPT = re.compile(r"^stage '(?P<stage>.*)' attempt (?P<attempt>\d+)/")


def _verify_kind(v: Verification) -> str:
    return "verified" if v.ok else ("verify_retry" if v.retry else "verify_failed")


def _state_entries(state: ExecutionState | None, recorded: list[Entry]) -> list[Entry]:
    """The decision, actions and verifications of the state that the incident's timeline does not hold.

    The steps record each of them in the timeline as it happens; the state fills in only what is
    missing (a timeline cut short, a report from the state alone), in the same words, so each event
    is one line.
    """
    if state is None:
        return []
    out: list[Entry] = []
    decision = state.decision
    if decision and not any(e.kind == "decision" for e in recorded):
        out.append(Entry(parse_time(decision.decided_at), "decision", f"{decision.outcome}: {decision.reason}"))
    actions = {e.detail.split(": ", 1)[0] for e in recorded if e.kind == "action"}
    for a in state.completed:
        if f"{a.stage}/{a.name}" not in actions:
            out.append(Entry(parse_time(a.finished_at), "action", f"{a.stage}/{a.name}: {a.status}: {a.detail}"))
    attempts = {
        (m["stage"], int(m["attempt"])) for e in recorded if e.kind in _VERIFY_KINDS and (m := _ATTEMPT.match(e.detail))
    }
    for v in state.verifications:
        if (v.stage or "-", v.attempt) not in attempts:
            attempts.add((v.stage or "-", v.attempt))
            word = "verified" if v.ok else "not yet"
            detail = f"stage '{v.stage or '-'}' attempt {v.attempt}/{v.max_attempts}: {word}"
            out.append(Entry(parse_time(v.checked_at), _verify_kind(v), detail))
    return out


def _objective(state: ExecutionState | None, given: int | None) -> int | None:
    if given is not None:
        return given
    value = state.closed.incident.get("rto_objective_seconds") if state and state.closed else None
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def collect(
    state: Mapping[str, Any],
    timeline: Iterable[Mapping[str, Any]],
    execution_history: Iterable[Mapping[str, Any]] | None = None,
    *,
    execution: Mapping[str, Any] | None = None,
    rto_objective_seconds: int | None = None,
    simulated: Mapping[str, Any] | None = None,
) -> Facts:
    st = ExecutionState.salvage(state)
    request = st.request if st else None
    decision = st.decision if st else None
    status = str(_dict(execution).get("status", ""))
    actions = [a.to_json() for a in st.completed] if st else []
    verifications = (
        list({(v.stage, v.attempt): v.to_json() for v in reversed(st.verifications)}.values())[::-1] if st else []
    )
    notifications, notification_errors = _notifications(st)

    items = [_dict(t) for t in timeline]
    entries = [Entry(parse_time(t.get("at")), str(t.get("kind", "event")), str(t.get("detail", ""))) for t in items]
    entries.extend(_state_entries(st, entries))
    entries.extend(_history_entries(execution_history))
    entries.sort(key=lambda e: (e.at is None, e.at or datetime.min.replace(tzinfo=UTC)))

    outcome = _outcome(st, status)
    succeeded = outcome == "succeeded"
    execution_name = _dict(execution).get("name")
    execution_id = _dict(execution).get("executionArn") or next(
        (_dict(t.get("data")).get("execution_arn") for t in items if _dict(t.get("data")).get("execution_arn")), None
    )
    return Facts(
        incident_id=str(
            (request and (request.incident_id or None)) or execution_name or (request and request.request_id) or "-"
        ),
        group=request.group if request else "-",
        direction=str(request.direction) if request else "-",
        source=str(request.source) if request else "-",
        requested_by=request.requested_by if request else "-",
        reason=(request and (request.reason or request.trigger.reason)) or "",
        dry_run=bool(request and request.dry_run),
        trigger=request.trigger.to_json() if request else {},
        received_at=parse_time(request.received_at) if request else None,
        failure_at=(st.failure_at if st else None) or parse_time(_dict(execution).get("startDate")),
        outcome=outcome,
        status=status or "-",
        decision=decision.to_json() if decision else {},
        approval=st.approval.to_json() if st and st.approval else {},
        actions=actions,
        verifications=verifications,
        notifications=notifications,
        notification_errors=notification_errors,
        error=st.error.model_dump(by_alias=True) if st and st.error else {},
        entries=entries,
        recovered_at=st.recovered_at if st and succeeded and not st.dry_run else None,
        recovery_seconds=st.time_to_recovery(succeeded=succeeded) if st else None,
        objective_seconds=_objective(st, rto_objective_seconds),
        execution_id=str(execution_id or execution_name or "-"),
        simulated=dict(simulated) if simulated else None,
    )


def recovery_text(f: Facts) -> str:
    if f.dry_run:
        return "dry run: no traffic moved, so there is no time to recovery"
    if f.recovery_seconds is None:
        return f"not recovered (outcome: {f.outcome})"
    text = f"{f.recovery_seconds:.0f} s from the failure to verified traffic on the target"
    if f.objective_seconds is not None:
        verdict = "within" if f.recovery_seconds <= f.objective_seconds else "OVER"
        text += f", {verdict} the RTO objective of {f.objective_seconds} s"
    return text


def simulated_text(f: Facts) -> str | None:
    """A drill's figures on the virtual clock, beside the plan's estimate and the objective."""
    sim = f.simulated
    if not sim:
        return None
    seconds = _dict(sim.get("seconds"))
    reasons = _dict(seconds.get("reasons"))

    def fmt(key: str) -> str:
        value = seconds.get(key)
        if value is None:
            return f"none ({reasons[key]})" if reasons.get(key) else "-"
        return f"{value:g} s"

    quorum = sim.get("plan_rto_corroborated_seconds")
    corroborated = f", {quorum:g} s when a quorum of signals agrees at once" if isinstance(quorum, int | float) else ""
    return (
        f"decision {fmt('decision')}, first traffic change {fmt('first_change')}, verified recovery"
        f" {fmt('recovery')} (plan rto estimate {sim.get('plan_rto_seconds', '-'):g} s{corroborated}, RTO objective"
        f" {sim.get('rto_objective_seconds', '-')} s)"
    )


def _summary(f: Facts) -> list[tuple[str, str]]:
    """The summary rows, the same in both formats."""
    trigger = f.trigger.get("alarm_name") or f.trigger.get("health_check_id") or "-"
    rows = [
        ("Group", f.group),
        ("Direction", f.direction),
        ("Outcome", f.outcome if f.status == "-" else f"{f.outcome} (execution {f.status})"),
        ("Execution", f.execution_id),
        ("Source", f.source),
        ("Requested by", f.requested_by),
        ("Reason", f.reason or "-"),
        ("Dry run", "yes" if f.dry_run else "no"),
        ("Trigger", f"{trigger} {f.trigger.get('state') or ''}".strip()),
        ("Failure at", _iso(f.failure_at)),
        ("Recovered at", _iso(f.recovered_at)),
        ("Time to recovery", recovery_text(f)),
    ]
    simulated = simulated_text(f)
    if simulated:
        rows.append(("Simulated time (drill)", simulated))
    return rows


def _tick_at(tick: Any) -> str:
    at = _dict(tick).get("at")
    return f"{at:g}" if isinstance(at, int | float) else "-"


def _by_stage(verifications: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    stages: dict[str, list[dict[str, Any]]] = {}
    for v in verifications:
        stages.setdefault(str(v.get("stage") or "-"), []).append(v)
    return stages


# ---------------------------------------------------------------- Markdown


def _escalation(value: Any) -> str:
    """What was tried, why it was refused, what the escalation did and the estimated data loss."""
    try:
        return Escalation.model_validate(value).summary()
    except ValueError:
        return str(value)


def _md(value: Any) -> str:
    """A table cell: escaped, one line, pipes neutralised."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return html.escape(text, quote=False).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _md_block(value: Any) -> str:
    text = json.dumps(value, indent=2, default=str, sort_keys=True)
    return "```json\n" + text.replace("```", "`\u200b``") + "\n```"


def render_markdown(
    state: Mapping[str, Any],
    timeline: Iterable[Mapping[str, Any]],
    execution_history: Iterable[Mapping[str, Any]] | None = None,
    **options: Unpack[Options],
) -> str:
    f = collect(state, timeline, execution_history, **options)
    out = [f"# Incident {_md(f.incident_id)}", "", "| | |", "|---|---|"]
    out += [
        f"| Outcome | **{_md(f.outcome)}**{_md(v.removeprefix(f.outcome))} |"
        if k == "Outcome"
        else f"| {k} | {_md(v)} |"
        for k, v in _summary(f)
    ]
    out += [
        "",
        "## Timeline",
        "",
        "| At | Kind | Detail |",
        "|---|---|---|",
    ]
    out += [f"| {_iso(e.at)} | {_md(e.kind)} | {_md(e.detail)} |" for e in f.entries]
    out += ["", "## Decision", ""]
    if f.decision:
        out += [f"**{_md(f.decision.get('outcome'))}**: {_md(f.decision.get('reason', ''))}", ""]
        out += ["| Check | Result | Detail |", "|---|---|---|"]
        for check in f.decision.get("checks") or []:
            c = _dict(check)
            out.append(
                f"| {_md(c.get('name', ''))} | {'ok' if c.get('ok') else 'FAILED'} | {_md(c.get('detail', ''))} |"
            )
        signals = decision_signals(f.decision.get("checks") or [])
        if signals is not None:
            out += [
                "",
                f"**{_md(signals[0])}**",
                "",
                "| Signal | Says | Weight | Counted | Value |",
                "|---|---|---|---|---|",
            ]
            out += [
                f"| {' | '.join(_md(cell) for cell in (r.signal, r.says, r.weight))} | "
                f"{'yes' if r.counted else 'no'} | {_md(r.detail)} |"
                for r in signals[1]
            ]
    else:
        out.append("No decision was recorded (the execution stopped before the safety gate).")
    if f.approval:
        out += ["", "## Approval", "", _md_block(f.approval)]
    out += ["", "## Changes", ""]
    if not f.actions:
        out.append("No action ran.")
    for a in f.actions:
        out += [
            f"### {_md(a.get('stage') or '-')} / {_md(a.get('name', '-'))} ({_md(a.get('action', '-'))})",
            "",
            f"- target: {_md(a.get('target', '-'))}",
            f"- status: **{_md(a.get('status', '-'))}**",
            f"- detail: {_md(a.get('detail', ''))}",
            f"- started {_md(a.get('started_at', '-'))}, finished {_md(a.get('finished_at', '-'))}",
        ]
        out += [f"- change: {_md(c)}" for c in (a.get("changes") or [])]
        out += ["- undo:", "", _md_block(a.get("undo") or [])] if a.get("undo") else ["- undo: nothing to undo"]
        if a.get("one_way") and a.get("status") == "changed":
            out.append(
                f"- **one-way**: running it backwards does not undo it; re-protection needs: {_md(a['one_way'])}"
            )
        if a.get("escalation"):
            out.append(f"- **escalation**: {_md(_escalation(a['escalation']))}")
        out.append("")
    out += ["## Verification", ""]
    if not f.verifications:
        out.append("No verification ran.")
    for stage, attempts in _by_stage(f.verifications).items():
        out += [f"### Stage {_md(stage)}", ""]
        for v in attempts:
            out.append(
                f"- attempt {_md(v.get('attempt'))}: {'ok' if v.get('ok') else 'not yet'}"
                f" ({_md(v.get('checked_at', ''))})"
            )
            out += [
                f"  - {_md(c.get('name', ''))}: {'ok' if c.get('ok') else 'FAILED'}: {_md(c.get('detail', ''))}"
                for c in map(_dict, (v.get("checks") or []))
            ]
        out.append("")
    if f.simulated:
        out += [
            "## Simulated time",
            "",
            _md(simulated_text(f) or ""),
            "",
            "| Second | Event | Detail |",
            "|---|---|---|",
        ]
        out += [
            f"| {_md(_tick_at(t))} | {_md(_dict(t).get('event', ''))} | {_md(_dict(t).get('detail', ''))} |"
            for t in f.simulated.get("ticks") or []
        ]
        out += [f"- {_md(n)}" for n in f.simulated.get("notes") or []]
    out += ["", "## Notifications", ""]
    if not f.notifications and not f.notification_errors:
        out.append("No notification was sent.")
    if f.notifications:
        out += ["| Phase | Channel | Sent | Detail | Message id |", "|---|---|---|---|---|"]
        for n in f.notifications:
            out.append(
                f"| {_md(n.get('phase', ''))} | {_md(n.get('channel', ''))} | {'yes' if n.get('ok') else 'NO'}"
                f" | {_md(n.get('detail', ''))} | {_md(n.get('message_id') or '-')} |"
            )
    for phase, err in f.notification_errors:
        out.append(f"- {_md(phase)}: notification failed: {_md(err)}")
    if f.error:
        out += [
            "",
            "## Error",
            "",
            f"**{_md(f.error.get('Error', 'error'))}**",
            "",
            _md_block(f.error.get("Cause", "")),
        ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- HTML


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;padding:0 1rem;color:#1f2933;
max-width:1100px;line-height:1.4}
h1{font-size:1.6rem;overflow-wrap:anywhere}h2{margin-top:2rem;border-bottom:1px solid #d9e2ec}h3{margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;table-layout:fixed}
td,th{border:1px solid #d9e2ec;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem;
overflow-wrap:anywhere}
th{background:#f0f4f8}.ok{color:#1e7b34}.bad{color:#b42318;font-weight:600}
table.summary th{width:12rem}table.timeline td:first-child{white-space:nowrap;width:13rem}
table.timeline col.at{width:14rem}table.timeline col.kind{width:9rem}
table.changes col.stage{width:8%}table.changes col.action{width:12%}table.changes col.target{width:11%}
table.changes col.status{width:8.5%}table.changes col.detail{width:17%}table.changes col.change{width:17%}
table.changes col.undo{width:26.5%}
table.checks col.name{width:28%}table.checks col.result{width:8%}
table.notifications col.phase{width:10%}table.notifications col.channel{width:8%}
table.notifications col.sent{width:6%}table.notifications col.id{width:24%}
table.verification th:nth-child(1){width:5rem}table.verification th:nth-child(2){width:6rem}
table.verification th:nth-child(3){width:14rem}table.simulated th:first-child{width:6rem}
table.simulated th:nth-child(2){width:8rem}
code{font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}ol.undo{margin:0;padding-left:1.3rem}
ul{margin:0;padding-left:1.1rem}
pre{background:#f5f7fa;padding:.5rem;font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.outcome{font-weight:700}figure{margin:.5rem 0}svg{width:100%;height:auto;display:block}
svg text{font-size:12px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;fill:#243b53}
svg text.tick{font-size:11px;fill:#486581}
"""

_STATUS_COLOURS = {"changed": "#2f80ed", "unchanged": "#9aa5b1", "dry_run": "#f2994a", "failed": "#d64545"}


def _h(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return html.escape(text, quote=True)


def _pre(value: Any) -> str:
    return f"<pre>{html.escape(json.dumps(value, indent=2, default=str, sort_keys=True))}</pre>"


def _undo(steps: list[Any]) -> str:
    """Each undo step as one compact JSON line that wraps within its column."""
    items = "".join(
        f"<li><code>{html.escape(json.dumps(step, default=str, sort_keys=True, separators=(', ', ': ')))}</code></li>"
        for step in steps
    )
    return f'<ol class="undo">{items}</ol>'


def _row(*cells: str) -> str:
    """A table row of cells that are already escaped."""
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _ok(flag: Any) -> str:
    return '<span class="ok">ok</span>' if flag else '<span class="bad">FAILED</span>'


#: tick steps for the time axis, in seconds: the first that gives at most ``_MAX_TICKS`` intervals is used
_TICK_STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 86400)
_MAX_TICKS = 8
_MARKED = {"decision": "#243b53", "verified": "#1e7b34", "verify_retry": "#b7791f", "verify_failed": "#b42318"}


def _seconds_label(value: float) -> str:
    if value >= 3600 and value % 3600 == 0:
        return f"+{value / 3600:g} h"
    if value >= 60 and value % 60 == 0:
        return f"+{value / 60:g} min"
    return f"+{value:g} s"


def _ticks(total: float) -> list[float]:
    step = next((st for st in _TICK_STEPS if total / st <= _MAX_TICKS), _TICK_STEPS[-1])
    count = int(total / step + 1e-9)
    return [round(i * step, 3) for i in range(count + 1)]


def _short(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def timeline_svg(f: Facts, width: int = 1000) -> str:
    """Stages and actions as bars on a time axis with labelled ticks (seconds from the first event).

    One ``rect.action`` per action and one ``rect.stage`` per stage; the decision and each verification
    are dashed lines; the axis has one ``text.tick`` per tick and the origin's time.
    """
    spans = []
    for a in f.actions:
        start, end = parse_time(a.get("started_at")), parse_time(a.get("finished_at"))
        if start is None:
            start = end
        if end is None or (start is not None and end < start):
            end = start
        spans.append((a, start, end))
    times = [t for _, s, e in spans for t in (s, e) if t] + [e.at for e in f.entries if e.at]
    if f.failure_at:
        times.append(f.failure_at)
    origin = min(times) if times else datetime.now(UTC)
    horizon = max(times) if times else origin
    raw = (horizon - origin).total_seconds()
    ticks = _ticks(max(raw, 0.1))
    total = max(ticks[-1] if ticks[-1] >= raw else raw, 0.1)
    label_w, top, row_h = 230, 34, 24
    plot_w = width - label_w - 30

    def x(ts: datetime | None) -> float:
        return label_w + (((ts - origin).total_seconds() / total) * plot_w if ts else 0.0)

    stages: dict[str, list[tuple[dict[str, Any], datetime | None, datetime | None]]] = {}
    for span in spans:
        stages.setdefault(str(span[0].get("stage") or "-"), []).append(span)
    rows: list[str] = []
    y = top
    for stage, members in stages.items():
        starts = [s for _, s, _ in members if s]
        ends = [e for _, _, e in members if e]
        x0 = x(min(starts) if starts else None)
        x1 = x(max(ends) if ends else None)
        rows.append(f'<text x="4" y="{y + 16}" font-weight="bold">stage {_h(_short(stage, 24))}</text>')
        rows.append(
            f'<rect class="bar stage" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 3):.1f}" height="{row_h - 8}"'
            f' fill="#bcccdc"><title>stage {_h(stage)}</title></rect>'
        )
        y += row_h
        for a, s, e in members:
            colour = _STATUS_COLOURS.get(str(a.get("status")), "#7b8794")
            x0, x1 = x(s), x(e)
            name = str(a.get("name", "-"))
            rows.append(f'<text x="16" y="{y + 16}">{_h(_short(name))}</text>')
            rows.append(
                f'<rect class="bar action" x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 3):.1f}"'
                f' height="{row_h - 8}" fill="{colour}"><title>{_h(name)}: {_h(a.get("status", "-"))}'
                f" ({_h(a.get('duration_ms', 0))} ms)</title></rect>"
            )
            y += row_h
    if not spans:
        rows.append(f'<text x="{label_w}" y="{top + 16}">no action ran</text>')
        y += row_h
    marks = []
    for entry in f.entries:
        mark_colour = _MARKED.get(entry.kind)
        if entry.at and mark_colour:
            mx = x(entry.at)
            marks.append(
                f'<line class="mark" x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 8}" y2="{y}" stroke="{mark_colour}"'
                f' stroke-width="1.5" stroke-dasharray="4,3"><title>{_h(entry.kind)}: {_h(entry.detail)}</title></line>'
            )
    legend = [
        '<text x="4" y="14">dashed lines:</text>',
        *(
            f'<line x1="{110 + i * 130}" x2="{130 + i * 130}" y1="10" y2="10" stroke="{colour}" stroke-width="2"'
            f' stroke-dasharray="4,3"/><text x="{136 + i * 130}" y="14">{_h(kind.replace("_", " "))}</text>'
            for i, (kind, colour) in enumerate(_MARKED.items())
        ),
    ]
    axis_y = y + 6
    axis = [f'<line x1="{label_w}" x2="{label_w + plot_w}" y1="{axis_y}" y2="{axis_y}" stroke="#334e68"/>']
    for i, tick in enumerate(ticks):
        tx = label_w + tick / total * plot_w
        anchor = "start" if i == 0 else ("end" if tx > label_w + plot_w - 20 else "middle")
        axis.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 8}" y2="{axis_y + 5}" stroke="#d9e2ec"/>'
            f'<text class="tick" x="{tx:.1f}" y="{axis_y + 19}" text-anchor="{anchor}">{_seconds_label(tick)}</text>'
        )
    axis.append(f'<text class="tick" x="{label_w}" y="{axis_y + 36}">0 = {_iso(origin)}</text>')
    height = axis_y + 46
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="timeline" width="{width}"'
        f' height="{height}" viewBox="0 0 {width} {height}">' + "".join(axis + rows + marks + legend) + "</svg>"
    )


def render_html(
    state: Mapping[str, Any],
    timeline: Iterable[Mapping[str, Any]],
    execution_history: Iterable[Mapping[str, Any]] | None = None,
    **options: Unpack[Options],
) -> str:
    f = collect(state, timeline, execution_history, **options)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Incident {_h(f.incident_id)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>Incident {_h(f.incident_id)}</h1>",
        '<table class="summary">' + "".join(f"<tr><th>{_h(k)}</th><td>{_h(v)}</td></tr>" for k, v in _summary(f)),
        "</table>",
        "<h2>Timeline</h2>",
        f'<figure class="timeline">{timeline_svg(f)}</figure>',
        '<table class="timeline"><colgroup><col class="at"><col class="kind"><col></colgroup>',
        "<tr><th>At</th><th>Kind</th><th>Detail</th></tr>",
    ]
    parts += [f"<tr><td>{_iso(e.at)}</td><td>{_h(e.kind)}</td><td>{_h(e.detail)}</td></tr>" for e in f.entries]
    parts.append("</table><h2>Decision</h2>")
    if f.decision:
        parts.append(
            f'<p><span class="outcome">{_h(f.decision.get("outcome"))}</span>: {_h(f.decision.get("reason", ""))}</p>'
        )
        parts.append(
            '<table class="checks"><colgroup><col class="name"><col class="result"><col></colgroup>'
            "<tr><th>Check</th><th>Result</th><th>Detail</th></tr>"
        )
        for check in f.decision.get("checks") or []:
            c = _dict(check)
            parts.append(_row(_h(c.get("name", "")), _ok(c.get("ok")), _h(c.get("detail", ""))))
        parts.append("</table>")
        signals = decision_signals(f.decision.get("checks") or [])
        if signals is not None:
            parts.append(f"<p><strong>{_h(signals[0])}</strong></p>")
            parts.append("<table><tr><th>Signal</th><th>Says</th><th>Weight</th><th>Counted</th><th>Value</th></tr>")
            parts += [
                _row(_h(r.signal), _h(r.says), _h(r.weight), "yes" if r.counted else "no", _h(r.detail))
                for r in signals[1]
            ]
            parts.append("</table>")
    else:
        parts.append("<p>No decision was recorded (the execution stopped before the safety gate).</p>")
    if f.approval:
        parts += ["<h2>Approval</h2>", _pre(f.approval)]
    parts.append("<h2>Changes</h2>")
    if not f.actions:
        parts.append("<p>No action ran.</p>")
    else:
        columns = ("stage", "action", "target", "status", "detail", "change", "undo")
        parts.append(
            '<table class="changes"><colgroup>'
            + "".join(f'<col class="{c}">' for c in columns)
            + "</colgroup><tr><th>Stage</th><th>Action</th><th>Target</th><th>Status</th><th>Detail</th>"
            "<th>Changes</th><th>Undo</th></tr>"
        )
        for a in f.actions:
            changes = "".join(f"<li>{_h(c)}</li>" for c in (a.get("changes") or []))
            undo = _undo(a.get("undo") or []) if a.get("undo") else "nothing to undo"
            if a.get("one_way") and a.get("status") == "changed":
                undo += f"<p><strong>One-way</strong>: re-protection needs: {_h(a['one_way'])}</p>"
            if a.get("escalation"):
                undo += f"<p><strong>Escalation</strong>: {_h(_escalation(a['escalation']))}</p>"
            parts.append(
                _row(
                    _h(a.get("stage") or "-"),
                    f"{_h(a.get('name', '-'))} ({_h(a.get('action', '-'))})",
                    _h(a.get("target", "-")),
                    _h(a.get("status", "-")),
                    _h(a.get("detail", "")),
                    f"<ul>{changes}</ul>",
                    undo,
                )
            )
        parts.append("</table>")
    parts.append("<h2>Verification</h2>")
    if not f.verifications:
        parts.append("<p>No verification ran.</p>")
    for stage, attempts in _by_stage(f.verifications).items():
        parts.append(
            f'<h3 class="stage">Stage {_h(stage)}</h3><table class="verification">'
            "<tr><th>Attempt</th><th>Result</th><th>Checked at</th><th>Checks</th></tr>"
        )
        for v in attempts:
            checks = "".join(
                f"<li>{_ok(_dict(c).get('ok'))} {_h(_dict(c).get('name', ''))}: {_h(_dict(c).get('detail', ''))}</li>"
                for c in (v.get("checks") or [])
            )
            parts.append(
                _row(
                    _h(v.get("attempt")),
                    _ok(v.get("ok")) if v.get("ok") else '<span class="bad">not yet</span>',
                    _h(v.get("checked_at", "-")),
                    f"<ul>{checks}</ul>",
                )
            )
        parts.append("</table>")
    if f.simulated:
        parts += [
            "<h2>Simulated time</h2>",
            f"<p>{_h(simulated_text(f) or '')}</p>",
            '<table class="simulated"><tr><th>Second</th><th>Event</th><th>Detail</th></tr>',
        ]
        parts += [
            _row(_h(_tick_at(t)), _h(_dict(t).get("event", "")), _h(_dict(t).get("detail", "")))
            for t in f.simulated.get("ticks") or []
        ]
        parts.append("</table>")
        parts += [f"<p>{_h(n)}</p>" for n in f.simulated.get("notes") or []]
    parts.append("<h2>Notifications</h2>")
    if not f.notifications and not f.notification_errors:
        parts.append("<p>No notification was sent.</p>")
    if f.notifications:
        parts.append(
            '<table class="notifications"><colgroup><col class="phase"><col class="channel"><col class="sent"><col>'
            '<col class="id"></colgroup>'
            "<tr><th>Phase</th><th>Channel</th><th>Sent</th><th>Detail</th><th>Message id</th></tr>"
        )
        parts += [
            f"<tr><td>{_h(n.get('phase', ''))}</td><td>{_h(n.get('channel', ''))}</td><td>{_ok(n.get('ok'))}</td>"
            f"<td>{_h(n.get('detail', ''))}</td><td>{_h(n.get('message_id') or '-')}</td></tr>"
            for n in f.notifications
        ]
        parts.append("</table>")
    parts += [f"<p>{_h(phase)}: notification failed: {_h(err)}</p>" for phase, err in f.notification_errors]
    if f.error:
        parts += [
            "<h2>Error</h2>",
            f'<p class="bad">{_h(f.error.get("Error", "error"))}</p>',
            _pre(f.error.get("Cause", "")),
        ]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ---------------------------------------------------------------- S3


def write_report(
    bucket: str,
    key: str,
    state: Mapping[str, Any],
    timeline: Iterable[Mapping[str, Any]],
    execution_history: Iterable[Mapping[str, Any]] | None = None,
    *,
    clients: Clients | None = None,
    region: str | None = None,
    execution: Mapping[str, Any] | None = None,
    rto_objective_seconds: int | None = None,
) -> dict[str, str]:
    """Upload the report as ``<key>.md`` and ``<key>.html`` (``key`` without extension); returns the S3 URIs."""
    clients = clients or Clients()
    s3 = clients.get("s3", region)
    items = list(timeline)
    history = list(execution_history) if execution_history is not None else None
    kwargs: dict[str, Any] = {"execution": execution, "rto_objective_seconds": rto_objective_seconds}
    bodies = {
        "md": ("text/markdown; charset=utf-8", render_markdown(state, items, history, **kwargs)),
        "html": ("text/html; charset=utf-8", render_html(state, items, history, **kwargs)),
    }
    base = key.removesuffix(".md").removesuffix(".html")
    uris = {}
    for ext, (content_type, body) in bodies.items():
        s3.put_object(
            Bucket=bucket,
            Key=f"{base}.{ext}",
            Body=body.encode("utf-8"),
            ContentType=content_type,
        )
        uris[ext] = f"s3://{bucket}/{base}.{ext}"
    return uris
