"""The safety gate: decide whether failing over is safe, and say why with every check it ran.

Order of the checks, and what a failure means:

1. automation enabled (plan and run-time pause switches, group enabled) ........ skip
2. trigger still firing after the confirmation wait (anti-flap) ................ skip
   or, for a group with ``signals``, corroborated confirmation (``checks/signals.py``): a quorum of
   independent signals and a healthy target decide before the full wait; until the wait is over
   the gate answers ``wait`` and looks again; signals that disagree after it ......... approval
3. target side healthy (quorum of Route 53 checkers, its own alarms OK) ........ skip
   (with several standbys: the first healthy one within the RPO budget able to take the load,
   ``checks/targets.py``; each standby passed over is recorded with its reasons)
   symmetric stacks (``settings.symmetric``): the target side is this stack's region ... skip
4. cooldown since the group's last failover (automatic requests) ............... skip
5. already on the target side ........................................ skip (a no-op that succeeds)
6. replication lag within the RPO budget ........... approval, or skip (``safety.on_rpo_breach``)
7. approval policy (``never`` / ``always`` / ``conditional``) ................... approval
8. group lock (DynamoDB conditional write, owner = the execution, with expiry) ... skip when held
   or, with ``settings.lease``, the group lease on a majority of lock tables (``infra/lease.py``),
   then the cooldown since the group's last activation by any stack, read with the grant ..... skip
9. global rate limit (N failovers per window, across groups) .................... approval

Before the anti-flap check, traffic going back to a side that a one-way action left (a promoted
replica, a global-cluster failover with data loss) needs that side re-protected
(``checks/reprotection.py``): an automatic request is refused, a person's needs approval.
"""

from __future__ import annotations

import re
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from failover.actions import build_action
from failover.actions.context import context_for, standby_of
from failover.checks.health import trigger_still_firing
from failover.checks.replication_lag import replication_lag
from failover.checks.reprotection import reprotection
from failover.checks.signals import Verdict, corroborate, next_wait
from failover.checks.targets import active_standby, choose_target
from failover.config import Env
from failover.errors import ActionError
from failover.infra import metrics as fmetrics
from failover.infra.clients import Clients
from failover.infra.lease import lease_for
from failover.infra.store import LockResult, Store
from failover.models import (
    AUTOMATIC_SOURCES,
    Check,
    Decision,
    Direction,
    FailoverRequest,
    Outcome,
    Source,
    parse_input,
)
from failover.observability import logger
from failover.plan import Group, Plan
from failover.state import ActionRef, Cursor, ExecutionState, GateResult, Run, StageRef, Timing

#: the gate's check of the cooldown shared by every stack through the lease
SHARED_COOLDOWN = "cooldown (every stack)"


def is_redrive(request: FailoverRequest, execution_id: str) -> bool:
    """An execution named ``<incident>-retry-<n>`` re-drives an incident whose earlier execution failed.

    Its actions may already have been applied (a crash after the change): the gate then does not
    skip as "already on target" but lets the idempotent actions run again and verification confirm.
    """
    if not request.incident_id:
        return False
    name = execution_id.rsplit(":", 1)[-1]
    return re.fullmatch(re.escape(request.incident_id) + r"-retry-[0-9]+", name) is not None


def stages_for(group: Group) -> list[StageRef]:
    return [
        StageRef(
            name=stage.name,
            actions=[ActionRef(name=name, type=spec.type) for st, name, spec in group.iter_actions() if st is stage],
        )
        for stage in group.stages
    ]


def run_for(group: Group, decision: Decision) -> Run:
    """What the state machine needs to carry the decision out."""
    stages = stages_for(group)
    return Run(
        dry_run=decision.dry_run,
        stage_count=len(stages),
        verify_attempts=group.verification.attempts,
        approval_on_timeout=group.safety.approval.on_timeout,
        cursor=Cursor(stage=stages[0]),
        stages=stages,
    )


class ValidateInput(BaseModel):
    model_config = ConfigDict(extra="ignore")
    state: ExecutionState
    execution_id: str


def validate(payload: Any, plan: Plan, env: Env, clients: Clients, store: Store) -> dict[str, Any]:
    """The validate step: decide, count, log and record the decision; return the state with its ``gate``."""
    data: ValidateInput = parse_input(payload, ValidateInput)
    state, request = data.state, data.state.request
    started = time.monotonic()
    state.gate = Gate(plan, env, clients, store).evaluate(request, owner=data.execution_id, timing=state.timing)
    decision = state.gate.decision
    if state.gate.corroboration is not None:  # the signals' clock moves on; a wait looks again after it
        clock = state.gate.corroboration
        state.timing = (state.timing or Timing()).model_copy(
            update={"corroboration": next_wait(clock, env.wait_scale) if decision.outcome == Outcome.WAIT else clock}
        )
    fmetrics.decision_time(request.group, (time.monotonic() - started) * 1000, request.incident_id)
    if decision.outcome == Outcome.PROCEED:
        fmetrics.count("started", request.group, incident_id=request.incident_id)
    logger.info(
        "decision",
        extra={
            "group": request.group,
            "outcome": decision.outcome,
            "reason": decision.reason,
            "checks": [c.to_json() for c in decision.checks],
        },
    )
    # proceed: recorded beside the first stage, off the path to the change; wait: the final decision lists the signals
    if decision.outcome not in (Outcome.PROCEED, Outcome.WAIT):
        store.record_decision(request.incident_id, decision.to_json())
    return state.to_json()


class Gate:
    def __init__(self, plan: Plan, env: Env, clients: Clients, store: Store | None = None) -> None:
        self.plan = plan
        self.env = env
        self.clients = clients
        self.store = store or Store(env.table_name, clients)

    def evaluate(self, request: FailoverRequest, owner: str, timing: Timing | None = None) -> GateResult:
        group = self.plan.group(request.group)
        dry_run = bool(request.dry_run or group.safety.dry_run or self.env.global_dry_run)
        automatic = request.source in AUTOMATIC_SOURCES
        checks: list[Check] = []

        def decide(outcome: Outcome, reason: str) -> GateResult:
            decision = Decision(
                outcome=outcome,
                reason=reason,
                checks=checks,
                source_side=source,
                target_side=target,
                active_side=active,
                dry_run=dry_run,
                lock_owner=owner if lock_taken else None,
                lease_token=lock.token if lock_taken and lock is not None else None,
            )
            clock = signals.clock if signals is not None else None
            return GateResult(decision=decision, run=run_for(group, decision), corroboration=clock)

        lock_taken = False
        signals = None
        lock: LockResult | None = None
        # read once, in one call: pause flags, cooldown and active side, and the global pause
        state, settings = self.store.group_state_and_settings(group.name)
        active: str | None = state.get("active_side")
        # the pair before the target is chosen: a failback returns from the active standby; a failover
        # goes to the first standby unless the choice (step 3) passes it over
        source, target = group.sides_for(request.direction, active_standby(group, active))

        # 1. automation enabled
        enabled = self._enabled_check(group, request, automatic, state, settings)
        checks.append(enabled)
        if not enabled.ok:
            return decide(Outcome.SKIP, enabled.detail)

        # direction policy: automatic failback only when the plan allows it
        if request.direction == Direction.FAILBACK and automatic and group.safety.failback.mode != "automatic":
            checks.append(
                Check(
                    name="failback policy",
                    ok=False,
                    detail="automatic failback is off for this group",
                    values={"mode": group.safety.failback.mode},
                )
            )
            return decide(Outcome.SKIP, "automatic failback is off for this group")

        # one-way doors: the side traffic returns to must be re-protected first
        refused, one_way_reason = self._one_way_check(group, state, target, automatic, checks)
        if refused:
            return decide(Outcome.SKIP, refused)

        # 2. anti-flap, or a quorum of the group's independent signals confirming sooner
        signals = corroborate(
            group,
            request,
            target,
            timing.corroboration if timing else None,
            self.clients,
            remembered=lambda: self.store.remembered_health_events(request.incident_id),
        )
        if signals is not None:
            checks.append(signals.check)
            if signals.verdict == Verdict.WAIT:
                return decide(Outcome.WAIT, signals.check.detail)
        if signals is None or signals.verdict != Verdict.CORROBORATED:
            firing = trigger_still_firing(request, group, self.clients)
            checks.append(firing)
            if not firing.ok:
                return decide(Outcome.SKIP, f"the trigger cleared during the confirmation period: {firing.detail}")

        # 3. the target: healthy (for a failover, the first standby that is healthy, within the RPO
        # budget and able to take the load; checks/targets.py)
        choice = choose_target(group, request.direction, active, self.clients)
        checks.extend(choice.checks)
        if choice.target is None:
            return decide(Outcome.SKIP, choice.reason)
        if choice.target != target:  # another standby than the first: its own one-way doors
            source, target = choice.source, choice.target
            refused, one_way_reason = self._one_way_check(group, state, target, automatic, checks)
            if refused:
                return decide(Outcome.SKIP, refused)

        # symmetric stacks: each activates only its own region, and only probes the others
        if self.plan.settings.symmetric:
            own = self._own_region_check(group, target)
            checks.append(own)
            if not own.ok:
                return decide(Outcome.SKIP, f"standing down: {own.detail}")

        # 4. cooldown
        cooldown = self._cooldown_check(
            group, automatic, state.get("last_failover_epoch"), {"last_failover_at": state.get("last_failover_at")}
        )
        checks.append(cooldown)
        if not cooldown.ok:
            return decide(Outcome.SKIP, cooldown.detail)

        # 5. already on the target side (a re-drive runs its idempotent actions again and verifies)
        already = self._already_check(group, request, dry_run, target, standby_of(source, target))
        if already.values.get("on_target") and is_redrive(request, owner):
            already = already.model_copy(
                update={
                    "ok": True,
                    "detail": f"re-drive of incident {request.incident_id}: every action already serves {target}; "
                    "they run again (idempotent, nothing changes) and verification confirms",
                    "values": {**already.values, "redrive": True},
                }
            )
        checks.append(already)
        if already.ok is False and already.values.get("on_target"):
            active = target
            return decide(Outcome.SKIP, f"already on the {target} side: nothing to do")
        if already.values.get("observed"):
            active = already.values["observed"]

        outcome, reasons = Outcome.PROCEED, []
        if one_way_reason:
            outcome = Outcome.APPROVAL
            reasons.append(one_way_reason)
        if signals is not None and signals.verdict == Verdict.CONFLICT:
            if group.safety.approval.mode == "never":
                return decide(Outcome.SKIP, f"the signals disagree and no person may decide: {signals.check.detail}")
            outcome = Outcome.APPROVAL
            reasons.append(signals.check.detail)

        if choice.capacity:
            outcome = Outcome.APPROVAL
            reasons.append(f"the {target} standby cannot take the whole load ({'; '.join(choice.capacity)})")

        # 6. data safety
        lag = choice.lag or replication_lag(group, self.clients, side=group.side(target))
        checks.append(lag)
        if not lag.ok:
            if group.safety.on_rpo_breach == "skip" or group.safety.approval.mode == "never":
                return decide(Outcome.SKIP, f"replication lag over the RPO budget: {lag.detail}")
            outcome = Outcome.APPROVAL
            reasons.append(f"replication lag over the RPO budget ({lag.detail})")

        # 7. approval policy
        policy = group.safety.approval.mode
        if policy == "always":
            outcome = Outcome.APPROVAL
            reasons.append("the plan asks for approval of every failover")
        checks.append(
            Check(
                name="approval policy",
                ok=outcome == Outcome.PROCEED,
                blocking=False,
                detail=f"policy '{policy}': "
                + ("approval required" if outcome == Outcome.APPROVAL else "no approval needed"),
                values={
                    "mode": policy,
                    "timeout_seconds": group.safety.approval.timeout_seconds,
                    "on_timeout": group.safety.approval.on_timeout,
                },
            )
        )

        # 8. lock (the group lease when the plan names lock tables in several regions)
        lock = self._take_lock(group, owner, request.incident_id or owner)
        lock_taken = lock.acquired
        checks.append(
            Check(
                name="group lock",
                ok=lock.acquired,
                detail=lock.detail
                if lock.acquired
                else f"another failover of {group.name} is in progress: {lock.detail}",
                values={
                    "owner": lock.owner,
                    "expires_at": lock.expires_at,
                    "took_over": lock.took_over,
                    "ttl_seconds": group.safety.lock_ttl_seconds,
                    "token": lock.token,
                },
            )
        )
        if not lock.acquired:
            return decide(
                Outcome.SKIP, f"another failover of {group.name} is in progress ({lock.owner or lock.detail})"
            )
        shared = self._shared_cooldown_check(group, automatic, lock)
        if shared is not None:
            checks.append(shared)
            if not shared.ok:
                self._release_lock(group, owner, lock.token)
                lock_taken = False
                return decide(Outcome.SKIP, shared.detail)

        # 9. rate limit (dry runs do not count)
        rate = self._rate_check(group, request, dry_run)
        checks.append(rate)
        if not rate.ok:
            if group.safety.approval.mode == "never":
                self._release_lock(group, owner, lock.token)
                lock_taken = False
                return decide(Outcome.SKIP, rate.detail)
            outcome = Outcome.APPROVAL
            reasons.append(rate.detail)

        if outcome == Outcome.APPROVAL:
            return decide(Outcome.APPROVAL, "approval required: " + "; ".join(reasons))
        verb = "dry run of failing" if dry_run else "failing"
        word = "over" if request.direction == Direction.FAILOVER else "back"
        return decide(Outcome.PROCEED, f"all checks passed: {verb} {word} from {source} to {target}")

    # ------------------------------------------------------------------------------------

    def _take_lock(self, group: Group, owner: str, incident_id: str) -> LockResult:
        lease = lease_for(self.plan.settings.lease, self.clients)
        if lease is None:
            return self.store.acquire_lock(group.name, owner, incident_id, group.safety.lock_ttl_seconds)
        return lease.acquire(group.name, owner, incident_id, group.safety.lock_ttl_seconds).lock_result()

    def _release_lock(self, group: Group, owner: str, token: int | None) -> None:
        lease = lease_for(self.plan.settings.lease, self.clients)
        if lease is None:
            self.store.release_lock(group.name, owner)
        else:
            lease.release(group.name, owner, token)

    def _own_region_check(self, group: Group, target: str) -> Check:
        """In symmetric mode a stack proceeds only when the chosen target side is in its own region."""
        region = group.side(target).region
        own = region == self.env.region
        return Check(
            name="target is this stack's region",
            ok=own,
            values={"stack_region": self.env.region, "target": target, "target_region": region},
            detail=f"the target side {target} is in {region}, this stack's region"
            if own
            else f"the target side {target} is in {region}; this stack in {self.env.region} activates only "
            f"its own region and leaves the failover to the stack in {region}",
        )

    def _enabled_check(
        self,
        group: Group,
        request: FailoverRequest,
        automatic: bool,
        state: dict[str, Any],
        settings: dict[str, Any],
    ) -> Check:
        values = {
            "plan_paused": self.plan.settings.paused,
            "global_paused": bool(settings.get("paused")),
            "group_paused": bool(state.get("paused")),
            "group_enabled": group.enabled,
            "automatic_allowed": group.safety.automatic,
            "request_source": request.source,
        }
        blockers = []
        if not group.enabled:
            blockers.append("the group is disabled in the plan")
        paused = []
        if self.plan.settings.paused:
            paused.append("the plan pauses all automation")
        if settings.get("paused"):
            paused.append(
                f"paused globally by {settings.get('paused_by')} ({settings.get('paused_reason') or 'no reason'})"
            )
        if state.get("paused"):
            paused.append(f"group paused by {state.get('paused_by')} ({state.get('paused_reason') or 'no reason'})")
        if automatic and not group.safety.automatic:
            blockers.append("the group accepts manual requests only (safety.automatic: false)")
        if paused and request.source != Source.MANUAL:
            blockers.extend(paused)
        if blockers:
            return Check(
                name="automation enabled", ok=False, detail="automation is off: " + "; ".join(blockers), values=values
            )
        note = "; a person asked, so the pause does not apply" if paused else ""
        return Check(
            name="automation enabled",
            ok=True,
            detail="automation is on" + (" but " + "; ".join(paused) + note if paused else ""),
            values=values,
        )

    def _one_way_check(
        self, group: Group, state: dict[str, Any], target: str, automatic: bool, checks: list[Check]
    ) -> tuple[str | None, str | None]:
        """(why an automatic request is refused, why a person must approve) when ``target`` is not re-protected."""
        protected = reprotection(group, list(state.get("one_way") or []), target, self.clients)
        if protected is None:
            return None, None
        checks.append(protected)
        if protected.ok:
            return None, None
        if automatic:
            return f"refusing to send traffic back: {protected.detail}", None
        return None, protected.detail

    def _cooldown_check(
        self,
        group: Group,
        automatic: bool,
        last: Any,
        values: dict[str, Any],
        *,
        name: str = "cooldown",
        what: str = "last failover",
    ) -> Check:
        """``cooldown_seconds`` since ``last`` (epoch seconds): a person may go ahead within it, an alarm not."""
        cooldown = group.safety.cooldown_seconds
        values = {"cooldown_seconds": cooldown, **values}
        if not last:
            return Check(name=name, ok=True, detail="no earlier failover of this group", values=values)
        elapsed = int(time.time()) - int(last)
        values["seconds_since_last"] = elapsed
        if elapsed >= cooldown:
            return Check(
                name=name, ok=True, values=values, detail=f"{what} {elapsed} s ago; cooldown {cooldown} s has passed"
            )
        if not automatic:
            return Check(
                name=name,
                ok=True,
                blocking=False,
                values=values,
                detail=f"{what} {elapsed} s ago (cooldown {cooldown} s), but a person asked",
            )
        return Check(
            name=name,
            ok=False,
            values=values,
            detail=f"{what} {elapsed} s ago; cooldown is {cooldown} s ({cooldown - elapsed} s left)",
        )

    def _shared_cooldown_check(self, group: Group, automatic: bool, lock: LockResult) -> Check | None:
        """With the lease: the cooldown since the group's last activation by any stack (the lease's tables
        record it at each release), so two stacks never act for one incident one after the other."""
        if lock.token is None:
            return None
        last = lock.last_activation or {}
        what = "last failover"
        if last:
            what = (
                f"the stack in {last.get('activated_region')} activated {last.get('activated_side')} "
                f"for incident {last.get('activated_incident')}"
            )
        return self._cooldown_check(
            group,
            automatic,
            last.get("activated_at"),
            {"last_activation": last or None},
            name=SHARED_COOLDOWN,
            what=what,
        )

    def _already_check(self, group: Group, request: FailoverRequest, dry_run: bool, target: str, standby: str) -> Check:
        ctx = context_for(group, request, self.clients, dry_run=dry_run, standby=standby)
        sides: dict[str, str] = {}
        details: list[str] = []
        for _stage, name, spec in group.iter_actions():
            action = build_action(spec, name, standby)
            try:
                observation = action.observe(action.in_account(ctx))
            except (ClientError, BotoCoreError, ActionError) as err:
                # what reading AWS can raise; any other error is a bug and fails the step loudly
                observation_side, detail = "unknown", f"could not read: {type(err).__name__}: {err}"
            else:
                observation_side, detail = ctx.side_key(observation.side), observation.detail
            sides[name] = observation_side
            details.append(f"{name}: {observation_side} ({detail})")
        # actions with nothing to switch (verification-only) do not vote
        voting = {n: s for n, s in sides.items() if s not in ("n/a",)}
        on_target = bool(voting) and all(s == target for s in voting.values())
        observed = None
        distinct = set(voting.values())
        if len(distinct) == 1:
            observed = next(iter(distinct))
        elif distinct:
            observed = "mixed"
        return Check(
            name="not already on target",
            ok=not on_target,
            blocking=False,
            detail=("every action already serves " + target if on_target else "; ".join(details)),
            values={"target": target, "actions": sides, "on_target": on_target, "observed": observed},
        )

    def _rate_check(self, group: Group, request: FailoverRequest, dry_run: bool) -> Check:
        limit = self.plan.settings.rate_limit
        values: dict[str, Any] = {"max_failovers": limit.max_failovers, "window_seconds": limit.window_seconds}
        if dry_run:
            return Check(
                name="global rate limit",
                ok=True,
                blocking=False,
                values=values,
                detail="dry run: does not count towards the rate limit",
            )
        slot = self.store.take_rate_slot(
            limit.max_failovers, limit.window_seconds, group.name, request.incident_id or request.request_id
        )
        values["slot"] = slot
        if slot is None:
            holders = [f"{s.get('group')} ({s.get('incident_id')})" for s in self.store.rate_slots()]
            values["holders"] = holders
            return Check(
                name="global rate limit",
                ok=False,
                values=values,
                detail=(
                    f"rate limit reached: {limit.max_failovers} failovers in {limit.window_seconds} s "
                    f"already ({', '.join(holders)})"
                ),
            )
        return Check(
            name="global rate limit",
            ok=True,
            values=values,
            detail=f"slot {slot + 1} of {limit.max_failovers} in the {limit.window_seconds} s window",
        )
