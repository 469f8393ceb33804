"""Plans a team might write: any two AWS regions, any account, any mix of action types and policies.

``plans()`` is a hypothesis strategy of plan documents (dicts, written out as YAML by the tests):
one group drilled (``team``) and a second one (``other``) with default policy, so that scenarios
over every group (the rate limit) have more than one. The regions come from botocore's own list of
the regions AWS offers.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from hypothesis import strategies as st

ACTION_TYPES = (
    "route53_records",
    "route53_health_check_invert",
    "route53_metric_switch",
    "arc_routing_control",
    "rds_instance_failover",
    "rds_cluster_failover",
    "aurora_global",
    "rds_promote_replica",
    "elb_weights",
    "asg_capacity",
    "s3_mrap_routes",
    "dynamodb_global_table",
    "lambda_hook",
)
POLICIES = (
    {"mode": "conditional"},
    {"mode": "never"},
    {"mode": "always", "on_timeout": "proceed"},
    {"mode": "always", "on_timeout": "abort"},
)


@cache
def aws_regions() -> tuple[str, ...]:
    """The commercial regions AWS offers (botocore's partition data)."""
    return tuple(sorted(boto3.session.Session().get_available_regions("ec2")))


def action(kind: str, n: int, p: str, s: str, account: str) -> dict[str, Any]:
    """One action of type ``kind`` between regions ``p`` and ``s`` in ``account`` (``n`` keeps names unique)."""
    tag = f"t{n}"
    specs: dict[str, dict[str, Any]] = {
        "route53_records": {
            "hosted_zone_id": f"ZGEN{n:04d}",
            "record_name": f"{tag}.app{account}.example.org",
            "record_type": "A",
            "routing": "weighted",
            "primary": {"values": ["192.0.2.10"], "set_identifier": "primary"},
            "secondary": {"values": ["198.51.100.10"], "set_identifier": "secondary"},
        },
        "route53_health_check_invert": {"health_check_id": f"0000{n:04d}-0000-4000-8000-00000000abcd"},
        "route53_metric_switch": {
            "region": s,
            "namespace": f"Gen/{tag}",
            "metric_name": "PrimaryDisabled",
            "dimensions": {"Service": tag},
            "alarm_name": f"{tag}-primary-disabled",
            "health_check_id": f"0000{n:04d}-1111-4000-8000-00000000abcd",
        },
        "arc_routing_control": {
            "cluster_endpoints": [
                {"endpoint": f"https://host-{i}.{r}.example.com/v1", "region": r} for i, r in enumerate((s, p))
            ],
            "primary": {
                "routing_control_arn": f"arn:aws:route53-recovery-control::{account}:controlpanel/"
                f"{'a' * 32}/routingcontrol/{tag}p"
            },
            "secondary": {
                "routing_control_arn": f"arn:aws:route53-recovery-control::{account}:controlpanel/"
                f"{'a' * 32}/routingcontrol/{tag}s"
            },
        },
        "rds_instance_failover": {
            "region": p,
            "db_instance_identifier": f"{tag}-ledger",
            "primary": {"availability_zone": f"{p}a"},
            "secondary": {"availability_zone": f"{p}b"},
        },
        "rds_cluster_failover": {
            "region": p,
            "db_cluster_identifier": f"{tag}-cluster",
            "primary": {"instance_identifier": f"{tag}-a"},
            "secondary": {"instance_identifier": f"{tag}-b"},
        },
        "aurora_global": {
            "global_cluster_identifier": f"{tag}-global",
            "primary": {"cluster_arn": f"arn:aws:rds:{p}:{account}:cluster:{tag}-p", "region": p},
            "secondary": {"cluster_arn": f"arn:aws:rds:{s}:{account}:cluster:{tag}-s", "region": s},
        },
        "rds_promote_replica": {
            "primary": {"identifier": f"{tag}-writer", "region": p},
            "secondary": {"identifier": f"{tag}-replica", "region": s},
        },
        "elb_weights": {
            "region": s,
            "listener_arn": f"arn:aws:elasticloadbalancing:{s}:{account}:listener/app/{tag}/{'0' * 16}/{'0' * 16}",
            "primary": {
                "target_group_arn": f"arn:aws:elasticloadbalancing:{s}:{account}:targetgroup/{tag}-p/{'1' * 16}"
            },
            "secondary": {
                "target_group_arn": f"arn:aws:elasticloadbalancing:{s}:{account}:targetgroup/{tag}-s/{'2' * 16}"
            },
        },
        "asg_capacity": {
            "wait_for_in_service": False,
            "primary": {"asg_name": f"{tag}-p", "region": p, "min_size": 1, "desired_capacity": 2, "max_size": 4},
            "secondary": {"asg_name": f"{tag}-s", "region": s, "min_size": 1, "desired_capacity": 2, "max_size": 4},
        },
        "s3_mrap_routes": {
            "account_id": account,
            "mrap_arn": f"arn:aws:s3::{account}:accesspoint/{tag}abcdefgh.mrap",
            "primary": {"bucket": f"{tag}-{account}-p", "region": p},
            "secondary": {"bucket": f"{tag}-{account}-s", "region": s},
        },
        "dynamodb_global_table": {
            "table_name": f"{tag}-sessions",
            "primary": {"region": p},
            "secondary": {"region": s},
        },
        "lambda_hook": {"function_arn": f"arn:aws:lambda:{s}:{account}:function:{tag}-warm-caches"},
    }
    return {"type": kind, "name": f"{tag}-{kind.replace('_', '-')}", **specs[kind]}


def group(
    name: str,
    p: str,
    s: str,
    account: str,
    kinds: list[list[str]],
    policy: dict[str, Any],
    trigger_region: str,
    start: int,
) -> dict[str, Any]:
    n = iter(range(start, start + 100))
    doc: dict[str, Any] = {
        "name": name,
        "primary": {"name": "primary", "region": p, "alarms": [{"name": f"{name}-p-errors", "region": p}]},
        "secondary": {"name": "secondary", "region": s, "alarms": [{"name": f"{name}-s-errors", "region": s}]},
        "triggers": {
            "alarms": [
                {"name": f"{name}-primary-down", "region": trigger_region},
                {"name": f"{name}-primary-canary", "region": trigger_region},
            ]
        },
        "safety": {"confirmation_seconds": 30, "approval": {**policy, "timeout_seconds": 60}},
        "stages": [
            {"name": f"stage-{i + 1}", "actions": [action(k, next(n), p, s, account) for k in stage]}
            for i, stage in enumerate(kinds)
        ],
    }
    globals_ = [a for stage in doc["stages"] for a in stage["actions"] if a["type"] == "aurora_global"]
    if globals_:
        doc["replication"] = {
            "kind": "aurora_global",
            "region": s,
            "dimensions": {"DBClusterIdentifier": globals_[0]["secondary"]["cluster_arn"].rsplit(":", 1)[-1]},
        }
        doc["safety"]["rpo_budget_seconds"] = 5
    return doc


@st.composite
def plans(draw: st.DrawFn, variant: int = 0) -> dict[str, Any]:
    """A team's plan; ``variant`` rotates the region pair, the policy and the action types drawn, so that
    tests drawing one plan each (derandomised) still cover every action type and policy between them."""
    regions = aws_regions()
    p = regions[(draw(st.integers(0, len(regions) - 1)) + 7 * variant) % len(regions)]
    others = [r for r in regions if r != p]
    s = others[(draw(st.integers(0, len(others) - 1)) + 3 * variant) % len(others)]
    account = f"{(draw(st.integers(0, 10**12 - 1)) + 104_729_000_003 * (variant + 1)) % 10**12:012d}"
    anchor = ACTION_TYPES[variant % len(ACTION_TYPES)]
    more = (draw(st.integers(0, len(ACTION_TYPES))) + 5 * variant) % (len(ACTION_TYPES) + 1)
    extra = [ACTION_TYPES[more]] if more < len(ACTION_TYPES) else []
    second = (draw(st.integers(0, 2)) + variant) % 3 == 0
    kinds = [[anchor], [k for k in extra if k != anchor]] if second else [[anchor, *(k for k in extra if k != anchor)]]
    kinds = [stage for stage in kinds if stage]
    policy = POLICIES[(draw(st.integers(0, len(POLICIES) - 1)) + variant) % len(POLICIES)]
    trigger_region = sorted({s, "us-east-1"})[(draw(st.integers(0, 1)) + variant) % len({s, "us-east-1"})]
    return {
        "version": 1,
        "groups": [
            group("team", p, s, account, kinds, policy, trigger_region, 1),
            group("other", p, s, account, [["dynamodb_global_table"]], {"mode": "conditional"}, s, 50),
        ],
    }


def drill_on_generated_plan(name: str, data: st.DataObject, variant: int) -> None:
    """Draw a plan, drill scenario ``name`` on its ``team`` group, and require the expected outcome."""
    import tempfile
    from pathlib import Path

    import yaml

    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS

    doc = data.draw(plans(variant), label="plan")
    with tempfile.TemporaryDirectory(prefix="generated-plan-") as tmp:
        path = Path(tmp) / "team.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        report = run_scenario(SCENARIOS[name], slack=name == "slack-down", plan=path, group="team")
    assert report.problems == [], (report.problems, yaml.safe_dump(doc["groups"][0], sort_keys=False))
    assert report.executions or not report.expected.get("executions")
