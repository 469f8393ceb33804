"""The ``Incident``: what a person needs to know about one phase of one execution.

It is built from the execution's state as the state machine passes it to the notify function,
read once as an ``ExecutionState``. Any part may be missing (a failure can happen before the gate
ran, the Map state may not have finished), so the state is read with ``ExecutionState.salvage``:
what does not match the model is left out, and ``Incident.from_state`` never raises.

SNS and Slack render the same ``Incident``; so does ``failoverctl notify preview``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, field_validator

from failover.checks.signals import decision_signals
from failover.models import ActionResult, Check, Decision, Escalation, FailoverRequest, Trigger, Verification, iso
from failover.plan import Group
from failover.state import ApprovalAnswer, ExecutionError, ExecutionState, Run, Timing

Severity = Literal["info", "warning", "critical"]
SkipKind = Literal["refused", "noop"]

PHASES = ("started", "approval", "succeeded", "failed", "skipped", "denied", "recovered", "rejected")

# A skip is "nothing to do" (not "refused") when the checks that said no are only these: the group
# already runs on the target side, or the trigger cleared during the confirmation wait (anti-flap).
NOOP_CHECK_HINTS = ("already", "on_target", "idempotent", "still_firing", "trigger_firing", "confirmation", "flap")

_MAX_CAUSE = 4000


class View(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TriggerView(Trigger):
    """The request's trigger, with where the request came from and who asked."""

    source: str | None = None
    requested_by: str | None = None


class ApprovalView(ApprovalAnswer):
    """A person's answer (if any), with the policy that applies without one."""

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
    checks: list[Check] = Field(default_factory=list)
    actions: list[ActionResult] = Field(default_factory=list)
    #: escalations to an unplanned path (data loss possible) that wait for this approval
    escalations: list[Escalation] = Field(default_factory=list)
    verification: Verification | None = None
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
        state: Any,
        plan_group: Group | None = None,
        execution_id: str | None = None,
        console_region: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Incident:
        """The incident view of ``state`` at ``phase``. Never raises: what does not match the model is left out."""
        st = ExecutionState.salvage(state)
        phase = str(phase or "unknown").lower()
        request = st.request if st else None
        decision = st.decision if st else None
        run = st.gate.run if st and st.gate else None
        timing = st.timing if st else None

        group = (request.group if request else None) or (plan_group.name if plan_group else None) or "unknown group"
        direction = str(request.direction) if request else "failover"
        dry_run = bool(st and st.dry_run)
        trigger = _trigger(request)
        checks = list(decision.checks) if decision else []
        actions = _actions(st)
        verification = st.cursor.verification if st and st.cursor else None
        approval = _approval(st.approval if st else None, run, timing, plan_group)
        error = _error(st.error if st else None)
        source_side, target_side = _sides(decision, direction, plan_group)
        skip_kind = _skip_kind(decision, checks) if phase == "skipped" else None

        now = now or datetime.now(UTC)
        triggered_at = trigger.time or (request.received_at if request else None)
        started = st.failure_at if st else None
        elapsed = max(0.0, (now - started).total_seconds()) if started else None
        rto = plan_group.rto_objective_seconds if plan_group else None

        notifications = plan_group.notifications if plan_group else None
        severity = _severity(phase, skip_kind)
        waiting = st.cursor.escalation if st and st.cursor else None
        escalations = list(waiting.actions.values()) if phase == "approval" and waiting and waiting.pending else []
        status = "ESCALATION APPROVAL NEEDED" if escalations else _status(phase, skip_kind, approval)
        incident = cls(
            phase=phase,
            status=status,
            severity=severity,
            skip_kind=skip_kind,
            headline=_headline(direction, status, group, dry_run),
            summary="",
            group=group,
            group_description=(plan_group.description if plan_group else None) or "",
            direction=direction,
            source_side=source_side,
            target_side=target_side,
            dry_run=dry_run,
            execution_id=execution_id,
            incident_id=(request.incident_id or request.request_id) if request else None,
            request_id=request.request_id if request else None,
            trigger=trigger,
            decision_outcome=str(decision.outcome) if decision else None,
            decision_reason=(decision.reason or None) if decision else None,
            checks=checks,
            actions=actions,
            escalations=escalations,
            verification=verification,
            approval=approval,
            error=error,
            triggered_at=triggered_at,
            elapsed_seconds=elapsed,
            rto_objective_seconds=rto,
            links=_links(execution_id, trigger, console_region, notifications.runbook_url if notifications else None)
            + _report_links(st.closed.incident if st and st.closed else {}),
            mention=(notifications.mention if notifications else None) if _needs_person(phase, skip_kind) else None,
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
        signals = decision_signals(self.checks)
        if signals is not None:
            lines += ["", signals[0] + ":"]
            lines += _limited([f"  - {clip(one_line(r.text()), 400)}" for r in signals[1]], max_items, "signals")
        for escalation in self.escalations:
            lines += ["", "Escalation to an unplanned path (waits for approval):", f"  {escalation.summary()}"]
            if escalation.one_way:
                lines.append(f"  One-way door: {escalation.one_way}")
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


def failed_first(checks: Iterable[Check]) -> list[Check]:
    return sorted(checks, key=lambda c: c.ok)


def check_line(check: Check) -> str:
    mark = "ok  " if check.ok else ("FAIL" if check.blocking else "warn")
    detail = f": {clip(one_line(check.detail), 300)}" if check.detail else ""
    return f"  [{mark}] {clip(check.name, 100)}{detail}"


def action_line(action: ActionResult) -> str:
    stage = f"{clip(action.stage, 64)} / " if action.stage else ""
    target = f" on {clip(action.target, 200)}" if action.target else ""
    detail = f": {clip(one_line(action.detail), 300)}" if action.detail else ""
    error = f" (error: {clip(one_line(action.error), 300)})" if action.error else ""
    return f"  [{action.status}] {stage}{clip(action.name, 100)}{target}{detail}{error}"


def verification_line(v: Verification) -> str:
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


def _trigger(request: FailoverRequest | None) -> TriggerView:
    if request is None:
        return TriggerView()
    return TriggerView.model_validate(
        {
            **request.trigger.to_json(),
            "reason": request.trigger.reason or request.reason,
            "source": str(request.source),
            "requested_by": request.requested_by,
        }
    )


def _actions(state: ExecutionState | None) -> list[ActionResult]:
    """Every action result so far, once each (a stage's results may also still be in ``stage_results``)."""
    if state is None:
        return []
    lines: list[ActionResult] = []
    seen: set[tuple[str | None, str]] = set()
    for result in [*state.completed, *(state.stage_results or [])]:
        if (result.stage, result.name) in seen:
            continue
        seen.add((result.stage, result.name))
        lines.append(result)
    return lines


def _approval(
    answer: ApprovalAnswer | None, run: Run | None, timing: Timing | None, group: Group | None
) -> ApprovalView | None:
    policy = group.safety.approval if group else None
    timeout = (timing.approval_timeout_seconds if timing else None) or (policy.timeout_seconds if policy else None)
    on_timeout = (run.approval_on_timeout if run else None) or (policy.on_timeout if policy else None)
    if answer is None and timeout is None and on_timeout is None:
        return None
    answered = answer.to_json() if answer else {}
    return ApprovalView.model_validate({**answered, "timeout_seconds": timeout, "on_timeout": on_timeout})


def _error(value: ExecutionError | None) -> ErrorView | None:
    """The error at ``$.error``; a Lambda error's ``Cause`` is JSON with its type and message."""
    if value is None:
        return None
    name = value.error or "Error"
    cause = value.cause or ""
    if cause.lstrip().startswith("{"):
        try:
            parsed = json.loads(cause)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            name = str(parsed.get("errorType") or name)
            cause = str(parsed.get("errorMessage") or parsed.get("message") or cause)
    return ErrorView(error=name, cause=clip(cause, _MAX_CAUSE))


def _side_name(role: str | None, group: Group | None) -> str | None:
    if not role:
        return None
    side = getattr(group, role, None) if role in {"primary", "secondary"} else None
    name = getattr(side, "name", None)
    return f"{role} {name}" if isinstance(name, str) and name else role


def _sides(decision: Decision | None, direction: str, group: Group | None) -> tuple[str | None, str | None]:
    source = decision.source_side if decision else None
    target = decision.target_side if decision else None
    if not source or not target:
        roles = ("secondary", "primary") if direction == "failback" else ("primary", "secondary")
        source, target = source or roles[0], target or roles[1]
    return _side_name(source, group), _side_name(target, group)


def _skip_kind(decision: Decision | None, checks: list[Check]) -> SkipKind:
    active, target = (decision.active_side, decision.target_side) if decision else (None, None)
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
        "rejected": "REJECTED",
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
    if i.phase == "approval" and i.escalations:
        names = ", ".join(e.tried for e in i.escalations)
        known = [e.estimated_data_loss_seconds for e in i.escalations if e.estimated_data_loss_seconds is not None]
        loss = (
            f"up to {max(known):g} s of writes"
            if known and len(known) == len(i.escalations)
            else "an amount of writes that cannot be estimated"
        )
        return (
            f"{dry}The {what} of {i.group}{route} cannot take its planned path ({names} refused: "
            f"{clip(one_line(i.escalations[0].impaired), 300)}). Escalating to "
            f"{', '.join(e.path for e in i.escalations)} may lose {loss} and opens a one-way door; "
            "it waits for a person's approval."
        )
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
    if i.phase == "rejected":
        why = f": {clip(one_line(i.error.cause), 500)}" if i.error and i.error.cause else ""
        return f"{dry}The {i.trigger_text} to {what} {i.group} was rejected{why}. No change was made."
    return f"{dry}{i.group}: {i.phase}{reason}."


def _next_steps(i: Incident) -> list[str]:
    steps: list[str] = []
    if i.phase == "started":
        steps = [
            "No action needed: the automation is failing over and will report success or failure here.",
            "To stop further failovers, pause the group (failoverctl pause).",
        ]
    elif i.phase == "approval" and i.escalations:
        wait = duration(i.approval.timeout_seconds) if i.approval and i.approval.timeout_seconds else "the timeout"
        steps = [
            "Approve only if losing the estimated writes is better than staying down; the side left must be "
            "re-protected before traffic returns to it.",
            f"Denied, or without an answer within {wait}, the run stops: nothing further is changed, and the "
            "failure notice lists what was changed before and how to undo it.",
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
    elif i.phase == "rejected":
        steps = [
            "Correct the request (the group must be one in the plan: failoverctl plan check lists them).",
            "Send it again, or fail over by hand with the runbook if the primary is down.",
        ]
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


def _report_links(incident: dict[str, Any]) -> list[Link]:
    """The incident report the close step wrote (``closed.incident.report``: S3 URIs), if any."""
    report = incident.get("report")
    if not isinstance(report, dict):
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
