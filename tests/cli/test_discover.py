"""``failoverctl plan discover``: a simulated two-region estate becomes a draft plan that checks and drills.

Given the estate of ``failoverctl.sim.estate`` (failover, latency and weighted record pairs, an
Aurora global database, tagged Auto Scaling groups, a weighted listener, ARC routing controls, a
DynamoDB global table, an MRAP, a Multi-AZ instance and alarms on them),
When discovery reads it for us-east-1 and us-west-2,
Then it only reads, and writes a plan that ``plan check`` accepts, ``plan lint`` explains, with
the primary side where the estate serves now, data before traffic, and a note on every guess.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from failover.plan import load_plan
from failoverctl.cli import main
from failoverctl.sim.aws import SIM

READ_PREFIXES = ("List", "Describe", "Get")


@pytest.fixture(scope="module")
def discovered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from failoverctl.discover.draft import draft_plan
    from failoverctl.discover.scan import Scanner
    from failoverctl.sim.estate import seed_estate, simulated_account

    path = tmp_path_factory.mktemp("discover") / "draft.yaml"
    with simulated_account() as clients:
        seeded = seed_estate(clients)
        SIM.calls.clear()
        inventory = Scanner(clients, ["us-east-1", "us-west-2"]).scan()
        calls = [c.api for c in SIM.calls]
        text, notes = draft_plan(inventory, generated="test")
    path.write_text(text)
    return {"path": path, "text": text, "notes": notes, "calls": calls, "seeded": seeded}


def _actions(plan: Any, group: str) -> dict[str, Any]:
    return {name: spec for _stage, name, spec in plan.group(group).iter_actions()}


def test_discovery_only_reads(discovered: dict[str, Any]) -> None:
    calls = discovered["calls"]
    assert calls, "discovery made no call"
    writes = [api for api in calls if not api.split(".", 1)[1].startswith(READ_PREFIXES)]
    assert writes == []
    services = {api.split(".", 1)[0] for api in calls}
    expected = {"route53", "rds", "route53-recovery-control-config", "elbv2", "autoscaling"}
    assert expected | {"dynamodb", "s3control", "cloudwatch"} <= services


def test_the_draft_has_a_group_per_service_with_the_primary_where_it_serves(discovered: dict[str, Any]) -> None:
    plan = load_plan(discovered["path"])
    assert sorted(g.name for g in plan.groups) == ["api", "checkout", "orders", "web"]

    checkout = plan.group("checkout")
    assert (checkout.primary.region, checkout.secondary.region) == ("us-east-1", "us-west-2")
    assert [s.name for s in checkout.stages] == ["data-and-capacity", "traffic"]
    assert {a.type for a in checkout.stages[0].actions} == {"aurora_global", "asg_capacity", "dynamodb_global_table"}
    assert {a.type for a in checkout.stages[1].actions} == {
        "route53_records",
        "arc_routing_control",
        "elb_weights",
        "s3_mrap_routes",
    }
    actions = _actions(plan, "checkout")
    assert actions["checkout-db"].primary.cluster_arn.endswith(":cluster:checkout-use1")
    fleet = actions["checkout-fleet"]
    assert (fleet.primary.asg_name, fleet.secondary.asg_name) == ("checkout-use1", "checkout-usw2")
    assert (fleet.secondary.desired_capacity, fleet.secondary.min_size) == (6, 3)
    assert actions["checkout-dns"].primary.set_identifier == "use1"
    assert actions["checkout-routing"].primary.routing_control_arn.endswith("checkoutuseast1")
    assert len(actions["checkout-routing"].cluster_endpoints) == 5
    assert "checkout-use1" in actions["checkout-lb"].primary.target_group_arn
    assert actions["checkout-assets"].primary.bucket == "checkout-assets-use1"
    assert [a.name for a in checkout.triggers.alarms] == ["checkout-use1-cpu"]
    assert [a.name for a in checkout.secondary.alarms] == ["checkout-usw2-cpu"]
    assert checkout.replication is not None
    assert checkout.replication.dimensions == {"DBClusterIdentifier": "checkout-usw2"}

    web = plan.group("web")
    hcs = discovered["seeded"]["health_checks"]
    assert _actions(plan, "web")["web-dns"].health_check_id == hcs["web-use1"]
    assert (web.primary.health_checks, web.secondary.health_checks) == ([hcs["web-use1"]], [hcs["web-usw2"]])
    assert [a.name for a in web.triggers.alarms] == ["web-primary-health"]
    assert _actions(plan, "api")["api-dns"].health_check_id == hcs["api-use1"]

    orders = plan.group("orders")
    assert (orders.primary.name, orders.secondary.name) == ("us-east-1a", "us-east-1b")
    assert _actions(plan, "orders")["orders-db"].type == "rds_instance_failover"


def test_every_guess_carries_a_comment(discovered: dict[str, Any]) -> None:
    text = discovered["text"]
    lines = text.splitlines()
    assert yaml.safe_load(text)["version"] == 1
    guesses = [line for line in lines if "# guess" in line]
    # the serving side of each weighted pair, the standby's fleet, the RPO budget, each trigger, the routing control
    for expected in ("weight 100 serves now", "standby takes the primary's fleet", "set your RPO", "says the primary"):
        assert any(expected in line for line in guesses), expected
    assert any("checkout-us-east-1 (its name)" in line for line in guesses)


def test_plan_check_accepts_the_draft_and_lint_explains_it(
    discovered: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plan", "check", str(discovered["path"])]) == 0
    assert "valid plan with 4 group(s)" in capsys.readouterr().out
    main(["plan", "lint", str(discovered["path"])])
    out = capsys.readouterr().out
    assert "group checkout: us-east-1 -> us-west-2" in out
    assert "route53_health_check_invert" in out


def test_the_discover_command_writes_the_simulated_estate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "draft.yaml"
    code = main(["plan", "discover", "--simulated", "--regions", "us-east-1,us-west-2", "-o", str(out), "--json"])
    summary = yaml.safe_load(capsys.readouterr().out)
    assert code == 0
    assert [g["name"] for g in summary["groups"]] == ["api", "checkout", "orders", "web"]
    assert summary["guesses"] > 0
    assert load_plan(out).group("checkout").stages[0].name == "data-and-capacity"


@pytest.mark.slow
def test_a_primary_outage_drills_on_the_discovered_plan(discovered: dict[str, Any]) -> None:
    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS

    report = run_scenario(SCENARIOS["primary-outage"], slack=False, plan=discovered["path"], group="checkout")
    assert report.problems == []
    assert report.active_before == "primary"
    assert report.active_after == "secondary"
    stages = [a["stage"] for a in report.to_json()["actions"]]
    assert stages.index("traffic") > stages.index("data-and-capacity")
