"""What keeps a cold start short: one boto3 session per ``Clients``, the plan built from its compiled
form (no validation, no pydantic schema) when the build wrote one for exactly that YAML, one read of
the gate's state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import boto3
import pytest
from pydantic import BaseModel

from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.plan import compile_plan, compiled_path, construct, load_plan, load_plan_text
from failover.plancheck import main as plancheck

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plans" / "example.yaml"


def test_every_client_comes_from_one_session(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[Any] = []
    original = boto3.session.Session

    def counting(*args: Any, **kwargs: Any) -> Any:
        session = original(*args, **kwargs)
        made.append(session)
        return session

    monkeypatch.setattr(boto3.session, "Session", counting)
    clients = Clients("us-east-1")
    clients.get("sts")
    clients.get("dynamodb")
    clients.get("cloudwatch", "us-west-2")
    clients.resource("dynamodb")
    assert len(made) == 1
    assert clients.get("sts") is clients.get("sts")
    assert clients.get("cloudwatch", "us-west-2").meta.region_name == "us-west-2"
    assert clients.get("route53", "eu-west-1") is clients.get("route53")  # one global control plane


def test_the_clients_retry_in_the_standard_mode() -> None:
    config = Clients().get("sts").meta.config
    assert config.retries == {"mode": "standard", "total_max_attempts": 6}  # five retries


def test_a_compiled_plan_is_read_instead_of_the_yaml(tmp_path: Path) -> None:
    plan = shutil.copy(EXAMPLE, tmp_path / "example.yaml")
    compiled = compile_plan(plan, tmp_path)
    assert compiled == compiled_path(plan) == tmp_path / "example.compiled.json"
    assert load_plan(plan) == load_plan(EXAMPLE)
    # the functions take the compiled data as it is: change it (hash kept) and they read the change
    document = json.loads(compiled.read_text())
    document["plan"]["groups"][0]["description"] = "from the compiled plan"
    compiled.write_text(json.dumps(document))
    assert load_plan(plan).groups[0].description == "from the compiled plan"


def _same(built: Any, validated: Any, where: str = "plan") -> None:
    """The same values of the same types, and the same fields set, all the way down."""
    assert type(built) is type(validated), where
    if isinstance(built, BaseModel):
        assert built.model_fields_set == validated.model_fields_set, where
        for name in type(built).model_fields:
            _same(getattr(built, name), getattr(validated, name), f"{where}.{name}")
    elif isinstance(built, list | tuple):
        assert len(built) == len(validated), where
        for index, (a, b) in enumerate(zip(built, validated, strict=True)):
            _same(a, b, f"{where}[{index}]")
    elif isinstance(built, dict):
        assert built.keys() == validated.keys(), where
        for key in built:
            _same(built[key], validated[key], f"{where}.{key}")
    else:
        assert built == validated, where


@pytest.mark.parametrize("source", [*sorted((ROOT / "plans").glob("*.yaml")), ROOT / "tests" / "plans" / "mixed.yaml"])
def test_a_plan_built_from_its_compiled_form_is_the_validated_plan(tmp_path: Path, source: Path) -> None:
    plan = shutil.copy(source, tmp_path / source.name)
    assert compile_plan(plan, tmp_path) is not None
    _same(load_plan(plan), load_plan_text(source.read_text()))


class _Kind(StrEnum):
    A = "a"
    B = "b"


class _Inner(BaseModel):
    kind: _Kind = _Kind.A
    pair: tuple[int, str] = (0, "")


class _Outer(BaseModel):
    inner: _Inner | None = None
    many: tuple[_Inner, ...] = ()
    names: frozenset[str] = frozenset()
    by_name: dict[str, _Inner] = {}


def test_construct_gives_every_container_and_enum_the_type_validation_gives() -> None:
    data = {
        "inner": {"kind": "b", "pair": [1, "x"]},
        "many": [{"kind": "a"}, {"pair": [2, "y"]}],
        "names": ["p", "q"],
        "by_name": {"n": {"kind": "b"}},
    }
    validated = _Outer.model_validate(data)
    # the compiled form is the validated model dumped to JSON and read back
    _same(construct(_Outer, json.loads(json.dumps(validated.model_dump(exclude_unset=True), default=list))), validated)


def test_the_functions_build_no_plan_schema_from_a_compiled_plan(tmp_path: Path) -> None:
    plan = shutil.copy(EXAMPLE, tmp_path / "example.yaml")
    compile_plan(plan, tmp_path)
    probe = (
        "import sys; from failover.plan import Plan, load_plan; "
        f"plan = load_plan({str(plan)!r}); "
        "print(Plan.__pydantic_complete__, plan.groups[0].stages[0].actions[0].type)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "failover")}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "route53_records"]


def test_a_compiled_plan_of_an_older_format_is_ignored(tmp_path: Path) -> None:
    plan = shutil.copy(EXAMPLE, tmp_path / "example.yaml")
    compiled = compile_plan(plan, tmp_path)
    assert compiled is not None
    document = json.loads(compiled.read_text())
    document["plan"]["groups"][0]["description"] = "from an older build"
    compiled.write_text(json.dumps({k: v for k, v in document.items() if k != "format"}))
    assert load_plan(plan).groups[0].description != "from an older build"


def test_a_compiled_plan_of_other_yaml_is_ignored(tmp_path: Path) -> None:
    plan = shutil.copy(EXAMPLE, tmp_path / "example.yaml")
    compile_plan(plan, tmp_path)
    Path(plan).write_text(EXAMPLE.read_text().replace("cooldown_seconds: 3600", "cooldown_seconds: 60", 1))
    assert load_plan(plan).groups[0].safety.cooldown_seconds == 60


def test_plancheck_compiles_only_valid_plans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("confirmation_seconds: 60", "confirmation_seconds: -1", 1))
    out = tmp_path / "out"
    out.mkdir()
    assert plancheck(["--compile", str(out), str(EXAMPLE), str(bad)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["example.compiled.json"]
    assert "confirmation_seconds" in capsys.readouterr().err


def test_a_plan_that_json_cannot_hold_is_not_compiled_and_read_as_yaml(tmp_path: Path) -> None:
    plan = tmp_path / "mixed.yaml"
    text = (ROOT / "tests" / "plans" / "mixed.yaml").read_text()
    plan.write_text(
        text.replace("type: lambda_hook\n", "type: lambda_hook\n            payload: {since: 2026-01-01}\n", 1)
    )
    assert compile_plan(plan, tmp_path) is None
    assert not compiled_path(plan).exists()
    hooks = [s for _, _, s in load_plan(plan).groups[0].iter_actions() if s.type == "lambda_hook"]
    assert str(hooks[0].payload["since"]) == "2026-01-01"


def test_the_gate_state_and_the_global_settings_come_in_one_read(world: Any) -> None:
    store: Store = world.store
    store.set_paused(None, True, "alice", "maintenance")
    store.set_paused("web", True, "bob")
    before = world.sim.count_calls()
    state, settings = store.group_state_and_settings("web")
    assert world.sim.count_calls() - before == 1
    assert (state["paused_by"], state["active_side"]) == ("bob", "primary")
    assert (settings["paused"], settings["paused_reason"]) == (True, "maintenance")
    assert store.group_state_and_settings("nothing") == ({}, settings)


class _Timeline:
    def __init__(self) -> None:
        self.decisions: list[tuple[str, dict[str, Any]]] = []

    def record_decision(self, incident_id: str, decision: dict[str, Any]) -> None:
        self.decisions.append((incident_id, dict(decision)))


@pytest.mark.parametrize(("outcome", "recorded"), [("proceed", 1), ("approval", 0), ("skip", 0)])
def test_the_started_notice_records_only_a_proceed_decision(outcome: str, recorded: int) -> None:
    from failover.steps.notify.service import record_started_decision

    timeline = _Timeline()
    decision = {"outcome": outcome, "reason": "r", "decided_at": "2026-01-01T00:00:00.000Z"}
    state = {"request": {"incident_id": "web-1"}, "gate": {"decision": decision}}
    record_started_decision(timeline, state)
    assert timeline.decisions == [("web-1", decision)] * recorded


def test_a_decision_is_placed_at_its_own_time(world: Any) -> None:
    store: Store = world.store
    store.add_event("web-2", "action", "changed")
    store.record_decision("web-2", {"outcome": "proceed", "reason": "ok", "decided_at": "2000-01-01T00:00:00.000Z"})
    assert [e["kind"] for e in store.timeline("web-2")] == ["decision", "action"]


def test_the_store_never_loads_boto3s_resource_model(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_resource(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the resource API was asked for")

    monkeypatch.setattr(Clients, "resource", no_resource)
    store = Store(world.store.table_name, world.clients)
    store.add_event("web-3", "action", "changed", weight=0.5, targets=["a", "b"], nested={"ok": True, "n": 3})
    store.record_one_way("web", {"name": "db", "from_side": "primary", "to_side": "secondary", "lag": 1.25})
    assert store.acquire_lock("web", "exec-1", "web-3", 600).acquired
    assert not store.acquire_lock("web", "exec-2", "web-4", 600).acquired
    [event] = store.timeline("web-3")
    assert event["data"] == {"weight": 0.5, "targets": ["a", "b"], "nested": {"ok": True, "n": 3}}
    assert store.one_way("web") == [{"name": "db", "from_side": "primary", "to_side": "secondary", "lag": 1.25}]
    assert store.lock("web")["owner"] == "exec-1"
    assert "web" in store.group_names()


_TRACING_PROBE = (
    "import sys, importlib; sys.path[:0] = [{code!r}]; "
    "app = importlib.import_module('app'); "
    "from botocore.client import BaseClient; from failover.observability import tracer; "
    "print('aws_xray_sdk' in sys.modules, tracer.cache_info().currsize == 1, "
    "type(BaseClient.__dict__['_make_api_call']).__name__ == 'FunctionWrapper')"
)


def _tracing_in_a_fresh_process(trace_aws_calls: str | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"POWERTOOLS_TRACE_DISABLED", "FAILOVER_TRACE_AWS_CALLS"}}
    env.update({"PYTHONPATH": str(ROOT / "layers" / "failover"), "LAMBDA_TASK_ROOT": "/var/task"})
    if trace_aws_calls is not None:
        env["FAILOVER_TRACE_AWS_CALLS"] = trace_aws_calls
    probe = _TRACING_PROBE.format(code=str(ROOT / "functions" / "execute"))
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_a_function_imports_no_xray_sdk_unless_the_stack_traces_aws_calls() -> None:
    # Lambda's active tracing records the invocation; the SDK and its patching are not loaded
    assert _tracing_in_a_fresh_process(None) == ["False", "False", "False"]
    assert _tracing_in_a_fresh_process("false") == ["False", "False", "False"]


def test_with_trace_aws_calls_the_handler_is_traced_and_botocore_patched() -> None:
    assert _tracing_in_a_fresh_process("true") == ["True", "True", "True"]


def test_the_template_passes_trace_aws_calls_to_every_function() -> None:
    from failoverctl.template import functions, load_template

    template = load_template()
    assert template["Parameters"]["TraceAwsCalls"]["Default"] == "false"
    for function in functions(template):
        assert function.environment["FAILOVER_TRACE_AWS_CALLS"] == {"Ref": "TraceAwsCalls"}, function.logical_id


def test_the_benchmark_replays_a_real_first_invocation_of_every_function() -> None:
    # make bench measures each function's cold start with the event and AWS answers of a drill
    from bench.run import record_first_invocations

    from failoverctl.template import functions, load_template

    recorded = record_first_invocations()
    assert {f.logical_id for f in functions(load_template())} <= set(recorded)
    evaluate = recorded["EvaluateFunction"]
    assert any(api.startswith("iam.SimulatePrincipalPolicy") for api, _, _ in evaluate.responses)
    # with the environment the drill resolved (a topic ARN, not the template's logical id)
    assert evaluate.env["TOPIC_ARN"].startswith("arn:aws:sns:")
