"""Bad input to the trigger: any JSON gives a request, an ignore with its reason, or a typed error; never a crash.

Given arbitrary JSON values and mutations of every sample event, ``parse_event`` returns a
``FailoverRequest`` or an ``Ignored`` with a reason; the trigger returns a result (or raises a
``FailoverError``), and an event it does not act on writes nothing to the incident table.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.property.strategies import json_values, mutations, table_items

from failover.config import get_env
from failover.errors import FailoverError
from failover.events import Ignored, parse_event
from failover.models import FailoverRequest
from failover.steps.trigger import Trigger, TriggerResult

ROOT = Path(__file__).resolve().parents[2]
EVENT_FILES = ["cloudwatch_", "rds_", "manual_", "drill_"]
SAMPLES = {
    p.name: json.loads(p.read_text())
    for p in sorted((ROOT / "events").glob("*.json"))
    if any(p.name.startswith(prefix) for prefix in EVENT_FILES)
}
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

envelopes = st.fixed_dictionaries(
    {
        "version": st.just("0"),
        "id": st.text(max_size=20),
        "detail-type": st.sampled_from(
            ["CloudWatch Alarm State Change", "Failover Requested", "RDS DB Instance Event", "Other"]
        ),
        "source": st.sampled_from(["aws.cloudwatch", "aws.rds", "failover.manual", "failover.drill", "x"]),
        "account": st.text(max_size=12),
        "time": st.sampled_from(["2026-01-01T00:00:00Z", "not a time", ""]),
        "region": st.sampled_from(["us-east-1", "us-west-2", ""]),
        "resources": st.lists(st.text(max_size=20), max_size=2),
        "detail": json_values,
    }
)
events = json_values | envelopes | st.sampled_from(sorted(SAMPLES)).flatmap(lambda name: mutations(SAMPLES[name]))


def _check_parsed(parsed: Any) -> None:
    assert isinstance(parsed, FailoverRequest | Ignored)
    if isinstance(parsed, Ignored):
        assert parsed.reason  # a reason to log and count
        assert parsed.detail


@PROPERTY
@given(event=events)
def test_parse_event_never_raises(sim_world: Any, event: Any) -> None:
    # Given any JSON value or a mutated sample event, When it is parsed, Then a request or a reason comes back
    _check_parsed(parse_event(event, sim_world.plan))


@pytest.fixture
def started(sim_world: Any) -> Iterator[list[str]]:
    """Answer StartExecution without running the pipeline (names stay unique, as in Step Functions)."""
    from failoverctl.sim.aws import SimClientError

    names: list[str] = []

    def start(params: dict[str, Any], region: str) -> dict[str, Any]:
        if params["name"] in names:
            raise SimClientError("ExecutionAlreadyExists", "Execution Already Exists", 400)
        names.append(params["name"])
        arn = sim_world.state_machine_arn.replace(":stateMachine:", ":execution:") + ":" + params["name"]
        return {"executionArn": arn, "startDate": time.time()}

    sim_world.sim.register("stepfunctions.StartExecution", start)
    try:
        yield names
    finally:
        sim_world.sim.handlers.pop("stepfunctions.StartExecution", None)


@PROPERTY
@given(event=events)
def test_trigger_answers_every_event_and_writes_nothing_for_ignored_ones(
    sim_world: Any, started: list[str], event: Any
) -> None:
    trigger = Trigger(sim_world.plan, get_env(), sim_world.clients, sim_world.store)
    before = table_items(sim_world)
    try:
        result = trigger.handle(event)
    except FailoverError as err:
        message = err.message
        assert message
        assert table_items(sim_world) == before
        return
    assert isinstance(result, TriggerResult)
    assert result.status in ("started", "deduplicated", "ignored", "rejected")
    assert result.reason
    if result.status in ("ignored", "rejected"):
        assert table_items(sim_world) == before
    if result.status == "started":
        assert result.execution_arn
        assert result.incident_id in started


@settings(PROPERTY, max_examples=100)
@given(event=events)
def test_trigger_function_returns_a_result_or_a_typed_error(sim_world: Any, started: list[str], event: Any) -> None:
    # Given any input handed to the deployed handler, When Lambda invokes it,
    # Then it returns a result, or fails with one of the project's typed errors (which the DLQ keeps)
    typed = {cls.__name__ for cls in _subclasses(FailoverError)}
    before = [i for i in table_items(sim_world) if not str(i["pk"]).startswith("IDEMPOTENCY#")]
    invocation = sim_world.lambdas.invoke("TriggerFunction", event)
    if invocation.error is not None:
        assert invocation.error["errorType"] in typed, invocation.error
        return
    status = invocation.result["status"]
    assert status in ("started", "deduplicated", "ignored", "rejected")
    if status in ("ignored", "rejected"):
        after = [i for i in table_items(sim_world) if not str(i["pk"]).startswith("IDEMPOTENCY#")]
        assert after == before


def _subclasses(cls: type) -> set[type]:
    out = {cls}
    for sub in cls.__subclasses__():
        out |= _subclasses(sub)
    return out


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_event_parses_to_a_request_or_a_reason(sim_world: Any, name: str) -> None:
    _check_parsed(parse_event(SAMPLES[name], sim_world.plan))
