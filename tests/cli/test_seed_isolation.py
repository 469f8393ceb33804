"""A group whose resources AWS would refuse is reported by name; the plan's other groups still drill."""

from __future__ import annotations

import pytest
from tests.cli.helpers import plan_path, run_json

PLAN = plan_path("seed-isolation.yaml")


def test_the_broken_group_is_named_with_its_action_and_what_aws_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_json(capsys, "drill", "--plan", PLAN, "--group", "broken", "--json", "--no-slack")

    assert code == 1
    assert err["error"] == "SeedError"
    assert "group 'broken'" in err["message"]
    assert "action 'broken-lb' (elb_weights) of stage 'traffic'" in err["message"]
    assert "cannot be longer than '32' characters" in err["message"]
    assert "internal error" not in err["message"]


def test_the_other_groups_of_the_plan_still_drill(capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(capsys, "drill", "--plan", PLAN, "--group", "good", "--json", "--no-slack")

    assert data["problems"] == []
    assert code == 0
    assert data["incident_id"].startswith("good-")
    assert data["stack_region"] == "eu-central-1"
