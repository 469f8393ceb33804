"""Every scenario on plans a team might write: any two regions, any account, any action type, any policy.

Each scenario drills one generated plan (derandomised, so the suite is reproducible); the plans
differ from scenario to scenario (``variant``), and between them they cover every action type and
every approval policy. The other half of the scenarios (see test_generated_plans.py).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.cli.generated_plans import drill_on_generated_plan

from failoverctl.scenarios import SCENARIOS

HALF = sorted(SCENARIOS)[len(SCENARIOS) // 2 :]


@pytest.mark.parametrize("name", HALF)
@settings(max_examples=1, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_scenario_on_a_generated_plan(name: str, data: st.DataObject) -> None:
    drill_on_generated_plan(name, data, sorted(SCENARIOS).index(name))
