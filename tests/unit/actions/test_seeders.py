"""The seeders build what a plan group names, so that the whole region evacuation runs on the simulated AWS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.unit.actions.helpers import make_ctx

from failover.actions import build_action
from failover.infra.clients import Clients
from failover.models import ActionStatus
from failover.plan import load_plan, load_plan_text
from failoverctl.sim.seeders import SEEDERS, rewrite, seed

PLAN = Path(__file__).resolve().parents[3] / "plans" / "region-evacuation.yaml"


def _seeded_group(sim: Any, active: str = "primary") -> Any:
    plan = load_plan(PLAN)
    mapping: dict[str, str] = {}
    for _, _, spec in plan.group("checkout").iter_actions():
        mapping |= seed(spec, Clients(), sim, active=active)
    return load_plan_text(rewrite(PLAN.read_text(), mapping)).group("checkout"), mapping


def test_every_new_action_type_has_a_seeder() -> None:
    assert {
        "route53_metric_switch",
        "arc_routing_control",
        "rds_instance_failover",
        "rds_cluster_failover",
        "rds_promote_replica",
        "aurora_global",
        "elb_weights",
        "asg_capacity",
        "s3_mrap_routes",
        "dynamodb_global_table",
        "lambda_hook",
    } <= set(SEEDERS)


def test_the_region_evacuation_group_runs_stage_by_stage(sim: Any) -> None:
    # Given the checkout group's resources, primary active, generated ids rewritten into the plan
    group, mapping = _seeded_group(sim)
    assert set(mapping) == {
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/checkout/0000000000000000/0000000000000000",
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout-use1/0000000000000001",
        "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/checkout-usw2/0000000000000002",
    }
    ctx = make_ctx()

    # When every action of every stage runs, then each changes once and verifies
    for stage in group.stages:
        for index, spec in enumerate(stage.actions):
            action = build_action(spec, spec.name or f"{stage.name}-{index}")
            assert action.observe(ctx).side == "primary"
            assert action.run(ctx).status == ActionStatus.CHANGED
            failed = [c for c in action.safe_verify(ctx) if not c.ok]
            assert not failed, failed
            assert action.run(ctx).status == ActionStatus.UNCHANGED


def test_seeding_the_secondary_active(sim: Any) -> None:
    group, _ = _seeded_group(sim, active="secondary")
    for _, name, spec in group.iter_actions():
        assert build_action(spec, name).observe(make_ctx()).side == "secondary", name
