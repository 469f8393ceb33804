"""What an evaluation finds: one ``Finding`` per problem, grouped by failover group."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal[
    "missing",  # a resource the plan names does not exist
    "unusable",  # it exists but a failover could not use it now (state, replica, listener)
    "standby_capacity",  # the standby's Auto Scaling limits cannot take the primary's fleet
    "service_quota",  # a quota in the standby region is below what the plan scales to
    "replication",  # replication cannot be measured (no lag datapoint) or is not healthy
    "rpo",  # replication lag over the group's RPO budget
    "sns_topic",  # the notification topic cannot be reached
    "slack_secret",  # the Slack webhook secret is missing or malformed
    "iam",  # the execute function's role does not allow a call the plan's actions make
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
#: the pseudo-group of findings that concern the whole stack (notification channels)
STACK = "(stack)"


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    kind: Kind
    resource: str
    detail: str
    severity: Literal["error", "warning"] = "error"

    @property
    def key(self) -> str:
        return f"{self.group}|{self.kind}|{self.resource}"


class Evaluation(BaseModel):
    evaluated_at: str
    groups: list[str]
    checks: int = 0
    findings: list[Finding] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def by_group(self) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {g: [] for g in [*self.groups, STACK]}
        for finding in self.findings:
            out.setdefault(finding.group, []).append(finding)
        return out

    def keys(self) -> list[str]:
        return sorted(f.key for f in self.findings)


class Change(BaseModel):
    """How this evaluation differs from the last one stored."""

    changed: bool
    new: list[str] = Field(default_factory=list)
    resolved: list[str] = Field(default_factory=list)


def compare(previous: list[str] | None, evaluation: Evaluation) -> Change:
    current = set(evaluation.keys())
    before = set(previous or [])
    new, resolved = sorted(current - before), sorted(before - current)
    return Change(changed=(previous is None and bool(current)) or bool(new or resolved), new=new, resolved=resolved)
