"""A sample incident at every phase, for ``failoverctl notify preview`` and the tests.

The states have the shape the state machine passes to the notify function, so what the preview
shows is what an incident will look like.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from failover.checks.signals import Reading, corroboration_check, tally, verdict
from failover.models import Check, iso
from failover.plan import Group
from failover.state import Corroboration
from failover.steps.notify.messages import PHASES, ApprovalLinks

EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:FailoverStateMachine:web-failover-3f2a9c1e"
INCIDENT_ID = "web-failover-3f2a9c1e"

SAMPLE_GROUP: dict[str, Any] = {
    "name": "web",
    "description": "Public web tier, active-passive across two regions behind one DNS name.",
    "primary": {"name": "us-east-1", "region": "us-east-1", "health_checks": ["11111111-1111-4111-8111-111111111111"]},
    "secondary": {
        "name": "us-west-2",
        "region": "us-west-2",
        "health_checks": ["22222222-2222-4222-8222-222222222222"],
    },
    "triggers": {"alarms": [{"name": "web-primary-health", "region": "us-east-1"}]},
    "signals": {
        "quorum": 2,
        "interval_seconds": 10,
        "health_checks": [{"id": "55555555-5555-4555-8555-555555555555", "unhealthy_regions_percent": 50}],
        "canaries": [{"name": "web-primary-canary", "region": "us-west-2"}],
    },
    "rto_objective_seconds": 600,
    "approvers": ["U012ABCDEF"],
    "notifications": {
        "slack_channel": "#incidents",
        "mention": "<!subteam^S012ONCALL>",
        "runbook_url": "https://wiki.example.com/runbooks/web-failover",
    },
    "stages": [
        {
            "name": "dns",
            "actions": [
                {
                    "type": "route53_records",
                    "name": "web-dns",
                    "hosted_zone_id": "Z0EXAMPLE12345",
                    "record_name": "app.example.com",
                    "record_type": "CNAME",
                    "ttl": 60,
                    "primary": {"values": ["web-use1.example.com"]},
                    "secondary": {"values": ["web-usw2.example.com"]},
                }
            ],
        }
    ],
}


def sample_group() -> Group:
    return Group.model_validate(SAMPLE_GROUP)


def sample_approval() -> ApprovalLinks:
    return ApprovalLinks(
        approval_id="kq3VtW0x9sYbJc2LQe1nTA",
        approve_url="https://approve.example.com/?token=SAMPLE-APPROVE-TOKEN",
        deny_url="https://approve.example.com/?token=SAMPLE-DENY-TOKEN",
    )


_STAGE: dict[str, Any] = {"name": "dns", "actions": [{"name": "web-dns", "type": "route53_records"}]}


def _check(name: str, ok: bool, detail: str, *, blocking: bool = True) -> dict[str, Any]:
    return {"name": name, "ok": ok, "detail": detail, "values": {}, "blocking": blocking}


#: the gate's clock: a quorum at the first look, 10 s into the 60 s confirmation wait
_CORROBORATION = Corroboration(period_seconds=60, interval_seconds=10, waited_seconds=10, looks=1)


def _signals_check() -> dict[str, Any]:
    """The corroborated confirmation of the sample group, built as the gate builds it: every signal in the table."""
    hc = "55555555-5555-4555-8555-555555555555"
    readings = [
        Reading(
            "trigger alarms",
            "trigger_alarms",
            "down",
            1,
            "web-primary-health ALARM",
            {"alarms": {"web-primary-health": "ALARM"}},
        ),
        Reading(
            f"health check {hc}",
            "health_check",
            "down",
            1,
            "6 of 8 checker regions report it unhealthy (75%, down at 50%)",
            {"health_check_id": hc, "unhealthy_regions_percent": 75.0, "threshold_percent": 50.0},
        ),
        Reading(
            "canary web-primary-canary",
            "canary",
            "up",
            1,
            "alarm 'web-primary-canary' is OK",
            {"alarm": "web-primary-canary", "state": "OK"},
        ),
    ]
    target = Check(name="target healthy", ok=True, detail="us-west-2: 2 of 2 health checks healthy (quorum 50%)")
    votes = tally(readings, 2, target.ok)
    found = verdict(votes, _CORROBORATION.waited_seconds, _CORROBORATION.period_seconds)
    return corroboration_check(found, votes, readings, target, _CORROBORATION).to_json()


_CHECKS_PROCEED = [
    _check("automation enabled", True, "automation is on"),
    _signals_check(),
    _check("target healthy", True, "us-west-2: 2 of 2 health checks healthy (quorum 50%); 1 alarm OK"),
    _check("cooldown", True, "no earlier failover of this group"),
    _check("not already on target", True, "web-dns: primary (web-use1.example.com)", blocking=False),
    _check("approval policy", True, "policy 'conditional': no approval needed", blocking=False),
    _check("group lock", True, "acquired"),
    _check("global rate limit", True, "0 of 2 failovers in the last 3600 s"),
]


def _decision(outcome: str, reason: str, checks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "outcome": outcome,
        "reason": reason,
        "checks": checks,
        "source_side": "primary",
        "target_side": "secondary",
        "active_side": "primary",
        "dry_run": False,
        **extra,
    }


def _action(status: str, detail: str, started: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "action": "route53_records",
        "name": "web-dns",
        "stage": "dns",
        "target": "Z0EXAMPLE12345 app.example.com CNAME",
        "status": status,
        "detail": detail,
        "changes": ["app.example.com CNAME web-use1.example.com -> web-usw2.example.com"]
        if status == "changed"
        else [],
        "undo": [],
        "plane": "control",
        "region": "us-east-1",
        "started_at": iso(started),
        "finished_at": iso(started + timedelta(seconds=1)),
        "duration_ms": 812,
        **extra,
    }


def sample_state(phase: str, now: datetime | None = None) -> dict[str, Any]:
    """The execution state at ``phase`` (one of ``PHASES``) for the sample incident."""
    if phase not in PHASES:
        raise ValueError(f"unknown phase '{phase}': one of {', '.join(PHASES)}")
    now = now or datetime.now(UTC)
    fired = now - timedelta(minutes=4, seconds=12)
    state: dict[str, Any] = {
        "request": {
            "request_id": "a1b2c3d4-0000-4000-8000-000000000001",
            "incident_id": INCIDENT_ID,
            "group": "web",
            "direction": "failover",
            "source": "alarm",
            "trigger": {
                "alarm_name": "web-primary-health",
                "alarm_arn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-primary-health",
                "state": "ALARM",
                "previous_state": "OK",
                "reason": "Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (1.0).",
                "region": "us-east-1",
                "account": "123456789012",
                "time": iso(fired),
            },
            "dry_run": False,
            "requested_by": "automation",
            "received_at": iso(fired + timedelta(seconds=2)),
        },
        "timing": {
            "confirmation_seconds": 10,
            "verify_interval_seconds": 15,
            "approval_timeout_seconds": 900,
            "corroboration": _CORROBORATION.model_dump(mode="json"),
        },
        "gate": {
            "decision": _decision(
                "proceed", "all checks passed: failing over from primary to secondary", _CHECKS_PROCEED
            ),
            "run": {
                "dry_run": False,
                "stage_count": 1,
                "verify_attempts": 10,
                "approval_on_timeout": "abort",
                "cursor": {"index": 0, "stage": copy.deepcopy(_STAGE)},
                "stages": [copy.deepcopy(_STAGE)],
            },
            "corroboration": _CORROBORATION.model_dump(mode="json"),
        },
        "notifications": {},
    }
    acted = fired + timedelta(minutes=1, seconds=5)
    if phase in {"approval", "denied"}:
        checks = copy.deepcopy(_CHECKS_PROCEED)
        checks.insert(
            5,
            _check(
                "replication lag within RPO budget",
                False,
                "AuroraGlobalDBReplicationLag 42.0 s > budget 5.0 s (Maximum over 300 s)",
            ),
        )
        checks[6] = _check("approval policy", False, "policy 'conditional': approval required", blocking=False)
        state["gate"]["decision"] = _decision(
            "approval", "approval required: replication lag over the RPO budget (42.0 s > 5.0 s)", checks
        )
    if phase == "denied":
        state["approval"] = {"approved": False, "by": "slack:U012ABCDEF (jane)", "at": iso(now), "via": "slack"}
    if phase == "skipped":
        checks = copy.deepcopy(_CHECKS_PROCEED[:3])
        checks[2] = _check(
            "target healthy", False, "us-west-2: 0 of 2 health checks healthy (quorum 50%); web-secondary-5xx is ALARM"
        )
        state["gate"]["decision"] = _decision(
            "skip",
            "refusing to fail over to an unhealthy side: us-west-2: 0 of 2 health checks healthy (quorum 50%)",
            checks,
        )
    if phase in {"succeeded", "failed"}:
        result = _action("changed", "UPSERT app.example.com CNAME -> web-usw2.example.com (change C0EXAMPLE)", acted)
        verification = {
            "ok": phase == "succeeded",
            "attempt": 3 if phase == "succeeded" else 10,
            "max_attempts": 10,
            "stage": "dns",
            "checks": [
                _check("change INSYNC", True, "change C0EXAMPLE is INSYNC"),
                _check(
                    "DNS answer",
                    phase == "succeeded",
                    "app.example.com answers web-usw2.example.com"
                    if phase == "succeeded"
                    else "app.example.com answers web-use1.example.com, expected web-usw2.example.com",
                ),
            ],
            "retry": False,
            "checked_at": iso(acted + timedelta(seconds=45)),
        }
        state["cursor"] = {
            "index": 0,
            "stage": copy.deepcopy(_STAGE),
            "attempt": verification["attempt"],
            "completed": [result],
            "verifications": [verification],
            "verification": verification,
            "failed": False,
            "failure": None if phase == "succeeded" else "verification of stage 'dns' failed after 10 attempt(s)",
            "done": phase == "succeeded",
        }
    if phase == "failed":
        state["error"] = {
            "Error": "VerificationFailed",
            "Cause": "verification of stage 'dns' failed after 10 attempt(s): app.example.com answers "
            "web-use1.example.com, expected web-usw2.example.com",
        }
    if phase == "rejected":  # a person's request the trigger refused: no execution, no gate
        request = state["request"]
        return {
            "request": {
                "request_id": request["request_id"],
                "group": request["group"],
                "source": "manual",
                "requested_by": "jane",
                "trigger": {"state": "REQUESTED", "region": "us-east-1", "time": iso(fired)},
            },
            "error": {
                "Error": "malformed",
                "Cause": "failover request is invalid (direction: Input should be 'failover' or 'failback')",
            },
        }
    if phase == "recovered":
        state["request"]["trigger"]["state"] = "OK"
        state["request"]["trigger"]["previous_state"] = "ALARM"
        state["request"]["trigger"]["reason"] = "Threshold Crossed: 3 datapoints were greater than the threshold."
    return state
