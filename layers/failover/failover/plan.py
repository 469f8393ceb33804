"""The failover plan: groups, sides, triggers, stages of actions, safety settings.

A plan is a YAML file in ``plans/``. It is validated here before deploy (``failoverctl plan check``
and at ``sam build``) so that a bad plan fails the build, not a failover at 3 a.m.

``sam build`` also writes each plan's data as JSON beside it (``<name>.compiled.json``, with the
SHA-256 of the YAML it came from): a cold function reads that instead of importing and running the
YAML parser. A compiled file that does not match its YAML byte for byte is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from failover.actions.specs import REGION_RE, ActionSpec
from failover.errors import PlanError, UnknownGroupError
from failover.models import Direction

Region = Annotated[str, Field(pattern=REGION_RE)]
GroupName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class PlanModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AlarmRef(PlanModel):
    name: str = Field(min_length=1, max_length=255)
    region: Region


class Side(PlanModel):
    """One side of a group: where it runs and how to tell it is healthy."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    region: Region
    health_checks: list[str] = Field(default_factory=list)
    alarms: list[AlarmRef] = Field(default_factory=list)


class Triggers(PlanModel):
    """What says the primary is down: alarms (metric, composite, Route 53 HealthCheckStatus) and RDS events."""

    alarms: list[AlarmRef] = Field(default_factory=list)
    rds_source_ids: list[str] = Field(default_factory=list)
    #: AWS Health service codes (``EC2``, ``RDS``, ``ELASTICLOADBALANCING``...) whose open ``issue`` events
    #: in the primary's region start a failover
    health_services: list[Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,39}$")]] = Field(default_factory=list)

    @field_validator("health_services")
    @classmethod
    def _distinct_services(cls, services: list[str]) -> list[str]:
        if len(set(services)) != len(services):
            raise ValueError("health_services names a service twice")
        return services


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
    secondary: Side
    triggers: Triggers = Field(default_factory=Triggers)
    safety: Safety = Field(default_factory=Safety)
    replication: Replication | None = None
    detection: Detection = Field(default_factory=Detection)
    verification: VerificationPolicy = Field(default_factory=VerificationPolicy)
    stages: list[Stage] = Field(min_length=1, max_length=20)
    approvers: list[str] = Field(default_factory=list)
    notifications: Notifications = Field(default_factory=Notifications)
    rto_objective_seconds: int = Field(default=900, ge=1)

    @model_validator(mode="after")
    def _consistent(self) -> Group:
        if self.primary.name == self.secondary.name:
            raise ValueError("primary and secondary need different names")
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
        if approval.mode != "never" and self.safety.lock_ttl_seconds <= approval.timeout_seconds:
            raise ValueError(
                f"safety.lock_ttl_seconds ({self.safety.lock_ttl_seconds}) must exceed "
                f"safety.approval.timeout_seconds ({approval.timeout_seconds}): the lock must outlive the wait"
            )
        if self.safety.rpo_budget_seconds is not None and self.replication is None:
            raise ValueError("safety.rpo_budget_seconds needs a 'replication' metric to measure")
        return self

    def side(self, name: str) -> Side:
        if name == "primary":
            return self.primary
        if name == "secondary":
            return self.secondary
        raise PlanError(f"unknown side '{name}'")

    def sides_for(self, direction: Direction | str) -> tuple[str, str]:
        """(source, target) roles for a direction."""
        return ("primary", "secondary") if Direction(direction) == Direction.FAILOVER else ("secondary", "primary")

    def iter_actions(self) -> Iterator[tuple[Stage, str, Any]]:
        for stage in self.stages:
            for index, action in enumerate(stage.actions):
                yield stage, action_name(stage.name, index, action), action


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


def compiled_path(path: str | os.PathLike[str]) -> Path:
    """Where the build writes the compiled form of the plan at ``path``."""
    p = Path(path)
    return p.with_name(p.stem + COMPILED_SUFFIX)


def compile_plan(path: str | os.PathLike[str], out_dir: str | os.PathLike[str]) -> Path | None:
    """Validate the plan at ``path`` and write its data as JSON into ``out_dir`` (the build's step).

    None, and nothing written, for a plan whose data JSON cannot hold (a YAML date in a hook's
    payload): the functions then read that plan's YAML.
    """
    p = Path(path)
    raw = p.read_bytes()
    text = raw.decode("utf-8")
    data = _yaml_data(text, str(p))
    parse_plan(data, str(p))
    out = compiled_path(Path(out_dir) / p.name)
    document = {"source_sha256": hashlib.sha256(raw).hexdigest(), "plan": data}
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
    if not isinstance(document, dict) or document.get("source_sha256") != hashlib.sha256(raw).hexdigest():
        return None
    return document.get("plan")


def load_plan(path: str | os.PathLike[str]) -> Plan:
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise PlanError(f"{p}: cannot read the plan: {err.strerror}") from None
    data = _compiled_data(p, raw)
    if data is not None:
        return parse_plan(data, str(p))
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
