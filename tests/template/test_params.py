"""The parameters a plan implies reach the template: samconfig's default environment and the defaults agree."""

from __future__ import annotations

import tomllib

from failover.plan import load_plan
from failoverctl.planning.params import as_overrides, template_parameters
from failoverctl.template import ROOT, load_template


def test_samconfig_default_deploys_the_example_plans_parameters() -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    overrides = config["default"]["deploy"]["parameters"]["parameter_overrides"]
    plan = load_plan(ROOT / "plans" / "example.yaml")
    expected = as_overrides(template_parameters(plan), "example.yaml")
    assert set(expected) <= set(overrides)


def test_template_defaults_match_the_example_plan() -> None:
    template = load_template()
    params = template_parameters(load_plan(ROOT / "plans" / "example.yaml"))
    for name in ("TriggerAlarmNames", "HostedZoneIds", "RecordNames"):
        assert template["Parameters"][name]["Default"].split(",") == params[name], name


def test_every_parameter_the_plan_implies_exists_in_the_template() -> None:
    template = load_template()
    for path in (ROOT / "plans").glob("*.yaml"):
        for name in template_parameters(load_plan(path)):
            assert name in template["Parameters"], name


def test_region_evacuation_scopes_iam_to_its_resources() -> None:
    params = template_parameters(load_plan(ROOT / "plans" / "region-evacuation.yaml"), account="123456789012")
    assert params["GlobalClusterArns"] == ["arn:aws:rds::123456789012:global-cluster:checkout-global"]
    assert len(params["RoutingControlArns"]) == 2
    assert all(
        a.endswith(("autoScalingGroupName/checkout-use1", "autoScalingGroupName/checkout-usw2"))
        for a in params["AutoScalingGroupArns"]
    )
    assert params["HostedZoneIds"] == ["none"]
