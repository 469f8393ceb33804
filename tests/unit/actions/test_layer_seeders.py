"""The seeders build a plan of containers, caches, document databases and consumers in any regions and account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.unit.actions.helpers import make_ctx

from failover.actions import build_action
from failover.infra.clients import Clients
from failover.models import ActionStatus
from failover.plan import load_plan, load_plan_text
from failoverctl.sim.layer_seeders import SEEDERS as LAYER_SEEDERS
from failoverctl.sim.seeders import SEEDERS, rewrite, seed

PLAN = Path(__file__).resolve().parents[2] / "plans" / "containers-eu.yaml"


def _seeded(sim: Any, active: str) -> tuple[Any, dict[str, str]]:
    plan = load_plan(PLAN)
    mapping: dict[str, str] = {}
    for _, _, spec in plan.group("storefront").iter_actions():
        mapping |= seed(spec, Clients("eu-west-1"), sim, active=active)
    return load_plan_text(rewrite(PLAN.read_text(), mapping)).group("storefront"), mapping


def test_every_new_type_has_a_seeder() -> None:
    assert set(LAYER_SEEDERS) == {
        "ecs_service_capacity",
        "aurora_capacity",
        "docdb_global_cluster",
        "elasticache_global_datastore",
        "lambda_event_source_mappings",
    }
    assert set(LAYER_SEEDERS) <= set(SEEDERS)


def test_a_plan_in_other_regions_and_another_account_runs_stage_by_stage(sim: Any) -> None:
    # Given the group's resources in eu-west-1 (active) and eu-central-1, only the queues' ARNs rewritten
    group, mapping = _seeded(sim, "primary")
    assert sorted(mapping) == sorted(
        f"arn:aws:sqs:{region}:210987654321:shop-{queue}"
        for region in ("eu-west-1", "eu-central-1")
        for queue in ("orders", "refunds")
    )
    ctx = make_ctx(primary_region="eu-west-1", secondary_region="eu-central-1")

    # When every action of every stage runs, then each changes once and verifies
    for stage in group.stages:
        for spec in stage.actions:
            action = build_action(spec, spec.name)
            assert action.observe(ctx).side == "primary", spec.name
            assert action.run(ctx).status == ActionStatus.CHANGED, spec.name
            failed = [c for c in action.safe_verify(ctx) if not c.ok]
            assert not failed, failed
            assert action.observe(ctx).side == "secondary", spec.name


@pytest.mark.parametrize("active", ["primary", "secondary"])
def test_the_seeded_side_is_the_one_observed(sim: Any, active: str) -> None:
    group, _ = _seeded(sim, active)
    ctx = make_ctx(primary_region="eu-west-1", secondary_region="eu-central-1")
    sides = {spec.name: build_action(spec, spec.name).observe(ctx).side for _, _, spec in group.iter_actions()}
    assert set(sides.values()) == {active}, sides
