"""The plan tools with several standbys: lint every pair, count the choice in the RTO, grant every side."""

from __future__ import annotations

from pathlib import Path

from failover.plan import load_plan
from failoverctl.planning.lint import lint_group
from failoverctl.planning.params import template_parameters
from failoverctl.planning.rto import estimate

ROOT = Path(__file__).resolve().parents[2]
THREE = load_plan(ROOT / "plans" / "three-region.yaml").group("shop")
TWO = load_plan(ROOT / "plans" / "example.yaml").group("web")


def test_lint_reports_each_pair_of_the_primary_and_a_standby() -> None:
    findings = lint_group(THREE)
    capacity = {f.standby: f.region for f in findings if f.action == "shop-fleet"}
    assert capacity == {"secondary": "us-west-2", "eu-west-1": "eu-west-1"}
    assert {f.standby for f in lint_group(TWO)} == {"secondary"}


def test_rto_counts_the_standbys_the_gate_may_pass_over() -> None:
    names = [c.name for c in estimate(THREE).components]
    choice = next(c for c in estimate(THREE).components if c.name == "target choice")
    assert choice.seconds > 0 and "eu-west-1" in choice.detail
    assert "target choice" not in [c.name for c in estimate(TWO).components]
    assert names.index("target choice") < names.index("stage capacity")


def test_params_grant_the_resources_of_every_side() -> None:
    groups = template_parameters(load_plan(ROOT / "plans" / "three-region.yaml"), account="123456789012")
    assert [arn.rsplit("/", 1)[-1] for arn in groups["AutoScalingGroupArns"]] == [
        "shop-euw1",
        "shop-use1",
        "shop-usw2",
    ]
