"""Bad plans: any text or any mutation of a valid plan loads as a plan or fails with a clear ``PlanError``.

An invalid plan must fail the build with a message that says what is wrong, never with a
traceback from inside the loader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.property.strategies import json_values, mutations

from failover.errors import PlanError
from failover.plan import Plan, load_plan_text

ROOT = Path(__file__).resolve().parents[2]
PLANS = {p.name: yaml.safe_load(p.read_text()) for p in sorted((ROOT / "plans").glob("*.yaml"))}
PROPERTY = settings(max_examples=200, deadline=None)

yaml_like = st.text(alphabet=st.sampled_from(list("abcdefgh:-[]{}#&*!|>'\"\n\t 0123456789.,?%@`")), max_size=200)


def _loads(text: str) -> Plan | PlanError:
    try:
        return load_plan_text(text, "fuzzed.yaml")
    except PlanError as err:
        return err


def _clear(err: PlanError) -> None:
    assert err.message.startswith("fuzzed.yaml:")
    assert len(err.message.splitlines()[0]) > len("fuzzed.yaml: ")


@PROPERTY
@given(text=st.text(max_size=300) | yaml_like)
def test_any_text_loads_or_fails_with_a_plan_error(text: str) -> None:
    outcome = _loads(text)
    if isinstance(outcome, PlanError):
        _clear(outcome)
    else:
        assert outcome.groups


@PROPERTY
@given(data=st.sampled_from(sorted(PLANS)).flatmap(lambda name: mutations(PLANS[name])))
def test_a_mutated_plan_loads_or_names_the_problem(data: Any) -> None:
    # Given a valid plan with one to three nodes replaced, deleted or extended,
    # When it is loaded, Then it is a valid plan or a PlanError that names the problem
    text = yaml.safe_dump(data, sort_keys=False)
    outcome = _loads(text)
    if isinstance(outcome, PlanError):
        _clear(outcome)
    else:
        assert isinstance(outcome, Plan)
        assert [g.name for g in outcome.groups]


@PROPERTY
@given(value=json_values)
def test_any_yaml_document_loads_or_fails_with_a_plan_error(value: Any) -> None:
    outcome = _loads(yaml.safe_dump(value))
    if isinstance(outcome, PlanError):
        _clear(outcome)
