"""A group whose resources AWS would refuse is reported by name; the plan's other groups still drill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from failoverctl.cli import main

PLAN = """
version: 1
groups:
  - name: good
    primary: { name: dublin, region: eu-west-1 }
    secondary: { name: frankfurt, region: eu-central-1, alarms: [{ name: good-fra-errors, region: eu-central-1 }] }
    triggers:
      alarms: [{ name: good-down, region: eu-central-1 }]
    safety: { confirmation_seconds: 30, approval: { mode: never } }
    stages:
      - name: warm
        actions:
          - type: lambda_hook
            function_arn: arn:aws:lambda:eu-central-1:555555555555:function:good-warm
  - name: broken
    primary: { name: dublin, region: eu-west-1 }
    secondary: { name: frankfurt, region: eu-central-1 }
    triggers:
      alarms: [{ name: broken-down, region: eu-central-1 }]
    stages:
      - name: traffic
        actions:
          - type: elb_weights
            name: broken-lb
            region: eu-central-1
            listener_arn: ELB:listener/app/lb/0000000000000000/0000000000000000
            primary:
              target_group_arn: ELB:targetgroup/a-target-group-name-far-too-long-for-elb/1111111111111111
            secondary:
              target_group_arn: ELB:targetgroup/b/2222222222222222
""".replace("ELB:", "arn:aws:elasticloadbalancing:eu-central-1:555555555555:")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("seed") / "two-groups.yaml"
    path.write_text(PLAN)
    return path


def test_the_broken_group_is_named_with_its_action_and_what_aws_refused(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drill", "--plan", str(plan), "--group", "broken", "--json", "--no-slack"])

    err = json.loads(capsys.readouterr().out)
    assert code == 1
    assert err["error"] == "SeedError"
    assert "group 'broken'" in err["message"]
    assert "action 'broken-lb' (elb_weights) of stage 'traffic'" in err["message"]
    assert "cannot be longer than '32' characters" in err["message"]
    assert "internal error" not in err["message"]


def test_the_other_groups_of_the_plan_still_drill(plan: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["drill", "--plan", str(plan), "--group", "good", "--json", "--no-slack"])

    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert code == 0
    assert data["incident_id"].startswith("good-")
    assert data["stack_region"] == "eu-central-1"
