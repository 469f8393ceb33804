"""The drill's virtual clock: the seconds a run would take with the plan's real waits.

A drill runs its waits at zero (``WAIT_SCALE``), so its wall time says nothing about recovery time.
The virtual clock replays what the run did (the trigger's source, the confirmation wait, the
decision, an approval's timeout, each stage's changes and each verification attempt) and advances
through the waits the plan would impose, with the same figures as ``failoverctl plan rto``
(``failoverctl.planning.rto``):

- detection, by what fired: a Route 53 health check turns unhealthy after ``interval x failure
  threshold``, then its alarm after ``period x evaluation periods``; a metric alarm needs only the
  second term; an RDS or AWS Health event, or a person's request, is the start itself;
- EventBridge delivery and transitions (2 s), and a cold start (1 s) for each function the first
  time the path calls it (trigger, validate, execute, verify; the started notice runs beside the
  change and is not on the path);
- the confirmation wait the run actually waited: with corroborating signals, the gate's clock
  (``GateResult.corroboration``: ``waited_seconds`` of the period when the deciding look came, in the
  plan's seconds), so a quorum that agrees at the first look decides after one interval and a lone
  probe waits the whole period; without signals, the wait the trigger sets (``timing_for``);
- an approval that timed out waits the plan's approval timeout; a person's answer counts 0 s (the
  drill's approver answers at once, and no setting says how long a person takes); the same holds for
  an escalation's approval, after which the stage runs again (1 s of transitions);
- each stage: 1 s of transitions, then its changes (the first change of an action that moves traffic,
  DNS, ARC, ELB weights or MRAP routes, is the "first change"; in a plan without one, the first change
  of any action); a change takes effect after its action's ``typical_seconds``; the check of attempt
  ``k`` comes ``k x verification.interval_seconds`` after the stage. The simulated AWS applies a
  change at once, so an attempt that passed in the drill is counted at the first check at or after
  the change typically takes effect.

Nothing sleeps: the clock is a sum over the run's record, so the same run gives the same seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from failover.models import AUTOMATIC_SOURCES, ActionResult, Direction, FailoverRequest, Source, Verification
from failover.plan import Group
from failover.state import ExecutionState
from failover.steps.trigger import timing_for
from failoverctl.planning.rto import (
    DNS_ACTION_TYPES,
    LAMBDA_COLD_START_SECONDS,
    PER_STAGE_ALLOWANCE_SECONDS,
    TRANSITION_ALLOWANCE_SECONDS,
    action_seconds,
    estimate,
)

#: Action types whose change moves traffic (database switchovers and capacity prepare for it)
TRAFFIC_ACTION_TYPES = DNS_ACTION_TYPES | {"elb_weights", "s3_mrap_routes"}


class ClockModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Tick(ClockModel):
    """One moment of the run on the virtual clock, in seconds from the failure."""

    at: float
    event: str
    detail: str


FIGURES = ("decision", "first_change", "recovery")


class SimulatedSeconds(ClockModel):
    """The three figures of a run (None when the run did not get there, with the reason in ``reasons``)."""

    decision: float | None = Field(default=None, description="failure to the gate's decision")
    first_change: float | None = Field(default=None, description="failure to the first change that moves traffic")
    recovery: float | None = Field(default=None, description="failure to the last stage verified on the target")
    reasons: dict[str, str] = Field(default_factory=dict, description="why each figure that is None is None")

    @classmethod
    def unreached(cls, reason: str) -> SimulatedSeconds:
        """No figure at all: the run never reached the gate (or never started)."""
        return cls(reasons=dict.fromkeys(FIGURES, reason))

    def explain(self, reason: str) -> None:
        """Give ``reason`` to every figure still None that has none yet."""
        for name in FIGURES:
            if getattr(self, name) is None:
                self.reasons.setdefault(name, reason)


class SimulatedTime(ClockModel):
    seconds: SimulatedSeconds
    ticks: list[Tick]
    plan_rto_seconds: float = Field(description="failoverctl plan rto: the worst-case estimate from the settings")
    plan_rto_corroborated_seconds: float | None = Field(
        default=None, description="failoverctl plan rto, a quorum of signals agreeing at the first look (with signals)"
    )
    rto_objective_seconds: int
    meets_objective: bool | None = Field(description="recovery within the objective (None: not recovered)")
    notes: list[str] = Field(default_factory=list)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.ticks: list[Tick] = []
        self.warm: set[str] = set()

    def advance(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

    def call(self, function: str) -> None:
        """A Lambda function on the path: a cold start the first time."""
        if function not in self.warm:
            self.warm.add(function)
            self.advance(LAMBDA_COLD_START_SECONDS)

    def tick(self, event: str, detail: str) -> float:
        when = round(self.now, 3)
        self.ticks.append(Tick(at=when, event=event, detail=detail))
        return when


def _detection(group: Group, request: FailoverRequest) -> tuple[float, str]:
    d = group.detection
    alarm = d.alarm_period_seconds * d.alarm_evaluation_periods
    alarm_text = f"alarm {d.alarm_period_seconds} s x {d.alarm_evaluation_periods} period(s)"
    if request.source == Source.HEALTH_CHECK:
        hc = d.health_check_interval_seconds * d.health_check_failure_threshold
        return float(hc + alarm), (
            f"health check {d.health_check_interval_seconds} s x {d.health_check_failure_threshold} failures,"
            f" then {alarm_text}"
        )
    if request.source == Source.ALARM:
        return float(alarm), alarm_text
    if request.source in AUTOMATIC_SOURCES:
        return 0.0, f"the {request.source} event is the first sign (its own delay is AWS's)"
    return 0.0, f"a {request.source} request: the clock starts when it is made"


def _stages_in_order(state: ExecutionState) -> list[str]:
    stages = [a.stage for a in state.completed] + [v.stage for v in state.verifications]
    return list(dict.fromkeys(stage or "-" for stage in stages))


def _typical(group: Group) -> dict[str, float]:
    return {name: action_seconds(spec)[0] for _stage, name, spec in group.iter_actions()}


def _verified_at(clock: _Clock, stage: str, attempts: list[Verification], effect: float, interval: int) -> float | None:
    """Walk the stage's verification attempts (each after its wait); the time the passing one comes, else None."""
    base = clock.now
    for v in attempts:
        clock.now = max(clock.now, base + v.attempt * interval)
        clock.call("verify")
        if v.ok:
            if clock.now < effect:  # the simulated AWS applied it at once; the real change needs its typical time
                checks = math.ceil((effect - base) / interval) if interval > 0 else 0
                clock.now = max(effect, base + checks * interval)
            return clock.tick("verified", f"stage {stage} verified (attempt {v.attempt} in the drill)")
        clock.tick("verification", f"stage {stage} attempt {v.attempt}: not yet")
    return None


def _confirmation(group: Group, state: ExecutionState) -> tuple[float, str]:
    """The confirmation wait the run went through, in the plan's seconds, and how it ended."""
    request = state.request
    corroboration = (state.gate.corroboration if state.gate else None) or (
        state.timing.corroboration if state.timing else None
    )
    if corroboration is not None:
        c = corroboration
        return float(c.waited_seconds), (
            f"corroborated confirmation: the gate looked at the signals {c.looks} time(s), every "
            f"{c.interval_seconds} s, and decided after {c.waited_seconds} s of the {c.period_seconds} s wait"
        )
    timing = timing_for(group, request, 1.0)
    # an execution started without the signals' clock waits the whole period before its one look
    wait = (timing.get("corroboration") or {}).get("period_seconds", timing["confirmation_seconds"])
    what = "healthy-for wait" if request.direction == Direction.FAILBACK else "anti-flap confirmation"
    return float(wait), f"{what} of {wait} s"


def _approval(group: Group, clock: _Clock, state: ExecutionState, notes: list[str]) -> None:
    """The gate's approval: a timeout waits the plan's timeout, a person's answer counts 0 s."""
    decision = state.decision
    if state.approval is not None:
        if state.approval.timed_out:
            clock.advance(timing_for(group, state.request, 1.0)["approval_timeout_seconds"])
            clock.tick("approval", "nobody answered: the approval timed out")
        else:
            clock.tick("approval", f"answered by {state.approval.by or 'a person'} (a person's time is not counted)")
            notes.append("the approver's own time is not counted")
    elif decision is not None and decision.outcome == "approval":
        clock.tick("approval", "waiting for a person")


def _escalation(group: Group, clock: _Clock, state: ExecutionState, entered: set[str], notes: list[str]) -> None:
    """A stage whose escalation waited for a person: the answer (0 s) or the timeout, then the stage again."""
    if "Escalation Timed Out" in entered:
        clock.advance(timing_for(group, state.request, 1.0)["approval_timeout_seconds"])
        clock.tick("escalation", "nobody answered the escalation's approval: it timed out (denied)")
    else:
        answered = [a.escalation.approved_by for a in state.completed if a.escalation and a.escalation.approved_by]
        by = answered[0] if answered else None
        clock.tick("escalation", f"escalation answered by {by or 'a person'} (a person's time is not counted)")
        if "the approver's own time is not counted" not in notes:
            notes.append("the approver's own time is not counted")
    clock.advance(PER_STAGE_ALLOWANCE_SECONDS)  # the stage runs again with the answer


def _waits_for_escalation(action: ActionResult) -> bool:
    return action.escalation is not None and action.escalation.policy == "approval"


def simulate(
    group: Group, final: dict[str, Any], states: Iterable[str] = (), taken_over: SimulatedTime | None = None
) -> SimulatedTime | None:
    """The run's seconds on the virtual clock (None when the execution state has no request).

    ``taken_over``: the clock of an earlier execution of the same incident that stopped holding the
    group's lease; this run is its re-drive, started once that lease ran out (``safety.lock_ttl_seconds``
    after the holder's decision), and the figures it lacks come from this run.
    """
    state = ExecutionState.salvage(final)
    if state is None:
        return None
    entered = set(states)
    clock = _Clock()
    notes: list[str] = []
    seconds = SimulatedSeconds()
    if taken_over is None or taken_over.seconds.decision is None:
        _start(group, clock, state.request)
    else:
        _resume(group, clock, taken_over, seconds)
    confirmation, confirmed = _confirmation(group, state)
    if confirmation and (not entered or "Wait For Confirmation" in entered):
        clock.advance(confirmation)
        clock.tick("confirmed", confirmed)
    decision = state.decision
    if decision is None:
        notes.append("the run stopped before the safety gate")
        seconds.explain(_stopped(state) or "the run stopped before the safety gate")
        return _result(group, clock, seconds, notes)
    clock.call("validate")
    at = clock.tick("decision", f"{decision.outcome}: {decision.reason}")
    seconds.decision = at if seconds.decision is None else seconds.decision
    _approval(group, clock, state, notes)
    all_verified = _stages(group, clock, state, entered, seconds, notes)
    succeeded = state.cursor is not None and state.cursor.done and all_verified and not state.error
    if succeeded and not state.dry_run and any(t.event == "change" for t in clock.ticks):
        seconds.recovery = round(clock.now, 3)
    if state.dry_run:
        notes.append("a dry run moves no traffic: no recovery time")
    if seconds.first_change is None and seconds.recovery is not None:
        seconds.reasons["first_change"] = "no action that moves traffic changed anything (traffic was already there)"
    seconds.explain(_why_not(state, decision.outcome, decision.reason, all_verified))
    return _result(group, clock, seconds, notes)


def _start(group: Group, clock: _Clock, request: FailoverRequest) -> None:
    """From the failure to the execution's start: detection by what fired, delivery, the trigger."""
    clock.tick("failure", "the primary fails")
    detection, how = _detection(group, request)
    clock.advance(detection)
    clock.tick("detected", how)
    clock.advance(TRANSITION_ALLOWANCE_SECONDS)
    clock.call("trigger")
    clock.tick("started", "EventBridge delivered the event; the trigger started the execution")


def _resume(group: Group, clock: _Clock, before: SimulatedTime, seconds: SimulatedSeconds) -> None:
    """A re-drive: the earlier holder's moments, its lease running out, then the new execution's start."""
    clock.ticks = [t for t in before.ticks if before.seconds.decision is None or t.at <= before.seconds.decision]
    seconds.decision = before.seconds.decision
    clock.now = float(before.seconds.decision or 0.0)
    clock.tick("stopped", "the lease holder stops answering with its changes in flight")
    ttl = group.safety.lock_ttl_seconds
    clock.advance(ttl)
    clock.tick("lease expired", f"safety.lock_ttl_seconds ({ttl} s) after the holder's decision")
    clock.advance(TRANSITION_ALLOWANCE_SECONDS)
    clock.tick("started", "a re-drive of the same incident started an execution that takes the lease over")


def _stages(
    group: Group,
    clock: _Clock,
    state: ExecutionState,
    entered: set[str],
    seconds: SimulatedSeconds,
    notes: list[str],
) -> bool:
    """Each stage's changes and verification on the clock; True when every stage that ran was verified."""
    typical = _typical(group)
    moves_traffic = {name for _stage, name, spec in group.iter_actions() if spec.type in TRAFFIC_ACTION_TYPES}
    interval = group.verification.interval_seconds
    all_verified = True
    for stage in _stages_in_order(state):
        clock.advance(PER_STAGE_ALLOWANCE_SECONDS)
        actions: list[ActionResult] = [a for a in state.completed if (a.stage or "-") == stage]
        if actions:
            clock.call("execute")
        changed = [a for a in actions if a.status == "changed"]
        effect = clock.now
        for batch in _batches(group, clock, state, entered, actions, changed, notes):
            for a in batch:
                at = clock.tick(
                    "change", f"{a.name} ({a.action}) changed: typically takes effect in {typical.get(a.name, 0):g} s"
                )
                effect = max(effect, at + typical.get(a.name, 0.0))
                if seconds.first_change is None and (a.name in moves_traffic or not moves_traffic):
                    seconds.first_change = at
        attempts = [v for v in state.verifications if (v.stage or "-") == stage]
        verified = _verified_at(clock, stage, attempts, effect, interval) if attempts else None
        if verified is None:
            all_verified = False
    return all_verified


def _batches(
    group: Group,
    clock: _Clock,
    state: ExecutionState,
    entered: set[str],
    actions: list[ActionResult],
    changed: list[ActionResult],
    notes: list[str],
) -> Iterable[list[ActionResult]]:
    """The stage's changes in the order they came: the first run's, then (after a person) the escalated ones."""
    waiting = [a for a in changed if _waits_for_escalation(a)]
    yield [a for a in changed if a not in waiting]
    if any(_waits_for_escalation(a) for a in actions) and "Request Escalation Approval" in entered:
        _escalation(group, clock, state, entered, notes)
        yield waiting


def _stopped(state: ExecutionState) -> str | None:
    if state.error is None:
        return None
    return f"the run failed: {state.error.error or 'an error'}: {(state.error.cause or '')[:200]}"


def _why_not(state: ExecutionState, outcome: str, reason: str, all_verified: bool) -> str:
    """Why the run has no first change or no recovery."""
    if outcome == "skip":
        return f"the gate skipped: {reason}"
    if outcome == "approval" and not state.completed:
        answer = state.approval
        return "nobody answered the approval" if answer is None or answer.timed_out else "the approval was denied"
    if state.dry_run:
        return "a dry run moves no traffic"
    stopped = _stopped(state)
    if stopped:
        return stopped
    if not any(a.status == "changed" for a in state.completed):
        failed = [a.name for a in state.completed if a.status == "failed"]
        if failed:
            return f"no action changed anything: {', '.join(failed)} failed"
        return "no action changed anything (every action found its change done)"
    if not all_verified:
        return "verification did not pass on the target"
    return "the run did not finish"


def _result(group: Group, clock: _Clock, seconds: SimulatedSeconds, notes: list[str]) -> SimulatedTime:
    rto = estimate(group)
    ttl = next((c.seconds for c in rto.components if c.name == "dns ttl"), 0.0)
    if ttl and seconds.recovery is not None:
        notes.append(f"resolvers may keep the old answer up to {ttl:g} s longer (the record TTL; plan rto counts it)")
    objective = group.rto_objective_seconds
    return SimulatedTime(
        seconds=seconds,
        ticks=clock.ticks,
        plan_rto_seconds=rto.total_seconds,
        plan_rto_corroborated_seconds=rto.corroborated.total_seconds if rto.corroborated else None,
        rto_objective_seconds=objective,
        meets_objective=None if seconds.recovery is None else seconds.recovery <= objective,
        notes=notes,
    )
