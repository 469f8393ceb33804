"""Recovery-time estimate of a failover group: worst-case seconds from the failure to traffic on the target.

The estimate is a sum of sequential parts, each computed from the group's settings (sources of every
figure in ``docs/rto.md``):

``detection``
    the slowest trigger path the group has: a Route 53 health check needs
    ``health_check_interval_seconds x health_check_failure_threshold`` to turn unhealthy, then the
    CloudWatch alarm on its ``HealthCheckStatus`` metric ``alarm_period_seconds x
    alarm_evaluation_periods`` to go to ALARM. A metric alarm alone needs only the second term.
``confirmation``
    ``safety.confirmation_seconds``: the anti-flap wait before the safety gate. For a group with
    ``signals`` this is the worst case (the signals do not agree); the estimate also gives the
    corroborated case as its own figure (``corroborated``): the same sum with the confirmation cut to
    the gate's first look, ``signals.interval_seconds`` in, when a quorum agrees at once.
``orchestration``
    Lambda cold starts of the functions on the path plus an allowance for EventBridge delivery and
    Step Functions state transitions (a documented figure, not a setting).
``stage <name>``
    stages run one after another; the actions of a stage run in parallel, so a stage costs its slowest
    action's time to take effect (the action type's figure in ``TYPICAL_SECONDS``, or the plan's override).
``verification``
    after each stage the state machine waits ``verification.interval_seconds`` before each check, so
    the check that sees the change comes at the first multiple of the interval at or after the change
    took effect: ``interval x expected attempts``. The part counted here is that wait beyond the
    slowest action (the action time is already counted in its stage).
``dns ttl``
    when the plan moves DNS, resolvers keep the old answer for up to the record's TTL.

The sum is an upper bound: in practice the last stage's verification and the DNS caches overlap.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from failover.plan import Group, Plan, Stage, action_name

#: Lambda cold start: "under 100 ms to over 1 s" (Lambda docs, runtime environment lifecycle); worst case used.
LAMBDA_COLD_START_SECONDS = 1.0
#: The functions a failover passes through before traffic moves: trigger, validate, notify, execute, verify.
FUNCTIONS_ON_PATH = ("trigger", "validate", "notify", "execute", "verify")
#: EventBridge delivery and the state machine's transitions before the first stage (project allowance).
TRANSITION_ALLOWANCE_SECONDS = 2.0
#: The Map, record and choice transitions of each stage (project allowance).
PER_STAGE_ALLOWANCE_SECONDS = 1.0
#: The gate's reads of one standby it passes over: health checks, alarms, lag metric, capacity (project allowance).
STANDBY_EXAMINE_SECONDS = 2.0

#: Typical seconds for an action type's change to take effect (a plan overrides it with the action's
#: ``typical_seconds``). Only the estimate reads it, so it lives here, not in the action classes. Sources
#: in docs/rto.md.
TYPICAL_SECONDS: dict[str, float] = {
    "route53_records": 60.0,  # INSYNC within 60 s (Route 53 FAQ)
    "route53_health_check_invert": 90.0,  # the health check re-evaluates: 30 s x 3 (Route 53 health checks)
    "route53_metric_switch": 120.0,  # the metric's alarm period, then the health check's own evaluation
    "arc_routing_control": 30.0,  # data plane; the routing control's health check follows (project figure)
    "rds_instance_failover": 120.0,  # Multi-AZ DB instance failover: typically 60-120 s (RDS docs)
    "rds_cluster_failover": 60.0,  # Aurora in-region under 60 s; Multi-AZ DB cluster under 35 s
    "rds_promote_replica": 300.0,  # no AWS figure: a project figure, measure it in a drill
    "aurora_global": 120.0,  # promote under 1 min, plus the writer endpoint and reconnection (Aurora User Guide)
    "elb_weights": 15.0,  # listener rule update (project figure)
    "asg_capacity": 300.0,  # instance launch + health-check grace (project figure)
    "s3_mrap_routes": 120.0,  # a route change takes up to 2 minutes (S3 Control API)
    "dynamodb_global_table": 1.0,  # active-active: one read; replication typically under a second behind
    "lambda_hook": 5.0,  # the hook's own run time (project figure)
    "ecs_service_capacity": 180.0,  # task placement, start and load balancer health checks (project figure)
    "aurora_capacity": 600.0,  # a new provisioned reader takes minutes (project figure); an ACU minimum applies at once
    "docdb_global_cluster": 120.0,  # promotion under a minute (DocumentDB Developer Guide), plus reconnection
    "elasticache_global_datastore": 60.0,  # promotion typically under a minute (ElastiCache User Guide)
    "lambda_event_source_mappings": 60.0,  # mapping states Enabling/Disabling settle (project figure)
}
#: Any type missing from the table above.
UNKNOWN_TYPICAL_SECONDS = 60.0

#: Action types whose change reaches users through DNS answers (and so through resolvers' caches).
DNS_ACTION_TYPES = frozenset(
    {"route53_records", "route53_health_check_invert", "route53_metric_switch", "arc_routing_control"}
)


class RtoModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActionTime(RtoModel):
    name: str
    type: str
    seconds: float
    source: str = Field(
        description="'plan' (typical_seconds in the plan), 'action type' or 'default' (a type not in the table)"
    )


class StageTime(RtoModel):
    name: str
    seconds: float = Field(description="the slowest action's time to take effect")
    critical_action: str
    actions: list[ActionTime]
    verify_attempts: int = Field(description="checks until the slowest change is seen")
    verify_seconds: float = Field(description="interval x expected attempts")


class Component(RtoModel):
    name: str
    seconds: float
    setting: str | None = Field(default=None, description="the plan setting behind this part, if any")
    detail: str


class Suggestion(RtoModel):
    setting: str
    current: Any
    proposed: Any
    saves_seconds: float
    detail: str


class CorroboratedCase(RtoModel):
    """The estimate when a quorum of the group's signals agrees at the gate's first look."""

    total_seconds: float
    confirmation_seconds: float = Field(description="the wait before the first look (signals.interval_seconds)")
    saves_seconds: float = Field(description="worst case minus this case")
    meets_objective: bool
    margin_seconds: float
    detail: str


class RtoEstimate(RtoModel):
    group: str
    total_seconds: float
    objective_seconds: int
    meets_objective: bool
    margin_seconds: float = Field(description="objective minus estimate (negative: over the objective)")
    components: list[Component]
    stages: list[StageTime]
    critical_path: list[str]
    dominant: Component
    dominant_setting: str | None
    suggestion: Suggestion | None
    suggestions: list[Suggestion]
    warnings: list[str] = Field(default_factory=list)
    corroborated: CorroboratedCase | None = Field(
        default=None, description="with signals: the estimate when a quorum agrees at the first look"
    )


# ---------------------------------------------------------------- the parts


def action_seconds(spec: Any) -> tuple[float, str]:
    """Typical seconds of one action spec and where the figure comes from."""
    if getattr(spec, "typical_seconds", None) is not None:
        return float(spec.typical_seconds), "plan"
    if spec.type in TYPICAL_SECONDS:
        return TYPICAL_SECONDS[spec.type], "action type"
    return UNKNOWN_TYPICAL_SECONDS, "default"


def _detection(group: Group) -> Component:
    d = group.detection
    alarm = d.alarm_period_seconds * d.alarm_evaluation_periods
    alarm_text = f"alarm {d.alarm_period_seconds} s x {d.alarm_evaluation_periods} period(s)"
    if group.primary.health_checks:
        hc = d.health_check_interval_seconds * d.health_check_failure_threshold
        return Component(
            name="detection",
            seconds=float(hc + alarm),
            setting="detection.health_check_interval_seconds" if hc >= alarm else "detection.alarm_period_seconds",
            detail=(
                f"health check {d.health_check_interval_seconds} s x {d.health_check_failure_threshold} failures"
                f" = {hc} s, then {alarm_text} = {alarm} s"
            ),
        )
    if group.triggers.alarms:
        return Component(
            name="detection",
            seconds=float(alarm),
            setting="detection.alarm_period_seconds",
            detail=f"{alarm_text} = {alarm} s",
        )
    return Component(
        name="detection",
        seconds=0.0,
        setting=None,
        detail="no alarm or health check triggers this group: detection is a person (not counted)",
    )


def _orchestration(group: Group) -> Component:
    cold = LAMBDA_COLD_START_SECONDS * len(FUNCTIONS_ON_PATH)
    seconds = cold + TRANSITION_ALLOWANCE_SECONDS + PER_STAGE_ALLOWANCE_SECONDS * len(group.stages)
    return Component(
        name="orchestration",
        seconds=seconds,
        setting=None,
        detail=(
            f"{len(FUNCTIONS_ON_PATH)} cold starts x {LAMBDA_COLD_START_SECONDS:g} s + transitions"
            f" {TRANSITION_ALLOWANCE_SECONDS:g} s + {PER_STAGE_ALLOWANCE_SECONDS:g} s per stage"
        ),
    )


def _target_choice(group: Group) -> Component | None:
    """With several standbys, the gate may examine each before the last is chosen (the worst case)."""
    passed = len(group.standbys) - 1
    if passed < 1:
        return None
    return Component(
        name="target choice",
        seconds=STANDBY_EXAMINE_SECONDS * passed,
        setting="standbys",
        detail=(
            f"worst case: {passed} standby(s) passed over before {group.standbys[-1].name} is chosen, "
            f"{STANDBY_EXAMINE_SECONDS:g} s each (health, replication lag and capacity reads)"
        ),
    )


def _stage(group: Group, stage: Stage) -> StageTime:
    actions = []
    for index, spec in enumerate(stage.actions):
        seconds, source = action_seconds(spec)
        actions.append(
            ActionTime(name=action_name(stage.name, index, spec), type=spec.type, seconds=seconds, source=source)
        )
    slowest = max(actions, key=lambda a: a.seconds)
    interval = group.verification.interval_seconds
    attempts = max(1, math.ceil(slowest.seconds / interval)) if interval > 0 else 1
    return StageTime(
        name=stage.name,
        seconds=slowest.seconds,
        critical_action=slowest.name,
        actions=actions,
        verify_attempts=attempts,
        verify_seconds=float(interval * attempts),
    )


def _dns_ttl(group: Group) -> Component | None:
    dns_actions = [(s, i, a) for s in group.stages for i, a in enumerate(s.actions) if a.type in DNS_ACTION_TYPES]
    if not dns_actions:
        return None
    ttl = group.detection.dns_ttl_seconds
    setting = "detection.dns_ttl_seconds"
    for stage, index, spec in dns_actions:
        record_ttl = getattr(spec, "ttl", None)
        if spec.type == "route53_records" and record_ttl is not None and record_ttl > ttl:
            ttl = record_ttl
            setting = f"stages.{stage.name}.{action_name(stage.name, index, spec)}.ttl"
    return Component(
        name="dns ttl",
        seconds=float(ttl),
        setting=setting,
        detail=f"resolvers keep the old answer for up to {ttl} s after the change",
    )


def _breakdown(group: Group) -> tuple[list[Component], list[StageTime], list[str]]:
    warnings: list[str] = []
    components = [_detection(group)]
    components.append(
        Component(
            name="confirmation",
            seconds=float(group.safety.confirmation_seconds),
            setting="safety.confirmation_seconds",
            detail=f"anti-flap wait of {group.safety.confirmation_seconds} s before the safety gate"
            + (
                f" (the worst case: when a quorum of the group's signals agrees, the gate decides after "
                f"{group.signals.interval_seconds} s)"
                if group.signals
                else ""
            ),
        )
    )
    components.append(_orchestration(group))
    choice = _target_choice(group)
    if choice is not None:
        components.append(choice)
    stages = [_stage(group, stage) for stage in group.stages]
    for st in stages:
        components.append(
            Component(
                name=f"stage {st.name}",
                seconds=st.seconds,
                setting=f"stages.{st.name}.{st.critical_action}.typical_seconds",
                detail=f"slowest action {st.critical_action} ({_type_of(st)}): {st.seconds:g} s",
            )
        )
    interval = group.verification.interval_seconds
    extra = sum(max(0.0, st.verify_seconds - st.seconds) for st in stages)
    components.append(
        Component(
            name="verification",
            seconds=extra,
            setting="verification.interval_seconds",
            detail="; ".join(
                f"{st.name}: {st.verify_attempts} check(s) x {interval} s = {st.verify_seconds:g} s" for st in stages
            )
            + f" (counted beyond the action times: {extra:g} s)",
        )
    )
    for st in stages:
        if st.verify_attempts > group.verification.attempts:
            warnings.append(
                f"stage {st.name}: verification gives up after {group.verification.attempts} attempt(s) x {interval} s,"
                f" before {st.critical_action} typically takes effect ({st.seconds:g} s): raise verification.attempts"
            )
    ttl = _dns_ttl(group)
    if ttl is not None:
        components.append(ttl)
    if group.safety.approval.mode == "always":
        warnings.append(
            "approval.mode is 'always': add the time a person takes to approve"
            f" (up to {group.safety.approval.timeout_seconds} s), which this estimate does not count"
        )
    return components, stages, warnings


def _corroborated(group: Group, total: float) -> CorroboratedCase | None:
    """The worst case with the confirmation cut to the gate's first look (a quorum agreeing at once)."""
    if group.signals is None:
        return None
    full = float(group.safety.confirmation_seconds)
    first = float(min(group.signals.interval_seconds, group.safety.confirmation_seconds))
    seconds = total - full + first
    objective = group.rto_objective_seconds
    return CorroboratedCase(
        total_seconds=seconds,
        confirmation_seconds=first,
        saves_seconds=full - first,
        meets_objective=seconds <= objective,
        margin_seconds=objective - seconds,
        detail=f"a quorum of {group.signals.quorum} agrees at the first look, {first:g} s into the {full:g} s "
        "confirmation wait (the target healthy); otherwise the whole wait applies",
    )


def _type_of(stage: StageTime) -> str:
    return next(a.type for a in stage.actions if a.name == stage.critical_action)


def _total(group: Group) -> float:
    components, _, _ = _breakdown(group)
    return sum(c.seconds for c in components)


# ---------------------------------------------------------------- suggestions


def _with(group: Group, section: str, **changes: Any) -> Group:
    part = getattr(group, section)
    return group.model_copy(update={section: part.model_copy(update=changes)})


def _candidates(group: Group) -> list[tuple[str, Any, Any, Group, str]]:
    """(setting, current, proposed, changed group, why) for each change worth considering."""
    d = group.detection
    out: list[tuple[str, Any, Any, Group, str]] = []
    if group.primary.health_checks and d.health_check_interval_seconds == 30:
        out.append(
            (
                "detection.health_check_interval_seconds",
                30,
                10,
                _with(group, "detection", health_check_interval_seconds=10),
                "fast (10-second) Route 53 health checks; recreate the health checks with RequestInterval 10",
            )
        )
    if group.primary.health_checks and d.health_check_failure_threshold > 2:
        out.append(
            (
                "detection.health_check_failure_threshold",
                d.health_check_failure_threshold,
                2,
                _with(group, "detection", health_check_failure_threshold=2),
                "a lower failure threshold; the confirmation wait still guards against flapping",
            )
        )
    if (group.primary.health_checks or group.triggers.alarms) and d.alarm_evaluation_periods > 1:
        out.append(
            (
                "detection.alarm_evaluation_periods",
                d.alarm_evaluation_periods,
                1,
                _with(group, "detection", alarm_evaluation_periods=1),
                "alarm after one breaching period; the confirmation wait still guards against flapping",
            )
        )
    if not group.primary.health_checks and group.triggers.alarms and d.alarm_period_seconds > 10:
        out.append(
            (
                "detection.alarm_period_seconds",
                d.alarm_period_seconds,
                10,
                _with(group, "detection", alarm_period_seconds=10),
                "a high-resolution alarm (10-second period) on a high-resolution metric",
            )
        )
    if group.safety.confirmation_seconds > 30:
        out.append(
            (
                "safety.confirmation_seconds",
                group.safety.confirmation_seconds,
                30,
                _with(group, "safety", confirmation_seconds=30),
                "a shorter confirmation wait (more exposure to flapping alarms)",
            )
        )
    ttl = _dns_ttl(group)
    if ttl is not None and ttl.seconds > 30:
        lowered = _with(group, "detection", dns_ttl_seconds=min(group.detection.dns_ttl_seconds, 30))
        stages = []
        for stage in lowered.stages:
            actions = [
                a.model_copy(update={"ttl": 30}) if a.type == "route53_records" and getattr(a, "ttl", 0) > 30 else a
                for a in stage.actions
            ]
            stages.append(stage.model_copy(update={"actions": actions}))
        out.append(
            (
                ttl.setting or "detection.dns_ttl_seconds",
                int(ttl.seconds),
                30,
                lowered.model_copy(update={"stages": stages}),
                "a lower record TTL (set it before the incident: resolvers honour the old TTL once)",
            )
        )
    if group.verification.interval_seconds > 5:
        out.append(
            (
                "verification.interval_seconds",
                group.verification.interval_seconds,
                5,
                _with(group, "verification", interval_seconds=5),
                "check more often (raise verification.attempts to keep the same total patience)",
            )
        )
    return out


def _suggestions(group: Group, total: float) -> list[Suggestion]:
    result = []
    for setting, current, proposed, changed, why in _candidates(group):
        saves = total - _total(changed)
        if saves > 0:
            result.append(
                Suggestion(
                    setting=setting,
                    current=current,
                    proposed=proposed,
                    saves_seconds=saves,
                    detail=f"{why}: saves {saves:g} s",
                )
            )
    result.sort(key=lambda s: s.saves_seconds, reverse=True)
    return result


# ---------------------------------------------------------------- the estimate


def estimate(group: Group) -> RtoEstimate:
    """Worst-case seconds from the failure to traffic on the target, with its parts and what would cut it."""
    components, stages, warnings = _breakdown(group)
    total = sum(c.seconds for c in components)
    dominant = max(components, key=lambda c: c.seconds)
    suggestions = _suggestions(group, total)
    critical = {f"stage {st.name}": st.critical_action for st in stages}
    critical_path = [
        f"{c.name}{' (' + critical[c.name] + ')' if c.name in critical else ''}: {c.seconds:g} s"
        for c in components
        if c.seconds > 0
    ]
    objective = group.rto_objective_seconds
    return RtoEstimate(
        group=group.name,
        total_seconds=total,
        objective_seconds=objective,
        meets_objective=total <= objective,
        margin_seconds=objective - total,
        components=components,
        stages=stages,
        critical_path=critical_path,
        dominant=dominant,
        dominant_setting=dominant.setting,
        suggestion=suggestions[0] if suggestions else None,
        suggestions=suggestions,
        warnings=warnings,
        corroborated=_corroborated(group, total),
    )


def estimate_plan(plan: Plan, group: str | None = None) -> list[RtoEstimate]:
    """Estimates for every group of a plan, or for one (``UnknownGroupError`` if the plan lacks it)."""
    groups = [plan.group(group)] if group else list(plan.groups)
    return [estimate(g) for g in groups]
