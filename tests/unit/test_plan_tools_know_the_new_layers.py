"""plan lint, plan rto and plan params know containers, caches, document databases and queue consumers."""

from __future__ import annotations

from pathlib import Path

import pytest

from failover.plan import load_plan
from failoverctl.planning import rto
from failoverctl.planning.lint import has_errors, lint_plan
from failoverctl.planning.params import template_parameters

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "plans" / "region-evacuation-containers.yaml"
EU = ROOT / "tests" / "plans" / "containers-eu.yaml"
NEW_TYPES = {
    "ecs_service_capacity": 180.0,
    "aurora_capacity": 600.0,
    "docdb_global_cluster": 120.0,
    "elasticache_global_datastore": 60.0,
    "lambda_event_source_mappings": 60.0,
}


def test_the_shipped_plan_uses_every_new_type() -> None:
    types = {spec.type for _s, _n, spec in load_plan(SHIPPED).group("shop").iter_actions()}
    assert set(NEW_TYPES) <= types


@pytest.mark.parametrize("path", [SHIPPED, EU], ids=lambda p: p.name)
def test_lint_lists_each_new_control_plane_call_in_the_region_being_activated(path: Path) -> None:
    plan = load_plan(path)
    target = plan.groups[0].secondary.region
    findings = lint_plan(plan)
    assert not has_errors(findings)
    listed = {(f.service, f.api, f.region) for f in findings}
    assert {
        ("ecs", "UpdateService", target),
        ("application-autoscaling", "RegisterScalableTarget", target),
        ("rds", "ModifyDBCluster", target),
        ("docdb", "SwitchoverGlobalCluster", target),
        ("elasticache", "FailoverGlobalReplicationGroup", target),
        ("lambda", "UpdateEventSourceMapping (enable)", target),
    } <= listed
    assert all(f.severity == "info" for f in findings if f.service != "cloudwatch")


def test_lint_in_the_failback_direction_acts_from_the_primary_region() -> None:
    plan = load_plan(EU)
    findings = lint_plan(plan, "failback")
    assert {f.region for f in findings if f.stage != "trigger"} == {"eu-west-1"}


def test_rto_counts_each_new_type_at_its_typical_time() -> None:
    est = rto.estimate(load_plan(SHIPPED).group("shop"))
    times = {a.type: (a.seconds, a.source) for stage in est.stages for a in stage.actions}
    for type_name, seconds in NEW_TYPES.items():
        assert times[type_name] == (seconds, "action type"), type_name
    capacity = next(s for s in est.stages if s.name == "capacity")
    assert (capacity.seconds, capacity.critical_action) == (600.0, "orders-db-capacity")


def test_params_scope_iam_to_the_plans_new_resources() -> None:
    params = template_parameters(load_plan(EU), account="210987654321")
    assert params["EcsServiceArns"] == [
        "arn:aws:ecs:eu-central-1:210987654321:service/shop/shop-api",
        "arn:aws:ecs:eu-west-1:210987654321:service/shop/shop-api",
    ]
    assert params["AuroraCapacityArns"] == [
        "arn:aws:rds:eu-central-1:210987654321:cluster:orders-euc1",
        "arn:aws:rds:eu-central-1:210987654321:db:orders-euc1-failover-*",
        "arn:aws:rds:eu-west-1:210987654321:cluster:orders-euw1",
    ]
    assert params["GlobalClusterArns"] == ["arn:aws:rds::210987654321:global-cluster:catalog-global"]
    assert params["DbClusterArns"] == [
        "arn:aws:rds:eu-central-1:210987654321:cluster:catalog-euc1",
        "arn:aws:rds:eu-west-1:210987654321:cluster:catalog-euw1",
    ]
    assert params["GlobalDatastoreArns"] == [
        "arn:aws:elasticache::210987654321:globalreplicationgroup:ldgnf-shop-sessions",
        "arn:aws:elasticache:eu-central-1:210987654321:replicationgroup:sessions-euc1",
        "arn:aws:elasticache:eu-west-1:210987654321:replicationgroup:sessions-euw1",
    ]
    assert params["ConsumerFunctionArns"] == [
        f"arn:aws:lambda:{region}:210987654321:function:{name}"
        for region in ("eu-central-1", "eu-west-1")
        for name in ("order-worker", "refund-worker")
    ]


def test_a_plan_without_the_new_types_grants_none_of_them() -> None:
    params = template_parameters(load_plan(ROOT / "plans" / "example.yaml"))
    for name in ("EcsServiceArns", "AuroraCapacityArns", "GlobalDatastoreArns", "ConsumerFunctionArns"):
        assert params[name] == ["none"], name
