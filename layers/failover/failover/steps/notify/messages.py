"""The ``Incident``: what a person needs to know about one phase of one execution.

It is built from the execution's state as the state machine passes it to the notify function
(``request``, ``timing``, ``gate``, ``approval``, ``cursor``, ``error``, ...). Any key may be
missing (a failure can happen before the gate ran, the Map state may not have finished), so every
read here is defensive: ``Incident.from_state`` never raises on a missing or malformed key.

SNS and Slack render the same ``Incident``; so does ``failoverctl notify preview``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from failover.models import iso

Severity = Literal["info", "warning", "critical"]
SkipKind = Literal["refused", "noop"]

PHASES = ("started", "approval", "succeeded", "failed", "skipped", "denied", "recovered")

# A skip is "nothing to do" (not "refused") when the checks that said no are only these: the group
# already runs on the target side, or the trigger cleared during the confirmation wait (anti-flap).
NOOP_CHECK_HINTS = ("already", "on_target", "idempotent", "still_firing", "trigger_firing", "confirmation", "flap")

_MAX_CAUSE = 4000


class View(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CheckLine(View):
    name: str
    ok: bool
    detail: str = ""
    blocking: bool = True


class ActionLine(View):
    name: str
    action: str = ""
    stage: str | None = None
    target: str = ""
    status: str = "unknown"
    detail: str = ""
    changes: list[str] = Field(default_factory=list)
    error: str | None = None


class VerificationView(View):
    ok: bool | None = None
    attempt: int | None = None
    max_attempts: int | None = None
    stage: str | None = None
    checks: list[CheckLine] = Field(default_factory=list)


class TriggerView(View):
    source: str | None = None
    alarm_name: str | None = None
    alarm_arn: str | None = None
    region: str | None = None
    state: str | None = None
    reason: str | None = None
    time: str | None = None
    health_check_id: str | None = None
    requested_by: str | None = None


class ApprovalView(View):
    approved: bool | None = None
    by: str | None = None
    at: str | None = None
    timed_out: bool = False
    policy: str | None = None
    comment: str | None = None
    timeout_seconds: int | None = None
    on_timeout: str | None = None


class ErrorView(View):
    error: str
    cause: str = ""


class Link(View):
    label: str
    url: str


class Incident(View):
    """One phase of one incident, ready to render: every field is plain data."""

    phase: str
    status: str
    severity: Severity
    skip_kind: SkipKind | None = None
    headline: str
    summary: str
    group: str
    group_description: str = ""
    direction: str = "failover"
    source_side: str | None = None
    target_side: str | None = None
    dry_run: bool = False
    execution_id: str | None = None
    incident_id: str | None = None
    request_id: str | None = None
    trigger: TriggerView = Field(default_factory=TriggerView)
    decision_outcome: str | None = None
    decision_reason: str | None = None
    checks: list[CheckLine] = Field(default_factory=list)
    actions: list[ActionLine] = Field(default_factory=list)
    verification: VerificationView | None = None
    approval: ApprovalView | None = None
    error: ErrorView | None = None
    triggered_at: str | None = None
    elapsed_seconds: float | None = None
    rto_objective_seconds: int | None = None
    links: list[Link] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    mention: str | None = None
    generated_at: str = Field(default_factory=iso)

    # ------------------------------------------------------------------ building

    @classmethod
    def from_state(
        cls,
        phase: str,
        state: Mapping[str, Any] | None,
        plan_group: Any | None = None,
        execution_id: str | None = None,
        console_region: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Incident:
        """The incident view of ``state`` at ``phase``. Never raises on missing or odd keys."""
        state = state if isinstance(state, Mapping) else {}
        phase = str(phase or "unknown").lower()
        request = _map(state.get("request"))
        gate = _map(state.get("gate"))
        decision = _map(gate.get("decision"))
        run = _map(gate.get("run"))
        cursor = _map(state.get("cursor"))
        timing = _map(state.get("timing"))

        group = _text(request.get("group")) or _text(getattr(plan_group, "name", None)) or "unknown group"
        direction = _text(request.get("direction")) or "failover"
        dry_run = bool(request.get("dry_run")) or bool(decision.get("dry_run")) or bool(run.get("dry_run"))
        trigger = _trigger(request)
        checks = _checks(decision.get("checks"))
        actions = _actions(cursor.get("completed"), state.get("stage_results"))
        verification = _verification(cursor.get("verification"))
        approval = _approval(state.get("approval"), run, timing, plan_group)
        error = _error(state.get("error"), phase)
        source_side, target_side = _sides(decision, direction, plan_group)
        skip_kind = _skip_kind(decision, checks) if phase == "skipped" else None

        now = now or datetime.now(UTC)
        triggered_at = trigger.time or _text(request.get("received_at"))
        started = _parse_time(triggered_at)
        elapsed = max(0.0, (now - started).total_seconds()) if started else None
        rto = _int(getattr(plan_group, "rto_objective_seconds", None)) or _int(timing.get("rto_objective_seconds"))

        execution_id = execution_id or _text(state.get("execution_id"))
        notifications = getattr(plan_group, "notifications", None)
        severity = _severity(phase, skip_kind)
        status = _status(phase, skip_kind, approval)
        incident = cls(
            phase=phase,
            status=status,
            severity=severity,
            skip_kind=skip_kind,
            headline=_headline(direction, status, group, dry_run),
            summary="",
            group=group,
            group_description=_text(getattr(plan_group, "description", None)) or "",
            direction=direction,
            source_side=source_side,
            target_side=target_side,
            dry_run=dry_run,
            execution_id=execution_id,
            incident_id=_text(request.get("incident_id")) or _text(request.get("request_id")),
            request_id=_text(request.get("request_id")),
            trigger=trigger,
            decision_outcome=_text(decision.get("outcome")),
            decision_reason=_text(decision.get("reason")),
            checks=checks,
            actions=actions,
            verification=verification,
            approval=approval,
            error=error,
            triggered_at=triggered_at,
            elapsed_seconds=elapsed,
            rto_objective_seconds=rto,
            links=_links(execution_id, trigger, console_region, _text(getattr(notifications, "runbook_url", None)))
            + _report_links(state),
            mention=_text(getattr(notifications, "mention", None)) if _needs_person(phase, skip_kind) else None,
            generated_at=iso(now),
        )
        incident.summary = _summary(incident)
        incident.next_steps = _next_steps(incident)
        return incident

    # ------------------------------------------------------------------ small views

    @property
    def route(self) -> str:
        """ "us-east-1 → us-west-2", or the best that is known."""
        if self.source_side and self.target_side:
            return f"{self.source_side} → {self.target_side}"
        return f"→ {self.target_side}" if self.target_side else ""

    @property
    def elapsed_text(self) -> str:
        if self.elapsed_seconds is None:
            return "unknown"
        text = duration(self.elapsed_seconds)
        if self.rto_objective_seconds:
            pct = 100 * self.elapsed_seconds / self.rto_objective_seconds
            verdict = "within" if self.elapsed_seconds <= self.rto_objective_seconds else "OVER"
            return f"{text} of {duration(self.rto_objective_seconds)} RTO objective ({pct:.0f}%, {verdict})"
        return text

    @property
    def trigger_text(self) -> str:
        t = self.trigger
        if t.alarm_name:
            where = f" ({t.region})" if t.region else ""
            state = f" is {t.state}" if t.state else ""
            return f"alarm {t.alarm_name}{where}{state}"
        if t.health_check_id:
            return f"health check {t.health_check_id}"
        if t.source in {"manual", "drill"}:
            return f"{t.source} request by {t.requested_by or 'unknown'}"
        return t.source or "unknown trigger"

    def subject(self) -> str:
        """A one-line subject (e-mail) within SNS's 100 printable ASCII characters."""
        text = f"{self.headline} ({self.route})" if self.route else self.headline
        text = text.replace("→", "->")
        text = "".join(ch if 32 <= ord(ch) < 127 else "?" for ch in text)
        return clip(text, 100, marker="...")

    def to_text(self, *, max_items: int = 50, max_chars: int = 16000) -> str:
        """A plain-text body a person reads in an e-mail or a terminal."""
        lines = [self.headline, "=" * min(len(self.headline), 72), ""]
        if self.dry_run:
            lines += ["DRY RUN: nothing was or will be changed; actions report what they would do.", ""]
        lines += [self.summary, ""]
        lines += [
            f"Status:     {self.status} (severity {self.severity})",
            f"Group:      {self.group}" + (f" - {self.group_description}" if self.group_description else ""),
            f"Direction:  {self.direction}" + (f" ({self.route})" if self.route else ""),
            f"Trigger:    {self.trigger_text}",
        ]
        if self.trigger.reason:
            lines.append(f"Reason:     {clip(one_line(self.trigger.reason), 1000)}")
        lines.append(f"Elapsed:    {self.elapsed_text}")
        if self.incident_id:
            lines.append(f"Incident:   {self.incident_id}")
        if self.decision_outcome or self.decision_reason:
            lines += ["", f"Decision: {self.decision_outcome or '?'} - {self.decision_reason or ''}".rstrip(" -")]
        if self.checks:
            lines += ["", f"Checks ({sum(c.ok for c in self.checks)}/{len(self.checks)} passed):"]
            lines += _limited([check_line(c) for c in failed_first(self.checks)], max_items, "checks")
        if self.actions:
            lines += ["", f"Actions ({len(self.actions)}):"]
            lines += _limited([action_line(a) for a in self.actions], max_items, "actions")
        if self.verification:
            lines += ["", f"Verification: {verification_line(self.verification)}"]
            lines += _limited([check_line(c) for c in failed_first(self.verification.checks)], max_items, "checks")
        if self.approval and (self.approval.by or self.approval.timed_out):
            lines += ["", f"Approval: {approval_line(self.approval)}"]
        if self.error:
            lines += ["", f"Error: {self.error.error}", clip(self.error.cause, 2000)]
        if self.next_steps:
            lines += ["", "What to do next:"] + [f"  - {step}" for step in self.next_steps]
        if self.links:
            lines += ["", "Links:"] + [f"  - {link.label}: {link.url}" for link in self.links]
        if self.execution_id:
            lines += ["", f"Execution: {self.execution_id}"]
        return clip("\n".join(lines), max_chars, marker="\n… (truncated: the execution output has the rest)")

    def to_machine(self, *, max_items: int = 200, max_chars: int = 4000) -> dict[str, Any]:
        """The incident as JSON for machines, with long lists and strings cut (counts kept)."""
        data = self.model_dump(mode="json")
        truncated = False
        for key in ("checks", "actions"):
            items = data.get(key) or []
            data[f"{key}_total"] = len(items)
            if len(items) > max_items:
                data[key] = items[:max_items]
                truncated = True
        if data.get("verification") and len(data["verification"].get("checks") or []) > max_items:
            data["verification"]["checks"] = data["verification"]["checks"][:max_items]
            truncated = True
        data, cut = _clip_strings(data, max_chars)
        data["truncated"] = truncated or cut
        data["schema"] = "failover.notification/1"
        return data


# ---------------------------------------------------------------------- text helpers


def clip(text: str, limit: int, marker: str = "… (truncated)") -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``marker`` when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return text[:limit]
    return text[: limit - len(marker)] + marker


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def duration(seconds: float) -> str:
    seconds = round(max(0.0, seconds))
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def failed_first(checks: Iterable[CheckLine]) -> list[CheckLine]:
    return sorted(checks, key=lambda c: c.ok)


def check_line(check: CheckLine) -> str:
    mark = "ok  " if check.ok else ("FAIL" if check.blocking else "warn")
    detail = f": {clip(one_line(check.detail), 300)}" if check.detail else ""
    return f"  [{mark}] {clip(check.name, 100)}{detail}"


def action_line(action: ActionLine) -> str:
    stage = f"{clip(action.stage, 64)} / " if action.stage else ""
    target = f" on {clip(action.target, 200)}" if action.target else ""
    detail = f": {clip(one_line(action.detail), 300)}" if action.detail else ""
    error = f" (error: {clip(one_line(action.error), 300)})" if action.error else ""
    return f"  [{action.status}] {stage}{clip(action.name, 100)}{target}{detail}{error}"


def verification_line(v: VerificationView) -> str:
    word = "passed" if v.ok else ("failed" if v.ok is False else "unknown")
    attempt = f" (attempt {v.attempt} of {v.max_attempts})" if v.attempt and v.max_attempts else ""
    stage = f" after stage {v.stage}" if v.stage else ""
    return f"{word}{stage}{attempt}"


def approval_line(a: ApprovalView) -> str:
    if a.timed_out:
        return f"timed out; policy on timeout: {a.policy or a.on_timeout or 'abort'}"
    word = "approved" if a.approved else "denied"
    at = f" at {a.at}" if a.at else ""
    return f"{word} by {a.by or 'unknown'}{at}"


def _limited(lines: list[str], max_items: int, noun: str) -> list[str]:
    if len(lines) <= max_items:
        return lines
    return [*lines[:max_items], f"  … and {len(lines) - max_items} more {noun} (see the execution output)"]


def _clip_strings(value: Any, limit: int) -> tuple[Any, bool]:
    if isinstance(value, str):
        return (clip(value, limit), True) if len(value) > limit else (value, False)
    if isinstance(value, dict):
        cut = False
        out: dict[str, Any] = {}
        for k, v in value.items():
            out[k], c = _clip_strings(v, limit)
            cut = cut or c
        return out, cut
    if isinstance(value, list):
        cut = False
        items = []
        for v in value:
            item, c = _clip_strings(v, limit)
            items.append(item)
            cut = cut or c
        return items, cut
    return value, False


# ---------------------------------------------------------------------- defensive readers


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return str(value)
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        ts = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def _trigger(request: Mapping[str, Any]) -> TriggerView:
    t = _map(request.get("trigger"))
    return TriggerView(
        source=_text(request.get("source")),
        alarm_name=_text(t.get("alarm_name")),
        alarm_arn=_text(t.get("alarm_arn")),
        region=_text(t.get("region")),
        state=_text(t.get("state")),
        reason=_text(t.get("reason")) or _text(request.get("reason")),
        time=_text(t.get("time")),
        health_check_id=_text(t.get("health_check_id")),
        requested_by=_text(request.get("requested_by")),
    )


def _check(value: Any) -> CheckLine | None:
    c = _map(value)
    if not c:
        return None
    blocking = c.get("blocking")
    return CheckLine(
        name=_text(c.get("name")) or "check",
        ok=bool(c.get("ok")),
        detail=_text(c.get("detail")) or "",
        blocking=True if blocking is None else bool(blocking),
    )


def _checks(value: Any) -> list[CheckLine]:
    return [c for c in (_check(v) for v in _list(value)) if c is not None]


def _actions(completed: Any, stage_results: Any) -> list[ActionLine]:
    lines: list[ActionLine] = []
    seen: set[tuple[str | None, str]] = set()
    for value in [*_list(completed), *_list(stage_results)]:
        a = _map(value)
        if not a:
            continue
        name = _text(a.get("name")) or _text(a.get("action")) or "action"
        key = (_text(a.get("stage")), name)
        if key in seen:
            continue
        seen.add(key)
        lines.append(
            ActionLine(
                name=name,
                action=_text(a.get("action")) or "",
                stage=_text(a.get("stage")),
                target=_text(a.get("target")) or "",
                status=_text(a.get("status")) or "unknown",
                detail=_text(a.get("detail")) or "",
                changes=[s for s in (_text(x) for x in _list(a.get("changes"))) if s],
                error=_text(a.get("error")),
            )
        )
    return lines


def _verification(value: Any) -> VerificationView | None:
    v = _map(value)
    if not v:
        return None
    ok = v.get("ok")
    return VerificationView(
        ok=None if ok is None else bool(ok),
        attempt=_int(v.get("attempt")),
        max_attempts=_int(v.get("max_attempts")),
        stage=_text(v.get("stage")),
        checks=_checks(v.get("checks")),
    )


def _approval(value: Any, run: Mapping[str, Any], timing: Mapping[str, Any], group: Any) -> ApprovalView | None:
    a = _map(value)
    policy = getattr(getattr(group, "safety", None), "approval", None)
    timeout = _int(timing.get("approval_timeout_seconds")) or _int(getattr(policy, "timeout_seconds", None))
    on_timeout = _text(run.get("approval_on_timeout")) or _text(getattr(policy, "on_timeout", None))
    if not a and timeout is None and on_timeout is None:
        return None
    approved = a.get("approved")
    return ApprovalView(
        approved=None if approved is None else bool(approved),
        by=_text(a.get("by")) or _text(a.get("decided_by")) or _text(a.get("user")),
        at=_text(a.get("at")) or _text(a.get("decided_at")),
        timed_out=bool(a.get("timed_out")),
        policy=_text(a.get("policy")),
        comment=_text(a.get("comment")) or _text(a.get("reason")),
        timeout_seconds=timeout,
        on_timeout=on_timeout,
    )


def _error(value: Any, phase: str) -> ErrorView | None:
    e = _map(value)
    if not e:
        return None
    name = _text(e.get("Error")) or _text(e.get("error")) or "Error"
    raw = e.get("Cause", e.get("cause"))
    cause = _text(raw) or ""
    if isinstance(raw, str) and raw.lstrip().startswith("{"):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            name = _text(parsed.get("errorType")) or name
            cause = _text(parsed.get("errorMessage")) or _text(parsed.get("message")) or cause
    return ErrorView(error=name, cause=clip(cause, _MAX_CAUSE))


def _side_name(role: str | None, group: Any) -> str | None:
    if not role:
        return None
    side = getattr(group, role, None) if role in {"primary", "secondary"} else None
    name = getattr(side, "name", None)
    return f"{role} {name}" if isinstance(name, str) and name else role


def _sides(decision: Mapping[str, Any], direction: str, group: Any) -> tuple[str | None, str | None]:
    source = _text(decision.get("source_side"))
    target = _text(decision.get("target_side"))
    if not source or not target:
        roles = ("secondary", "primary") if direction == "failback" else ("primary", "secondary")
        source, target = source or roles[0], target or roles[1]
    return _side_name(source, group), _side_name(target, group)


def _skip_kind(decision: Mapping[str, Any], checks: list[CheckLine]) -> SkipKind:
    explicit = _text(decision.get("kind")) or _text(decision.get("skip_kind"))
    if explicit in {"refused", "noop"}:
        return explicit  # type: ignore[return-value]
    active, target = _text(decision.get("active_side")), _text(decision.get("target_side"))
    if active and target and active == target:
        return "noop"
    failing = [c for c in checks if not c.ok and c.blocking]
    if failing and all(any(h in _norm(c.name) for h in NOOP_CHECK_HINTS) for c in failing):
        return "noop"
    return "refused"


def _needs_person(phase: str, skip_kind: SkipKind | None) -> bool:
    return phase in {"failed", "approval"} or (phase == "skipped" and skip_kind == "refused")


def _norm(name: str) -> str:
    return "_".join(name.lower().replace("-", " ").split())


def _severity(phase: str, skip_kind: SkipKind | None) -> Severity:
    if phase == "failed":
        return "critical"
    if phase in {"succeeded", "recovered"} or (phase == "skipped" and skip_kind == "noop"):
        return "info"
    return "warning"


def _status(phase: str, skip_kind: SkipKind | None, approval: ApprovalView | None) -> str:
    if phase == "skipped":
        return "NOTHING TO DO" if skip_kind == "noop" else "REFUSED"
    if phase == "denied" and approval and approval.timed_out:
        return "APPROVAL TIMED OUT"
    return {
        "started": "STARTED",
        "approval": "APPROVAL NEEDED",
        "succeeded": "SUCCEEDED",
        "failed": "FAILED",
        "denied": "DENIED",
        "recovered": "RECOVERED",
    }.get(phase, phase.upper())


def _headline(direction: str, status: str, group: str, dry_run: bool) -> str:
    prefix = "[DRY RUN] " if dry_run else ""
    return clip(f"{prefix}{direction.capitalize()} {status}: {group}", 150)


def _summary(i: Incident) -> str:
    route = f" from {i.source_side} to {i.target_side}" if i.source_side and i.target_side else ""
    reason = f": {clip(one_line(i.decision_reason), 500)}" if i.decision_reason else ""
    what = i.direction
    dry = "DRY RUN, no change is made. " if i.dry_run else ""
    if i.phase == "started":
        extra = ""
        if i.approval and i.approval.timed_out:
            extra = " The approval timed out and the group's policy is to proceed."
        elif i.approval and i.approval.approved:
            extra = f" Approved by {i.approval.by or 'unknown'}."
        return f"{dry}Started the {what} of {i.group}{route} after {i.trigger_text}{reason}.{extra}"
    if i.phase == "approval":
        why = reason.replace(": approval required: ", ": ", 1)
        return f"{dry}The {what} of {i.group}{route} waits for a person's approval{why}."
    if i.phase == "succeeded":
        changed = sum(a.status == "changed" for a in i.actions)
        return (
            f"{dry}The {what} of {i.group}{route} succeeded and was verified: {changed} change(s) made, "
            f"{len(i.actions)} action(s) in {i.elapsed_text}."
        )
    if i.phase == "failed":
        where = f" {i.error.error}: {clip(one_line(i.error.cause), 500)}" if i.error else " (no error detail)"
        failed = [a.name for a in i.actions if a.status == "failed"]
        names = f" Failed action(s): {', '.join(failed[:5])}." if failed else ""
        return f"{dry}The {what} of {i.group}{route} FAILED:{where}.{names}"
    if i.phase == "skipped":
        if i.skip_kind == "noop":
            return f"{dry}Nothing to do for {i.group}{reason}."
        return f"{dry}The safety gate refused the {what} of {i.group}{route}{reason}."
    if i.phase == "denied":
        if i.approval and i.approval.timed_out:
            return f"{dry}Nobody approved the {what} of {i.group} in time; it was aborted. No change was made."
        by = i.approval.by if i.approval and i.approval.by else "a person"
        return f"{dry}The {what} of {i.group}{route} was denied by {by}. No change was made."
    if i.phase == "recovered":
        return f"{dry}The trigger of {i.group} has recovered ({i.trigger_text})."
    return f"{dry}{i.group}: {i.phase}{reason}."


def _next_steps(i: Incident) -> list[str]:
    steps: list[str] = []
    if i.phase == "started":
        steps = [
            "No action needed: the automation is failing over and will report success or failure here.",
            "To stop further failovers, pause the group (failoverctl pause).",
        ]
    elif i.phase == "approval":
        policy = i.approval.on_timeout if i.approval and i.approval.on_timeout else "abort"
        wait = duration(i.approval.timeout_seconds) if i.approval and i.approval.timeout_seconds else "the timeout"
        steps = [
            "Review the checks that failed, then approve or deny.",
            f"Without an answer within {wait}, the group's policy applies: {policy}.",
        ]
    elif i.phase == "succeeded":
        steps = [
            f"Confirm that users are served from {i.target_side or 'the target side'}.",
            f"Find out why {i.source_side or 'the source side'} failed; fail back once it is healthy and caught up.",
        ]
    elif i.phase == "failed":
        steps = [
            "A person must take over now: the failover did not complete.",
            "Open the execution to see which state failed; changed actions list how to undo them.",
            "Fail over by hand with the runbook if the primary is still down.",
        ]
    elif i.phase == "skipped" and i.skip_kind == "noop":
        steps = ["No action needed."]
    elif i.phase == "skipped":
        steps = [
            "Check whether the primary is really down.",
            "If it is, fix what the failing check reports or fail over by hand with the runbook.",
        ]
    elif i.phase == "denied":
        steps = ["No change was made. If the primary is still down, start a new request when ready."]
    elif i.phase == "recovered":
        steps = ["Plan the failback once the primary has been healthy and its data is caught up."]
    if i.dry_run and i.phase in {"started", "succeeded", "failed"}:
        steps.append("This was a dry run: review what the actions would have changed.")
    return steps


def _console(region: str, partition: str = "aws") -> str:
    if partition == "aws-cn":
        return f"https://{region}.console.amazonaws.cn"
    if partition == "aws-us-gov":
        return f"https://{region}.console.amazonaws-us-gov.com"
    return f"https://{region}.console.aws.amazon.com"


def _arn_parts(arn: str | None) -> tuple[str, str] | None:
    parts = (arn or "").split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[3]:
        return parts[1], parts[3]
    return None


def _links(
    execution_id: str | None, trigger: TriggerView, console_region: str | None, runbook: str | None
) -> list[Link]:
    links: list[Link] = []
    parts = _arn_parts(execution_id)
    if execution_id and (parts or console_region):
        partition, region = parts or ("aws", console_region or "")
        url = (
            f"{_console(region, partition)}/states/home?region={region}"
            f"#/v2/executions/details/{quote(execution_id, safe=':')}"
        )
        links.append(Link(label="Step Functions execution", url=url))
    if trigger.alarm_name:
        alarm_parts = _arn_parts(trigger.alarm_arn)
        partition, region = alarm_parts or ("aws", trigger.region or console_region or "")
        region = trigger.region or region
        if region:
            alarm = quote(trigger.alarm_name, safe="")
            url = f"{_console(region, partition)}/cloudwatch/home?region={region}#alarmsV2:alarm/{alarm}"
            links.append(Link(label="CloudWatch alarm", url=url))
    if runbook:
        links.append(Link(label="Runbook", url=runbook))
    return links


def _report_links(state: Any) -> list[Link]:
    """The incident report the close step wrote (``closed.incident.report``: S3 URIs), if any."""
    closed = state.get("closed") if isinstance(state, Mapping) else None
    incident = closed.get("incident") if isinstance(closed, Mapping) else None
    report = incident.get("report") if isinstance(incident, Mapping) else None
    if not isinstance(report, Mapping):
        return []
    out = []
    for ext, label in (("html", "Incident report (HTML)"), ("md", "Incident report (Markdown)")):
        uri = report.get(ext)
        if isinstance(uri, str) and uri.startswith("s3://"):
            bucket, _, key = uri[5:].partition("/")
            out.append(Link(label=label, url=f"https://{bucket}.s3.amazonaws.com/{quote(key)}"))
    return out


def deadline(seconds: int | None, now: datetime | None = None) -> str | None:
    if not seconds:
        return None
    return iso((now or datetime.now(UTC)) + timedelta(seconds=seconds))


class ApprovalLinks(View):
    """What the approval message offers: the id the Slack buttons carry, and signed links."""

    approval_id: str = Field(min_length=1, max_length=2000)
    approve_url: str | None = None
    deny_url: str | None = None
    expires_at: str | None = None

    @field_validator("expires_at", mode="before")
    @classmethod
    def _epoch_to_iso(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return iso(datetime.fromtimestamp(value, UTC))
        return value
