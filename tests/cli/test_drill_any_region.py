"""A team's Aurora global database between two European regions, in its own account, drills end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

PLAN = """
version: 1
groups:
  - name: orders
    primary: { name: dublin, region: eu-west-1, alarms: [{ name: orders-dub-errors, region: eu-west-1 }] }
    secondary: { name: frankfurt, region: eu-central-1, alarms: [{ name: orders-fra-errors, region: eu-central-1 }] }
    triggers:
      alarms: [{ name: orders-primary-canary, region: eu-central-1 }]
    replication: { kind: aurora_global, region: eu-central-1, dimensions: { DBClusterIdentifier: orders-euc1 } }
    safety: { confirmation_seconds: 60, rpo_budget_seconds: 5 }
    stages:
      - name: data
        actions:
          - type: aurora_global
            name: orders-db
            global_cluster_identifier: orders-global
            primary: { cluster_arn: "arn:aws:rds:eu-west-1:210987654321:cluster:orders-euw1", region: eu-west-1 }
            secondary:
              cluster_arn: "arn:aws:rds:eu-central-1:210987654321:cluster:orders-euc1"
              region: eu-central-1
"""


def test_an_aurora_global_database_from_eu_west_1_to_eu_central_1_fails_over(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "orders.yaml"
    plan.write_text(PLAN)

    code = main(["drill", "--plan", str(plan), "--group", "orders", "--scenario", "primary-outage", "--json"])

    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    assert data["stack_region"] == "eu-central-1"
    assert data["accounts"] == {"210987654321": "123456789012"}
    assert [(a["name"], a["status"]) for a in data["actions"]] == [("orders-db", "changed")]
    assert "arn:aws:rds:eu-central-1:" in data["actions"][0]["detail"]
    assert (data["active_before"], data["active_after"]) == ("primary", "secondary")
