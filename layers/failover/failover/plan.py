"""The failover plan: groups, sides, triggers, stages of actions, safety settings.

A plan is a YAML file in ``plans/``. It is validated here before deploy (``failoverctl plan check``
and at ``sam build``) so that a bad plan fails the build, not a failover at 3 a.m.

``sam build`` also writes each plan as JSON beside it (``<name>.compiled.json``, with the SHA-256 of
the YAML it came from): the plan as validation left it (defaults that were not written left out,
names normalised). A cold function builds its plan from that without validating it again: the
models are defined with ``defer_build``, so none of them builds its pydantic schema unless something
validates (``plan check``, the build, the CLI, a plan read from YAML). A compiled file that does not
match its YAML byte for byte, or was written in another format, is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import types
from collections.abc import Iterator, Mapping
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from failover.actions.specs import REGION_RE, ActionSpec, AssumeRole, Sided
from failover.errors import PlanError, UnknownGroupError
from failover.models import Direction

Region = Annotated[str, Field(pattern=REGION_RE)]
GroupName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]

#: standbys a group may list (the primary and at most four standbys: five regions)
MAX_STANDBYS = 4
#: words that name a side's role or an observation, never a standby after the first
RESERVED_SIDE_KEYS = frozenset({"primary", "secondary", "mixed", "unknown", "n/a"})


class PlanModel(BaseModel):
    # the schema is built on the first validation, never by a function that reads a compiled plan
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class AlarmRef(PlanModel):
    name: str = Field(min_length=1, max_length=255)
    region: Region


ServiceCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]


class Triggers(PlanModel):
    """What says the primary is down: alarms (metric, composite, Route 53 HealthCheckStatus) and RDS events."""

    alarms: list[AlarmRef] = Field(default_factory=list)
    rds_source_ids: list[str] = Field(default_factory=list)
    #: AWS Health service codes (``EC2``, ``RDS``, ``ELASTICLOADBALANCING``...) whose open ``issue`` events
    #: in the primary's region start a failover
    health_services: list[ServiceCode] = Field(default_factory=list)

    @field_validator("health_services")
    @classmethod
    def _distinct_services(cls, services: list[str]) -> list[str]:
        if len(set(services)) != len(services):
            raise ValueError("health_services names a service twice")
        return services


Weight = Annotated[int, Field(ge=1, le=10)]
#: looks of the gate in one confirmation wait (Wait, Task and Choice: about 9 history events each)
MAX_SIGNAL_LOOKS = 360


class HealthCheckSignal(PlanModel):
    """A Route 53 health check of the primary: down when enough of its checker regions report it unhealthy."""

    id: str = Field(min_length=1, max_length=64)
    #: the share of checker regions (a region counts when most of its checkers report a failure) that says "down"
    unhealthy_regions_percent: float = Field(default=50.0, gt=0, le=100)
    weight: Weight = 1


class AlarmSignal(PlanModel):
    """An alarm independent of the trigger (a CloudWatch Synthetics canary, an end-user probe): down in ALARM."""

    name: str = Field(min_length=1, max_length=255)
    region: Region
    weight: Weight = 1


class TriggerAlarmsSignal(PlanModel):
    """The group's trigger alarms, as one signal: down while one of them is in ALARM."""

    weight: int = Field(default=1, ge=0, le=10, description="0 leaves the trigger alarms out of the vote")


class AwsHealthSignal(PlanModel):
    """Open AWS Health issues for the primary's region and these services (default: ``triggers.health_services``)."""

    services: list[ServiceCode] = Field(default_factory=list)
    #: ask the AWS Health API (DescribeEvents; needs a Business, Enterprise On-Ramp or Enterprise support plan)
    #: besides the events the trigger received
    look_up: bool = True
    weight: Weight = 1


class Signals(PlanModel):
    """Corroborated confirmation: independent signals that can confirm an outage before the full confirmation wait.

    The gate looks every ``interval_seconds``; it proceeds as soon as the signals saying the primary is down
    weigh at least ``quorum`` and the target side is healthy. Otherwise it waits the whole
    ``safety.confirmation_seconds`` as without signals; then a signal that says the primary is up while the
    trigger still fires is a conflict, and a person decides.
    """

    quorum: int = Field(ge=2, le=100, description="total weight of the signals that must say the primary is down")
    interval_seconds: int = Field(default=10, ge=1, le=300)
    trigger_alarms: TriggerAlarmsSignal = Field(default_factory=TriggerAlarmsSignal)
    health_checks: list[HealthCheckSignal] = Field(default_factory=list, max_length=20)
    canaries: list[AlarmSignal] = Field(default_factory=list, max_length=20)
    aws_health: AwsHealthSignal | None = None


class Replication(PlanModel):
    """The metric that measures how far the target's data is behind."""

    kind: Literal["aurora_global", "rds_replica", "s3", "dynamodb", "custom"]
    region: Region
    namespace: str | None = None
    metric_name: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)
    statistic: Literal["Maximum", "Average"] = "Maximum"
    unit_seconds: float = Field(default=1.0, gt=0, description="Seconds per metric unit (0.001 for milliseconds).")
    period_seconds: int = Field(default=60, ge=1)
    lookback_seconds: int = Field(default=300, ge=60)

    def resolved(self) -> tuple[str, str, float]:
        """(namespace, metric_name, seconds per unit) with the documented defaults per kind."""
        defaults = {
            "aurora_global": ("AWS/RDS", "AuroraGlobalDBReplicationLag", 0.001),
            "rds_replica": ("AWS/RDS", "ReplicaLag", 1.0),
            "s3": ("AWS/S3", "ReplicationLatency", 1.0),
            "dynamodb": ("AWS/DynamoDB", "ReplicationLatency", 0.001),
        }
        ns, name, unit = defaults.get(self.kind, (None, None, self.unit_seconds))
        namespace = self.namespace or ns
        metric = self.metric_name or name
        if not namespace or not metric:
            raise PlanError("replication kind 'custom' needs namespace and metric_name")
        unit_seconds = self.unit_seconds if self.kind == "custom" or "unit_seconds" in self.model_fields_set else unit
        return namespace, metric, unit_seconds


class Side(PlanModel):
    """One side of a group: where it runs and how to tell it is healthy.

    A standby may name its own ``replication`` metric (the lag of its copy of the data); without
    one the group's is read. A side in another account names the role there (``assume_role``): the
    gate reads the side's health checks, alarms, replication metric and capacity as that role.
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    region: Region
    health_checks: list[str] = Field(default_factory=list)
    alarms: list[AlarmRef] = Field(default_factory=list)
    replication: Replication | None = None
    assume_role: AssumeRole | None = None


class Approval(PlanModel):
    mode: Literal["never", "always", "conditional"] = "conditional"
    timeout_seconds: int = Field(default=900, ge=60, le=86400)
    on_timeout: Literal["abort", "proceed"] = "abort"


class Failback(PlanModel):
    mode: Literal["manual", "automatic"] = "manual"
    healthy_for_seconds: int = Field(default=900, ge=60)


class Safety(PlanModel):
    automatic: bool = Field(default=True, description="Act on alarms; False means manual requests only.")
    dry_run: bool = False
    confirmation_seconds: int = Field(default=60, ge=0, le=3600)
    target_health_quorum_percent: float = Field(default=50.0, gt=0, le=100)
    rpo_budget_seconds: float | None = Field(default=None, ge=0)
    on_rpo_breach: Literal["approval", "skip"] = "approval"
    cooldown_seconds: int = Field(default=3600, ge=0)
    lock_ttl_seconds: int = Field(default=3600, ge=60, le=86400)
    dedupe_window_seconds: int = Field(default=900, ge=0, le=86400)
    approval: Approval = Field(default_factory=Approval)
    failback: Failback = Field(default_factory=Failback)
    escalation: Literal["never", "approval", "automatic"] = Field(
        default="approval",
        description="When an action's planned path is refused because the side being left is impaired, run its "
        "unplanned path (data loss possible, for actions that allow it) automatically, after a person approves "
        "it with the data-loss estimate, or never.",
    )

    @property
    def escalation_policy(self) -> str:
        """``escalation`` as it applies: a group that never waits for a person (``approval.mode: never``)
        does not escalate where a person would have to approve."""
        return "never" if self.escalation == "approval" and self.approval.mode == "never" else self.escalation


class Detection(PlanModel):
    """How fast the trigger can see a failure (used by the RTO estimate)."""

    health_check_interval_seconds: Literal[10, 30] = 30
    health_check_failure_threshold: int = Field(default=3, ge=1, le=10)
    alarm_period_seconds: int = Field(default=60, ge=10)
    alarm_evaluation_periods: int = Field(default=1, ge=1)
    dns_ttl_seconds: int = Field(default=60, ge=0)


class VerificationPolicy(PlanModel):
    attempts: int = Field(default=10, ge=1, le=100)
    interval_seconds: int = Field(default=15, ge=0, le=600)


class Notifications(PlanModel):
    slack_channel: str | None = None
    mention: str | None = Field(default=None, description="Slack mention for failures, e.g. <!subteam^ID>.")
    runbook_url: str | None = None


class Stage(PlanModel):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    actions: list[ActionSpec] = Field(min_length=1, max_length=40)


class Group(PlanModel):
    name: GroupName
    description: str = ""
    enabled: bool = True
    primary: Side
    #: the first standby (a two-sided group names only this one)
    secondary: Side
    #: every standby in order of preference, the first being ``secondary``; the gate fails over to
    #: the first that is healthy, within the RPO budget and able to take the load
    standbys: list[Side] = Field(default_factory=list, max_length=MAX_STANDBYS)
    triggers: Triggers = Field(default_factory=Triggers)
    signals: Signals | None = None
    safety: Safety = Field(default_factory=Safety)
    replication: Replication | None = None
    detection: Detection = Field(default_factory=Detection)
    verification: VerificationPolicy = Field(default_factory=VerificationPolicy)
    stages: list[Stage] = Field(min_length=1, max_length=20)
    approvers: list[str] = Field(default_factory=list)
    notifications: Notifications = Field(default_factory=Notifications)
    rto_objective_seconds: int = Field(default=900, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _standbys(cls, data: Any) -> Any:
        """``secondary`` alone, or ``standbys`` (the first of which is the ``secondary``): one list either way."""
        if not isinstance(data, dict):
            return data
        secondary, standbys = data.get("secondary"), data.get("standbys")
        if standbys and secondary is not None and secondary != standbys[0]:
            raise ValueError("give 'secondary' (two sides) or 'standbys' (its first entry is the secondary), not both")
        if standbys:
            return {**data, "secondary": standbys[0]}
        if secondary is not None:
            return {**data, "standbys": [secondary]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Group:
        names = [self.primary.name, *(s.name for s in self.standbys)]
        if len(set(names)) != len(names):
            raise ValueError("primary and standbys need different names")
        for side in self.standbys[1:]:
            if side.name in RESERVED_SIDE_KEYS:
                raise ValueError(f"a standby after the first cannot be named '{side.name}' (a reserved word)")
        further = set(self.side_keys()[2:])
        for _stage, name, action in self.iter_actions():
            given = set(getattr(action, "standbys", None) or {})
            if not hasattr(action, "standbys") or given == further:
                continue
            missing, unknown = sorted(further - given), sorted(given - further)
            raise ValueError(
                f"action '{name}' needs settings for each standby after the first in 'standbys'"
                + (f"; missing: {', '.join(missing)}" if missing else "")
                + (f"; not a standby of the group: {', '.join(unknown)}" if unknown else "")
            )
        seen: set[str] = set()
        for stage in self.stages:
            for index, action in enumerate(stage.actions):
                name = action_name(stage.name, index, action)
                if name in seen:
                    raise ValueError(f"action name '{name}' is used twice; names must be unique in a group")
                seen.add(name)
        if len({s.name for s in self.stages}) != len(self.stages):
            raise ValueError("stage names must be unique in a group")
        approval = self.safety.approval
        # a run may wait twice: at the gate, then for an escalation to a failover with data loss
        escalates = self.safety.escalation_policy == "approval" and any(
            getattr(spec, "allow_data_loss", False) for _s, _n, spec in self.iter_actions()
        )
        waits = approval.timeout_seconds * (2 if escalates else 1)
        if approval.mode != "never" and self.safety.lock_ttl_seconds <= waits:
            raise ValueError(
                f"safety.lock_ttl_seconds ({self.safety.lock_ttl_seconds}) must exceed "
                f"safety.approval.timeout_seconds ({approval.timeout_seconds})"
                + (" twice (the gate's wait, then the escalation's)" if escalates else "")
                + ": the lock must outlive the wait"
            )
        measured = self.replication is not None or all(side.replication is not None for side in self.standbys)
        if self.safety.rpo_budget_seconds is not None and not measured:
            raise ValueError(
                "safety.rpo_budget_seconds needs a 'replication' metric to measure (the group's, or each standby's)"
            )
        if self.signals is not None:
            self._check_signals(self.signals)
        return self

    def side_keys(self) -> list[str]:
        """How the group's sides are called in decisions, state and actions: ``primary``, ``secondary``
        (the first standby), then each further standby by its name."""
        return ["primary", "secondary", *(s.name for s in self.standbys[1:])]

    def standby_keys(self) -> list[str]:
        """The standbys' keys, in order of preference."""
        return self.side_keys()[1:]

    def signal_weights(self) -> dict[str, int]:
        """``{signal: weight}`` of every signal that can say the primary is down (empty without ``signals``)."""
        signals = self.signals
        if signals is None:
            return {}
        weights: dict[str, int] = {}
        if self.triggers.alarms and signals.trigger_alarms.weight:
            weights["trigger alarms"] = signals.trigger_alarms.weight
        for hc in signals.health_checks:
            weights[f"health check {hc.id}"] = hc.weight
        for canary in signals.canaries:
            weights[f"canary {canary.name}"] = canary.weight
        if signals.aws_health is not None and self.health_services():
            weights["AWS Health"] = signals.aws_health.weight
        return weights

    def health_services(self) -> list[str]:
        """The AWS Health services the ``aws_health`` signal watches: its own, else the trigger's."""
        own = self.signals.aws_health.services if self.signals and self.signals.aws_health else []
        return list(own or self.triggers.health_services)

    def _check_signals(self, signals: Signals) -> None:
        ids = [hc.id for hc in signals.health_checks]
        if len(set(ids)) != len(ids):
            raise ValueError("signals.health_checks names a health check twice")
        canaries = [(c.region, c.name) for c in signals.canaries]
        if len(set(canaries)) != len(canaries):
            raise ValueError("signals.canaries names an alarm twice")
        triggers = {(a.region, a.name) for a in self.triggers.alarms}
        shared = sorted(name for region, name in canaries if (region, name) in triggers)
        if shared:
            raise ValueError(f"signals.canaries must be independent of the trigger alarms: {', '.join(shared)}")
        looks = -(-self.safety.confirmation_seconds // signals.interval_seconds)
        if looks > MAX_SIGNAL_LOOKS:
            raise ValueError(
                f"signals.interval_seconds ({signals.interval_seconds}) makes {looks} looks in the "
                f"{self.safety.confirmation_seconds} s confirmation wait; at most {MAX_SIGNAL_LOOKS} "
                "(each look adds about 9 events to an execution's history, which Step Functions caps at 25,000)"
            )
        if signals.aws_health is not None and not self.health_services():
            raise ValueError("signals.aws_health needs services (its own or triggers.health_services)")
        weights = self.signal_weights()
        total = sum(weights.values())
        if total < signals.quorum:
            raise ValueError(
                f"signals.quorum ({signals.quorum}) is more than all the signals weigh together ({total}): "
                "it could never be reached"
            )
        heaviest = max(weights.items(), key=lambda item: item[1])
        if heaviest[1] >= signals.quorum:
            raise ValueError(
                f"signals.quorum ({signals.quorum}) is reached by '{heaviest[0]}' alone (weight {heaviest[1]}): "
                "a quorum needs at least two independent signals"
            )

    def side(self, name: str) -> Side:
        if name == "primary":
            return self.primary
        for key, side in zip(self.standby_keys(), self.standbys, strict=True):
            if key == name:
                return side
        raise PlanError(f"unknown side '{name}'", known=self.side_keys())

    def sides_for(self, direction: Direction | str, standby: str = "secondary") -> tuple[str, str]:
        """(source, target) keys for a direction between the primary and ``standby``."""
        if standby not in self.standby_keys():
            raise PlanError(f"group '{self.name}' has no standby '{standby}'", known=self.standby_keys())
        return ("primary", standby) if Direction(direction) == Direction.FAILOVER else (standby, "primary")

    def iter_actions(self) -> Iterator[tuple[Stage, str, Any]]:
        for stage in self.stages:
            for index, action in enumerate(stage.actions):
                yield stage, action_name(stage.name, index, action), action

    def iter_pair_actions(self) -> Iterator[tuple[str, Stage, str, Any]]:
        """Every action narrowed to each pair of the primary and a standby: (standby, stage, name, spec)."""
        for standby in self.standby_keys():
            for stage, name, spec in self.iter_actions():
                yield standby, stage, name, spec.for_standby(standby) if isinstance(spec, Sided) else spec


class RateLimit(PlanModel):
    max_failovers: int = Field(default=2, ge=1)
    window_seconds: int = Field(default=3600, ge=60)


_TABLE_ARN_RE = r"^arn:aws[a-z-]*:dynamodb:([a-z0-9-]+):(\d{12}):table/([A-Za-z0-9_.-]{3,255})$"


class LeaseTable(PlanModel):
    """One lock table of the group lease: a DynamoDB table keyed ``pk``/``sk`` in its own region."""

    region: Region
    table: str = Field(
        pattern=r"^([A-Za-z0-9_.-]{3,255}|arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]{3,255})$",
        description="The table's name, or its ARN (whose region must be ``region``).",
    )

    @model_validator(mode="after")
    def _arn_in_region(self) -> LeaseTable:
        found = re.match(_TABLE_ARN_RE, self.table)
        if found and found.group(1) != self.region:
            raise ValueError(f"lease table {self.table} is in {found.group(1)}, not in {self.region}")
        return self

    @property
    def name(self) -> str:
        found = re.match(_TABLE_ARN_RE, self.table)
        return found.group(3) if found else self.table


class LeaseSettings(PlanModel):
    """The group lock as a lease held by a majority of lock tables in different regions."""

    tables: list[LeaseTable] = Field(min_length=3, max_length=7)
    margin_seconds: int = Field(
        default=30,
        ge=1,
        le=600,
        description="A holder stops writing this long before its lease ends (clock drift and one write's duration).",
    )

    @model_validator(mode="after")
    def _distinct_regions(self) -> LeaseSettings:
        regions = [t.region for t in self.tables]
        if len(set(regions)) != len(regions):
            raise ValueError("each lease table must be in a different region (losing one region loses one vote)")
        return self

    @property
    def majority(self) -> int:
        return len(self.tables) // 2 + 1


class Settings(PlanModel):
    paused: bool = False
    rate_limit: RateLimit = Field(default_factory=RateLimit)
    console_region: Region | None = None
    symmetric: bool = Field(
        default=False,
        description="The same stack runs in the region of every side; each activates only its own region.",
    )
    lease: LeaseSettings | None = None

    @model_validator(mode="after")
    def _symmetric_needs_a_lease(self) -> Settings:
        if self.symmetric and self.lease is None:
            raise ValueError(
                "settings.symmetric needs settings.lease: stacks in several regions each hold their own "
                "table, so only a lease on a majority of lock tables keeps them from both acting"
            )
        return self


class Plan(PlanModel):
    version: Literal[1] = 1
    settings: Settings = Field(default_factory=Settings)
    groups: list[Group] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Plan:
        names = [g.name for g in self.groups]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"group names must be unique: {', '.join(dupes)}")
        owner: dict[tuple[str, str], str] = {}
        for group in self.groups:
            for alarm in group.triggers.alarms:
                key = (alarm.region, alarm.name)
                if key in owner and owner[key] != group.name:
                    raise ValueError(
                        f"alarm '{alarm.name}' ({alarm.region}) triggers both '{owner[key]}' and '{group.name}'"
                    )
                owner[key] = group.name
        return self

    def group(self, name: str) -> Group:
        for group in self.groups:
            if group.name == name:
                return group
        raise UnknownGroupError(
            f"no failover group '{name}' in the plan", group=name, known=[g.name for g in self.groups]
        )

    def group_for_alarm(self, alarm_name: str, region: str | None) -> Group | None:
        for group in self.groups:
            for alarm in group.triggers.alarms:
                if alarm.name == alarm_name and (region is None or alarm.region == region):
                    return group
        return None

    def groups_for_health(self, region: str, service: str) -> list[Group]:
        """Groups whose primary is in ``region`` and whose triggers name the AWS Health ``service``."""
        return [g for g in self.groups if g.primary.region == region and service in g.triggers.health_services]

    def group_for_rds_source(self, source_id: str) -> Group | None:
        for group in self.groups:
            if source_id in group.triggers.rds_source_ids:
                return group
        return None


def action_name(stage: str, index: int, action: Any) -> str:
    return action.name or f"{stage}-{action.type}-{index + 1}"


def _format_validation_error(err: ValidationError, source: str) -> str:
    lines = [f"{source}: the plan is invalid ({err.error_count()} problem{'s' if err.error_count() != 1 else ''})"]
    for item in err.errors(include_url=False):
        path = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  - {path}: {item['msg']}")
    return "\n".join(lines)


def parse_plan(data: Any, source: str = "plan") -> Plan:
    if not isinstance(data, dict):
        raise PlanError(f"{source}: a plan is a mapping with 'groups', got {type(data).__name__}")
    try:
        return Plan.model_validate(data)
    except ValidationError as err:
        raise PlanError(
            _format_validation_error(err, source),
            problems=[
                {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                for e in err.errors(include_url=False)
            ],
        ) from None


def load_plan_text(text: str, source: str = "plan") -> Plan:
    return parse_plan(_yaml_data(text, source), source)


def _yaml_data(text: str, source: str) -> Any:
    import yaml  # only where no compiled plan matches: the CLI, drills, tests and the build

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise PlanError(f"{source}: not valid YAML{where}: {getattr(err, 'problem', err)}") from None


COMPILED_SUFFIX = ".compiled.json"
#: the layout of a compiled plan: a file of another layout (an older build's) is not read
COMPILED_FORMAT = 2


def construct[M: BaseModel](cls: type[M], data: Mapping[str, Any]) -> M:
    """``cls`` from data that passed its validation before (a compiled plan), without validating again.

    Nested models are built the same way (an action by its ``type``); defaults left out of ``data``
    are filled in as validation fills them, and the fields ``data`` names are the model's fields set.
    """
    values: dict[str, Any] = {}
    for name, field in cls.model_fields.items():
        factory = field.default_factory
        if name in data:
            values[name] = _trusted(field.annotation, data[name])
        elif isinstance(factory, type) and issubclass(factory, BaseModel):
            values[name] = construct(factory, {})
        else:
            values[name] = field.get_default(call_default_factory=True)
    return cls.model_construct(_fields_set=set(data) & set(cls.model_fields), **values)


def _trusted(annotation: Any, value: Any) -> Any:
    """``value`` as the type ``annotation`` names: models built by ``construct``, containers walked."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return construct(annotation, value)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation(value)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _trusted(args[0], value)
    if origin in (list, set, frozenset):
        return origin(_trusted(args[0], v) for v in value)
    if origin is tuple:
        items = args[:1] * len(value) if len(args) == 2 and args[1] is Ellipsis else args
        return tuple(_trusted(a, v) for a, v in zip(items, value, strict=True))
    if origin is dict:
        return {k: _trusted(args[1], v) for k, v in value.items()}
    if origin in (Union, types.UnionType) and isinstance(value, dict):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) == 1:
            return construct(models[0], value)
        for model in models:  # a discriminated union: the member whose ``type`` literal is the value's
            if value.get("type") in get_args(model.model_fields["type"].annotation):
                return construct(model, value)
    return value


def compiled_path(path: str | os.PathLike[str]) -> Path:
    """Where the build writes the compiled form of the plan at ``path``."""
    p = Path(path)
    return p.with_name(p.stem + COMPILED_SUFFIX)


def compile_plan(path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path | None:
    """Validate the plan at ``path`` and write the validated plan as JSON into ``out_dir`` (the build's step).

    None, and nothing written, for a plan whose data JSON cannot hold (a YAML date in a hook's
    payload): the functions then read that plan's YAML.
    """
    p = Path(path)
    raw = p.read_bytes()
    text = raw.decode("utf-8")
    plan = parse_plan(_yaml_data(text, str(p)), str(p))
    out = compiled_path(Path(out_dir) / p.name)
    document = {
        "format": COMPILED_FORMAT,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "plan": plan.model_dump(exclude_unset=True),
    }
    try:
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    except TypeError:
        return None
    out.write_text(text, encoding="utf-8")
    return out


def _compiled_data(path: Path, raw: bytes) -> Any | None:
    """The compiled plan's data if the build wrote one for exactly these YAML bytes, else None."""
    try:
        document = json.loads(compiled_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("format") != COMPILED_FORMAT:
        return None
    if document.get("source_sha256") != hashlib.sha256(raw).hexdigest():
        return None
    return document.get("plan")


def load_plan(path: str | os.PathLike[str]) -> Plan:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise PlanError(f"{p}: cannot read the plan: {err.strerror}") from None
    data = _compiled_data(p, raw)
    if isinstance(data, dict):
        return construct(Plan, data)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanError(f"{p}: the plan is not UTF-8 text") from None
    return load_plan_text(text, str(p))


@lru_cache(maxsize=8)
def _cached(path: str, mtime: float) -> Plan:
    return load_plan(path)


def load_plan_cached(path: str) -> Plan:
    """The plan at ``path``, parsed once per warm Lambda environment (re-read if the file changes)."""
    try:
        mtime = os.stat(path).st_mtime
    except OSError as err:
        raise PlanError(f"{path}: cannot read the plan: {err.strerror}") from None
    return _cached(path, mtime)
