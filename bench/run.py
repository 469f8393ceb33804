"""Benchmarks of the failover automation, written as a table to ``docs/performance.md``.

Run: ``make bench`` (``python -m bench.run --write docs/performance.md``). Everything runs
offline on the simulated AWS; the figures that depend on the machine say so.

1. Cold start: for each function, a fresh Python process imports the handler module as Lambda
   does (the function's directory and the layer on ``sys.path``, its environment from
   ``template.yaml``), timed inside the child with ``time.perf_counter`` and with its peak RSS
   (``resource.getrusage``); a baseline handler that only imports boto3 and creates one client is
   measured in the same run. Several repetitions; the least process time is reported (other
   processes on the machine only ever add to it), and the highest peak RSS.
2. Critical path: AWS API calls made by the functions and state transitions, from the trigger
   event to the first traffic-shifting change and to verified, for ``primary-outage`` and
   ``region-evacuation``; the cost of one failover from those counts.
3. Simulated time: the same drills on the virtual clock (the plan's real waits: detection,
   confirmation, each action's typical time, verification intervals) beside ``failoverctl plan
   rto`` and the RTO objective, and the goal for a fast data-plane plan (``plans/fast-data-plane.yaml``).
4. Drill wall time with zero waits, split into our code, simulated AWS calls made by our code,
   and the rest (the Step Functions interpreter and the drill's own bookkeeping).
5. Alarm storm: the trigger's throughput in-process and the exactness of its dedupe.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "failover"
ASL = ROOT / "statemachine" / "failover.asl.json"
COMMAND = "make bench  (python -m bench.run --write docs/performance.md)"

# ---------------------------------------------------------------------- prices and goals

#: AWS Step Functions Standard workflows, per state transition (FACTS.md; Step Functions pricing page)
PRICE_PER_TRANSITION = 0.025 / 1000
#: AWS Lambda on arm64 (Graviton), us-east-1, first pricing tier (Lambda pricing page)
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000

#: the machine's one-minute load average when the run began (shared machines make slow runs)
LOAD_AT_START = os.getloadavg()[0]
#: when the run began (the date the document gives: the figures are of that moment's machine)
STARTED_AT = datetime.now(UTC)

GOAL_COLD_RATIO = 1.3
GOAL_PEAK_MB = 64
GOAL_CALLS_TO_SHIFT = 12
GOAL_TRANSITIONS_TO_SHIFT = 10
GOAL_COST = 0.01
GOAL_EVENTS_PER_SECOND = 500
#: simulated seconds from the failure, for a data-plane plan with fast signals and an ARC routing control
GOAL_SIM_FIRST_CHANGE = 30
GOAL_SIM_RECOVERY = 90
FAST_PLAN = "plans/fast-data-plane.yaml"

#: operations that move traffic (not data or capacity): the "first traffic-shifting change"
TRAFFIC_SHIFTING = {
    "ChangeResourceRecordSets",
    "UpdateHealthCheck",
    "UpdateRoutingControlState",
    "UpdateRoutingControlStates",
    "ModifyListener",
    "ModifyRule",
    "SubmitMultiRegionAccessPointRoutes",
    "PutMetricData",
}
#: calls the simulated AWS logs that our functions do not make: Step Functions invoking its tasks,
#: and the drill harness polling the execution
NOT_OURS = {
    "lambda.Invoke",
    "stepfunctions.DescribeExecution",
    "stepfunctions.GetExecutionHistory",
    "stepfunctions.ListExecutions",
    "sfn.DescribeExecution",
    "sfn.GetExecutionHistory",
}


# ---------------------------------------------------------------------- cold start

#: A fresh process, as a Lambda container starts: the handler's import, then its first invocation
#: (the deps: the plan and the clients; then the work), AWS answered from a recording. Process time
#: is the CPU the whole process used (the interpreter's start included), less the harness's own
#: reading of the recording; peak RSS is the process's maximum resident set.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    code_dir, layer, module_name, function_name, record_file = sys.argv[1:6]
    sys.path[:0] = [code_dir, layer]
    import importlib
    module = importlib.import_module(module_name)
    handler = getattr(module, function_name)
    import_cpu = time.process_time()
    harness = time.process_time()
    import pickle
    from collections import defaultdict, deque
    from botocore import handlers
    from botocore.awsrequest import AWSResponse
    with open(record_file, "rb") as f:
        record = pickle.load(f)
    queues = defaultdict(deque)
    for api, status, parsed in record["responses"]:
        queues[api].append((status, parsed))
    missing = []

    def replay(model, params, context, **kwargs):
        api = model.service_model.service_name + "." + model.name
        if not queues[api]:
            missing.append(api)
            return AWSResponse("https://replay.invalid/", 500, {}, None), {
                "Error": {"Code": "InternalFailure", "Message": "not in the recording"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            }
        status, parsed = queues[api].popleft()
        return AWSResponse("https://replay.invalid/", status, {}, None), parsed

    handlers.BUILTIN_HANDLERS.append(("before-call", replay))

    class Context:
        function_name = "bench"
        function_version = "$LATEST"
        memory_limit_in_mb = 512
        aws_request_id = "00000000-0000-4000-8000-000000000000"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
        log_group_name = "/aws/lambda/bench"
        log_stream_name = "bench"

        def get_remaining_time_in_millis(self):
            return 60000

    harness = time.process_time() - harness
    error = None
    try:
        handler(record["payload"], Context())
    except Exception as err:
        error = type(err).__name__ + ": " + str(err)[:200]
        if "-v" in sys.argv:
            raise
    cpu = time.process_time() - harness
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec
    with open("/proc/self/status") as f:
        peak_kb = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    print(json.dumps({
        "import_ms": import_cpu * 1000, "cold_ms": cpu * 1000, "peak_mb": peak_kb / 1024,
        "error": error, "missing": missing,
    }))
    """
)

#: the least a step can cost while its contracts are pydantic models
FLOOR = (
    "baseline + what any step needs at the least: a second service's client (DynamoDB), Powertools Logger "
    "and Metrics, pydantic with one model validated"
)
#: the evaluate function's vCPU quota check reads launch templates and instance types
EC2 = "baseline + a client for EC2 (the evaluate function's vCPU quota check: launch templates, instance types)"
#: functions that no failover waits for (the scheduled plan evaluation)
OFF_THE_PATH = {"EvaluateFunction"}
#: the stack's ``TraceAwsCalls=true``
TRACER = (
    "baseline + Powertools Tracer with the X-Ray SDK, patching botocore and http.client "
    "(TraceAwsCalls=true; off by default)"
)

BASELINE = textwrap.dedent(
    '''
    """The baseline handler: imports boto3 and creates one client, nothing else."""
    import boto3

    client = boto3.client("sts")


    def lambda_handler(event, context):
        return {"ok": True}
    '''
)

#: one thing each on top of the baseline, to attribute what the functions add to it
ATTRIBUTION = {
    "baseline + pydantic (imported, one model)": textwrap.dedent(
        """
        from pydantic import BaseModel


        class Model(BaseModel):
            name: str
        """
    ),
    FLOOR: textwrap.dedent(
        """
        from aws_lambda_powertools import Logger, Metrics
        from pydantic import BaseModel

        boto3.client("dynamodb")
        Logger()
        Metrics()


        class Model(BaseModel):
            name: str


        Model.model_validate({"name": "x"})
        """
    ),
    "baseline + the contracts (the execution state and the models it holds, one state validated)": textwrap.dedent(
        """
        from failover.state import ExecutionState

        ExecutionState.model_validate({"request": {"request_id": "r", "group": "web", "source": "manual"}})
        """
    ),
    "baseline + the plan (pydantic, the plan and action models defined with deferred schemas; the compiled "
    "plan built without validating)": (
        "\nimport os\n\nfrom failover.plan import load_plan_cached\n\nload_plan_cached(os.environ['PLAN_FILE'])\n"
    ),
    EC2: '\nboto3.client("ec2")\n',
    "baseline + Powertools Logger and Metrics, as failover.observability makes them": (
        "\nimport failover.observability\n"
    ),
    TRACER: textwrap.dedent(
        """
        import os

        os.environ["FAILOVER_TRACE_AWS_CALLS"] = "true"
        from failover.observability import trace_handler

        trace_handler(lambda_handler)
        """
    ),
}

#: the drills whose first invocation of each function is replayed (the approval scenario for the
#: approve function and the readiness scenario for the evaluate function, which primary-outage does
#: not invoke)
RECORDED_SCENARIOS = ("primary-outage", "replication-lag", "plan-drift")


@dataclass
class ColdStart:
    function: str
    import_ms: float
    cold_ms: float
    peak_mb: float
    runs: int
    ratio: float = 0.0
    note: str = ""


@dataclass
class FirstInvocation:
    payload: Any
    plan_text: str
    responses: list[tuple[str, int, Any]] = field(default_factory=list)
    #: the function's environment as the drill resolved it (the topic's and the table's names and ARNs)
    env: dict[str, str] = field(default_factory=dict)


def record_first_invocations() -> dict[str, FirstInvocation]:
    """Each function's first invocation in the recorded drills: its event and every AWS answer it got.

    The answers are taken at botocore's ``after-call`` before boto3's DynamoDB resource converts them
    (as they come off the wire), so the replay in the child goes through the same conversions.
    """
    import copy
    import pickle

    from botocore import handlers

    from failover.approval import forget_cached_secrets
    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS
    from failoverctl.sim.lambdas import LocalLambdas

    recorded: dict[str, FirstInvocation] = {}
    local = threading.local()
    lock = threading.Lock()
    original = LocalLambdas.invoke

    def invoke(self: Any, function_name: str, payload: Any, region: str | None = None) -> Any:
        name = self.resolve_name(function_name)
        stack = local.__dict__.setdefault("stack", [])
        with lock:
            first = name in self.definitions and name not in recorded
            if first:
                # a fresh container has nothing cached: what another function fetched is fetched again
                forget_cached_secrets()
                plan = Path(os.environ["PLAN_FILE"]).read_text(encoding="utf-8")
                names = self.definitions[name].environment
                env = {k: os.environ[k] for k in names if k in os.environ}
                recorded[name] = FirstInvocation(copy.deepcopy(payload), plan, env=env)
        stack.append(name if first else None)
        try:
            return original(self, function_name, payload, region)
        finally:
            stack.pop()

    def after_call(http_response: Any, parsed: Any, model: Any, **_: Any) -> None:
        stack = getattr(local, "stack", None)
        if not stack or stack[-1] is None:
            return
        answer = copy.deepcopy(parsed)
        try:
            pickle.dumps(answer)
        except Exception:  # a streaming body (Lambda Invoke, S3 GetObject): answered as empty
            answer = {"ResponseMetadata": {"HTTPStatusCode": 200}}
        api = f"{model.service_model.service_name}.{model.name}"
        with lock:
            recorded[stack[-1]].responses.append((api, http_response.status_code, answer))

    # the most specific event name: run before boto3's handler for "after-call.dynamodb" converts the answer
    entry = ("after-call.*.*", after_call)
    handlers.BUILTIN_HANDLERS.insert(0, entry)
    LocalLambdas.invoke = invoke  # type: ignore[method-assign]
    try:
        for name in RECORDED_SCENARIOS:
            run_scenario(SCENARIOS[name], slack=False)
    finally:
        LocalLambdas.invoke = original  # type: ignore[method-assign]
        handlers.BUILTIN_HANDLERS.remove(entry)
    return recorded


def _layer_as_built(target: Path) -> Path:
    """The library as ``sam build`` lays it out: a copy compiled to unchecked-hash bytecode."""
    import compileall
    import py_compile
    import shutil

    python = target / "python"
    shutil.copytree(LAYER / "failover", python / "failover", ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(python, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return python


def _function_env(environment: dict[str, Any]) -> dict[str, str]:
    from failoverctl.template import Resolver, load_template

    resolver = Resolver(load_template(), region="us-east-1")
    env = {k: ("" if v is None else str(v)) for k, v in resolver.resolve(environment).items()}
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_SESSION_TOKEN": "bench",
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "LAMBDA_TASK_ROOT": "/var/task",
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }


@dataclass
class _Job:
    """One row of the cold-start table: a handler, its environment and the recording it replays."""

    label: str
    code_dir: Path
    handler: str
    env: dict[str, str]
    record: Path
    note: str = ""
    imports: list[float] = field(default_factory=list)
    colds: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)


def _run_once(job: _Job, layer: Path) -> None:
    module, _, function = job.handler.rpartition(".")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(job.code_dir), str(layer), module, function, str(job.record)],
        env=job.env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    job.imports.append(data["import_ms"])
    job.colds.append(data["cold_ms"])
    job.peaks.append(data["peak_mb"])
    if data["error"] or data["missing"]:
        job.note = f"first invocation: {data['error'] or 'completed'}; unanswered: {', '.join(data['missing']) or '-'}"


def _measure_all(jobs: list[_Job], layer: Path, runs: int) -> None:
    """Every job ``runs`` times, in turns: a slow spell of a shared machine falls on every row alike."""
    for turn in range(runs):
        print(f"  turn {turn + 1} of {runs} ...", flush=True)
        for job in jobs:
            _run_once(job, layer)


def _plan_for(tmp: Path, name: str, env: dict[str, str], plan_text: str) -> None:
    """The recorded plan, compiled as ``sam build`` does, as the function's ``PLAN_FILE``."""
    from failover.plan import compile_plan

    plans = tmp / "plans" / name
    plans.mkdir(parents=True)
    plan_file = plans / Path(env["PLAN_FILE"]).name
    plan_file.write_text(plan_text, encoding="utf-8")
    compile_plan(plan_file, plans)
    env["PLAN_FILE"] = str(plan_file)


def cold_starts(runs: int) -> list[ColdStart]:
    import pickle

    from failoverctl.template import functions, load_template

    print("  recording each function's first invocation ...", flush=True)
    recorded = record_first_invocations()
    template = load_template()
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp_name:
        tmp = Path(tmp_name)
        layer = _layer_as_built(tmp / "layer")
        code = tmp / "baseline"
        code.mkdir()
        (code / "app.py").write_text(BASELINE)
        empty = tmp / "empty.pickle"
        empty.write_bytes(pickle.dumps({"payload": {}, "responses": []}))
        jobs = [_Job("baseline (boto3 + one client)", code, "app.lambda_handler", _function_env({}), empty)]
        validate_env = next(f for f in functions(template) if f.logical_id == "ValidateFunction").environment
        attribution_env = _function_env(validate_env)
        if first_plan := next(iter(recorded.values()), None):
            _plan_for(tmp, "attribution", attribution_env, first_plan.plan_text)
        for index, (label, extra) in enumerate(ATTRIBUTION.items()):
            (code / f"attribution{index}.py").write_text(BASELINE + extra)
            jobs.append(_Job(label, code, f"attribution{index}.lambda_handler", dict(attribution_env), empty))
        for definition in functions(template):
            first = recorded.get(definition.logical_id)
            env = _function_env(definition.environment)
            job = _Job(definition.logical_id, definition.code_uri, definition.handler, env, empty)
            if first is None:
                job.note = "not invoked in the recorded drills: import and an empty event"
            else:
                env.update(first.env)
                _plan_for(tmp, definition.logical_id, env, first.plan_text)
                job.record = tmp / f"{definition.logical_id}.pickle"
                job.record.write_bytes(pickle.dumps({"payload": first.payload, "responses": first.responses}))
            jobs.append(job)
        _measure_all(jobs, layer, runs)
    # the least CPU time of the runs: contention with other processes only ever adds to it
    base_ms = min(jobs[0].colds)
    return [
        ColdStart(j.label, min(j.imports), min(j.colds), max(j.peaks), runs, min(j.colds) / base_ms, j.note)
        for j in jobs
    ]


# ---------------------------------------------------------------------- timing of simulated AWS calls


@dataclass
class CallTiming:
    calls: list[tuple[str, float, bool]] = field(default_factory=list)  # (api, seconds, inside a function)


@contextmanager
def timed_calls() -> Iterator[CallTiming]:
    """Time every botocore API call, and whether it was made inside one of our functions."""
    from botocore.client import BaseClient

    from failoverctl.sim import lambdas

    timing = CallTiming()
    original = BaseClient._make_api_call
    lock = threading.Lock()

    def wrapped(self: Any, operation_name: str, api_params: Any) -> Any:
        started = time.perf_counter()
        try:
            return original(self, operation_name, api_params)
        finally:
            inside = bool(getattr(lambdas._LOCAL, "in_function", False))
            api = f"{self.meta.service_model.service_name}.{operation_name}"
            with lock:
                timing.calls.append((api, time.perf_counter() - started, inside))

    BaseClient._make_api_call = wrapped
    try:
        yield timing
    finally:
        BaseClient._make_api_call = original


# ---------------------------------------------------------------------- calls on the path to the first change


@dataclass
class OwnedCall:
    """One AWS call made inside one of our functions, with the invocation that made it."""

    api: str
    function: str
    phase: str | None  # the notify function's phase, from its event
    invocation: int  # which invocation (in order of start) made it
    after_start: bool  # made after this invocation started an execution (beside the execution's path)
    ok: bool
    at: float


@contextmanager
def owned_calls() -> Iterator[list[OwnedCall]]:
    """Attribute every AWS call made inside a function to its invocation (by thread: an invocation
    runs its handler in the thread that invoked it; calls of concurrent branches do not mix)."""
    from botocore.client import BaseClient

    from failoverctl.sim.lambdas import LocalLambdas

    calls: list[OwnedCall] = []
    local = threading.local()
    lock = threading.Lock()
    counter = iter(range(1_000_000))
    original_invoke = LocalLambdas.invoke
    original_call = BaseClient._make_api_call

    def invoke(self: Any, function_name: str, payload: Any, region: str | None = None) -> Any:
        stack = local.__dict__.setdefault("stack", [])
        phase = payload.get("phase") if isinstance(payload, dict) else None
        with lock:
            number = next(counter)
        stack.append({"function": self.resolve_name(function_name), "phase": phase, "n": number, "started": False})
        try:
            return original_invoke(self, function_name, payload, region)
        finally:
            stack.pop()

    def call(client: Any, operation_name: str, api_params: Any) -> Any:
        stack = getattr(local, "stack", None)
        owner = stack[-1] if stack else None
        api = f"{client.meta.service_model.service_name}.{operation_name}"
        ok = False
        try:
            result = original_call(client, operation_name, api_params)
            ok = True
            return result
        finally:
            if owner is not None:
                with lock:
                    calls.append(
                        OwnedCall(
                            api, owner["function"], owner["phase"], owner["n"], owner["started"], ok, time.monotonic()
                        )
                    )
                if ok and api == "stepfunctions.StartExecution":
                    owner["started"] = True

    LocalLambdas.invoke = invoke  # type: ignore[method-assign]
    BaseClient._make_api_call = call
    try:
        yield calls
    finally:
        LocalLambdas.invoke = original_invoke  # type: ignore[method-assign]
        BaseClient._make_api_call = original_call


def beside_the_change(definition: dict[str, Any], change_state: str = "Execute Action") -> set[tuple[str, str | None]]:
    """The tasks the state machine runs in a Parallel branch beside the branch that holds ``change_state``,
    as (function logical id, phase of the event): nothing on the way to the change waits for them."""

    def holds(states: dict[str, Any]) -> bool:
        for name, state in states.items():
            if name == change_state:
                return True
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner and holds(inner["States"]):
                return True
            if any(holds(b["States"]) for b in state.get("Branches", [])):
                return True
        return False

    def tasks(states: dict[str, Any]) -> set[tuple[str, str | None]]:
        out: set[tuple[str, str | None]] = set()
        for state in states.values():
            params = state.get("Parameters") or {}
            function = str(params.get("FunctionName", ""))
            if state.get("Type") == "Task" and function.startswith("${") and function.endswith("Arn}"):
                payload = params.get("Payload")
                out.add((function[2:-4], payload.get("phase") if isinstance(payload, dict) else None))
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner:
                out |= tasks(inner["States"])
            for branch in state.get("Branches", []):
                out |= tasks(branch["States"])
        return out

    found: set[tuple[str, str | None]] = set()

    def walk(states: dict[str, Any]) -> None:
        for state in states.values():
            branches = state.get("Branches", [])
            if any(holds(b["States"]) for b in branches):
                for branch in branches:
                    if not holds(branch["States"]):
                        found.update(tasks(branch["States"]))
            for branch in branches:
                walk(branch["States"])
            inner = state.get("ItemProcessor") or state.get("Iterator")
            if inner:
                walk(inner["States"])

    walk(definition["States"])
    return found


@dataclass
class PathToChange:
    """The AWS calls the first traffic-shifting change waits for, and those made beside it meanwhile."""

    on_path: list[OwnedCall]
    beside: list[OwnedCall]
    first_change: OwnedCall | None


def path_to_first_change(calls: list[OwnedCall], definition: dict[str, Any]) -> PathToChange:
    """Split the calls made up to the first successful traffic-shifting call: on the path are those
    the change waits for; beside it are those of tasks in a parallel branch (``beside_the_change``)
    and a function's calls after it started the execution (the execution does not wait for them)."""
    ordered = sorted(calls, key=lambda c: c.at)
    change = next((c for c in ordered if c.ok and c.api.split(".")[-1] in TRAFFIC_SHIFTING), None)
    if change is None:
        return PathToChange([], [], None)
    upto = ordered[: ordered.index(change) + 1]
    side = beside_the_change(definition)
    beside = [c for c in upto if c.after_start or (c.function, c.phase) in side]
    on_path = [c for c in upto if c not in beside]
    return PathToChange(on_path, beside, change)


#: why each call on the path of primary-outage must come before the first change (function, API, n-th)
WHY_FIRST: dict[tuple[str, str, int], str] = {
    ("TriggerFunction", "dynamodb.PutItem", 1): "the idempotency record: a redelivered event must not start a "
    "second execution",
    ("TriggerFunction", "dynamodb.PutItem", 2): "the incident claim (conditional): other alarms of the same "
    "incident must not start a second execution",
    ("TriggerFunction", "stepfunctions.StartExecution", 1): "starts the execution that makes the change",
    ("ValidateFunction", "dynamodb.BatchGetItem", 1): "the group's state and the global settings in one read: "
    "pause flags, cooldown and the active side decide whether to act at all",
    ("ValidateFunction", "cloudwatch.DescribeAlarms", 1): "anti-flap: the trigger alarm must still be firing "
    "after the confirmation period",
    ("ValidateFunction", "route53.GetHealthCheckStatus", 1): "the target side's health checks: never fail over to "
    "an unhealthy side",
    ("ValidateFunction", "cloudwatch.DescribeAlarms", 2): "the target side's alarms (in the target's region, so a "
    "call of its own)",
    ("ValidateFunction", "route53.ListResourceRecordSets", 1): "already on the target side? A second alarm after "
    "the change must not fail over again",
    ("ValidateFunction", "dynamodb.PutItem", 1): "the group lock (conditional write): one failover of a group at "
    "a time",
    ("ValidateFunction", "dynamodb.PutItem", 2): "a slot of the global rate limit (conditional write): a storm "
    "across groups needs a person",
    ("ExecuteFunction", "route53.ListResourceRecordSets", 1): "the action reads the record first: idempotent "
    "(unchanged if already switched) and the undo is the value it read",
    ("ExecuteFunction", "route53.ChangeResourceRecordSets", 1): "the change itself",
}


def why_first(path: list[OwnedCall]) -> list[tuple[OwnedCall, str]]:
    seen: dict[tuple[str, str], int] = {}
    out = []
    for call in path:
        n = seen[(call.function, call.api)] = seen.get((call.function, call.api), 0) + 1
        out.append((call, WHY_FIRST.get((call.function, call.api, n), "(no reason recorded in bench/run.py)")))
    return out


# ---------------------------------------------------------------------- critical path and drill time


@dataclass
class CriticalPath:
    scenario: str
    passed: bool
    calls_to_shift: int | None
    transitions_to_shift: int | None
    calls_to_verified: int | None
    transitions_to_verified: int | None
    calls_total: int
    transitions_total: int
    first_shift: str | None
    lambda_invocations: int
    gb_seconds: float
    cost: float
    wall_seconds: float
    handler_seconds: float
    handler_cold_seconds: float
    sim_in_handlers_seconds: float
    apis_to_shift: list[str]
    calls_by_function: dict[str, int]
    path: list[tuple[OwnedCall, str]] = field(default_factory=list)
    beside: list[OwnedCall] = field(default_factory=list)
    simulated: Any = None  # the run on the virtual clock (failoverctl.sim.clock.SimulatedTime)


def _ours(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.api not in NOT_OURS]


def _run_done(result: Any) -> bool:
    """Whether a verify invocation's answer (the execution state) marks the run done."""
    cursor = result.get("cursor") if isinstance(result, dict) else None
    return isinstance(cursor, dict) and bool(cursor.get("done"))


def critical_path(name: str) -> CriticalPath:
    from failover.plan import load_plan
    from failoverctl.drill import execution_report
    from failoverctl.regions import stack_region
    from failoverctl.scenarios import SCENARIOS
    from failoverctl.scenarios.base import fire_trigger
    from failoverctl.sim.clock import simulate
    from failoverctl.sim.slack_server import SlackServer
    from failoverctl.sim.world import World
    from failoverctl.template import load_template

    scenario = SCENARIOS[name]
    memory_mb = int(load_template()["Globals"]["Function"].get("MemorySize", 128))
    # the stack runs where the drill puts it: the region the group fails over to
    home = stack_region(load_plan(ROOT / scenario.plan).group(scenario.group))
    with SlackServer() as server, World(ROOT / scenario.plan, slack_url=server.url, region=home) as world:
        group = world.plan.group(scenario.group)
        ctx = scenario.prepare(world, group)
        events = scenario.events(world, group, ctx) if scenario.events else [fire_trigger(world, group)]
        with timed_calls() as timing, owned_calls() as owned:
            mark, first_invocation = len(world.sim.calls), len(world.lambdas.invocations)
            started = time.perf_counter()
            arns: list[str] = []
            for event in events:
                for result in world.route(event).results:
                    if result.get("status") == "started":
                        arns.append(str(result["execution_arn"]))
            _wait_quietly(world, arns)
            wall = time.perf_counter() - started
        report = execution_report(world, arns[0])
        calls = _ours(list(world.sim.calls)[mark:])
        invocations = list(world.lambdas.invocations)[first_invocation:]
        history = world.history(arns[0])
        passed = not scenario.expect.problems(_report(scenario, report, world, group), world, ctx)
        simulated = simulate(group, report.final, report.state_names)
        to_change = path_to_first_change(list(owned), json.loads(ASL.read_text(encoding="utf-8")))

    entered = [e["stateEnteredEventDetails"]["name"] for e in history if e["type"].endswith("StateEntered")]
    shift_index = next(
        (i for i, c in enumerate(calls) if c.api.split(".")[-1] in TRAFFIC_SHIFTING and c.served_by != "fault"), None
    )
    # the transition that made the first traffic-shifting change: the Execute Action entered for it
    executes = [inv for inv in invocations if inv.function == "ExecuteFunction"]
    shift_execute = None
    if shift_index is not None:
        at = calls[shift_index].at
        shift_execute = next(
            (k for k, inv in enumerate(executes) if inv.started <= at <= inv.started + inv.duration_ms / 1000), None
        )
    transitions_to_shift = _nth_entry(entered, "Execute Action", shift_execute)
    verified = [inv for inv in invocations if inv.function == "VerifyFunction" and _run_done(inv.result)]
    calls_to_verified = transitions_to_verified = None
    if verified:
        end = verified[-1].started + verified[-1].duration_ms / 1000
        calls_to_verified = sum(1 for c in calls if c.at <= end)
        transitions_to_verified = _nth_entry(entered, "Verify Stage", entered.count("Verify Stage") - 1)
    gb_seconds = sum(max(1.0, inv.duration_ms) / 1000 * memory_mb / 1024 for inv in invocations)
    cost = (
        len(entered) * PRICE_PER_TRANSITION
        + gb_seconds * PRICE_PER_GB_SECOND_ARM
        + (len(invocations) * PRICE_PER_REQUEST)
    )
    ours = [(api, s) for api, s, inside in timing.calls if inside and api not in NOT_OURS]
    return CriticalPath(
        scenario=name,
        passed=passed,
        calls_to_shift=len(to_change.on_path) if to_change.first_change else None,
        transitions_to_shift=transitions_to_shift,
        calls_to_verified=calls_to_verified,
        transitions_to_verified=transitions_to_verified,
        calls_total=len(calls),
        transitions_total=len(entered),
        first_shift=None if shift_index is None else calls[shift_index].api,
        lambda_invocations=len(invocations),
        gb_seconds=gb_seconds,
        cost=cost,
        wall_seconds=wall,
        handler_seconds=sum(inv.duration_ms for inv in invocations) / 1000,
        handler_cold_seconds=sum(inv.duration_ms for inv in invocations if inv.cold) / 1000,
        sim_in_handlers_seconds=sum(s for _, s in ours),
        apis_to_shift=[c.api for c in to_change.on_path],
        calls_by_function=_count_by_function(to_change.on_path),
        path=why_first(to_change.on_path),
        beside=to_change.beside,
        simulated=simulated,
    )


def fast_plan_clock() -> tuple[bool, Any]:
    """``primary-outage`` on the fast data-plane plan: whether it went as expected, and its virtual clock."""
    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS

    report = run_scenario(SCENARIOS["primary-outage"], slack=False, plan=ROOT / FAST_PLAN)
    return report.passed, report.simulated


def _count_by_function(calls: list[OwnedCall]) -> dict[str, int]:
    out: dict[str, int] = {}
    for call in calls:
        out[call.function] = out.get(call.function, 0) + 1
    return out


def _nth_entry(entered: list[str], state: str, n: int | None) -> int | None:
    """How many states were entered up to and including the ``n``-th entry of ``state`` (0-based)."""
    if n is None or n < 0:
        return None
    seen = -1
    for i, name in enumerate(entered):
        if name == state:
            seen += 1
            if seen == n:
                return i + 1
    return None


def _wait_quietly(world: Any, arns: list[str], timeout: float = 120) -> None:
    """Wait for the executions without API calls: the finalize function closes every incident."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        closed = [
            inv
            for inv in world.lambdas.invocations
            if inv.function == "NotifyFunction"
            and isinstance(inv.payload, dict)
            and inv.payload.get("phase") in ("succeeded", "failed", "skipped", "denied")
        ]
        if len(closed) >= len(arns):
            break
        time.sleep(0.02)
    for arn in arns:
        world.wait(arn)


def _report(scenario: Any, main: Any, world: Any, group: Any) -> Any:
    from failoverctl.drill import DrillReport

    report = DrillReport(scenario=scenario.name, summary=scenario.summary, expected=scenario.expect.to_json())
    report.executions = [main]
    report.sns = world.sns_messages()
    report.active_after = world.active_side(group)
    return report


# ---------------------------------------------------------------------- alarm storm


@dataclass
class Storm:
    label: str
    events: int
    seconds: float
    started: int
    outcomes: dict[str, int]
    exact: bool
    calls_per_event: float
    first_quarter: float | None = None
    last_quarter: float | None = None
    client_hooks: int | None = None

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def storm_in_drill() -> Storm:
    """The ``alarm-storm`` scenario end to end: 18 executions run while the rest of the storm arrives."""
    from failoverctl.drill import run_scenario
    from failoverctl.scenarios import SCENARIOS

    report = run_scenario(SCENARIOS["alarm-storm"])
    storm = report.extra["storm"]
    return Storm(
        "trigger in the full drill (executions running alongside)",
        storm["events"],
        storm["routing_seconds"],
        sum(storm["executions_started"].values()),
        storm["outcomes"],
        report.passed,
        storm["aws_calls_while_routing"] / storm["events"],
    )


def storm_concurrent() -> Storm:
    """The drill's storm as Lambda delivers it: the trigger invoked by parallel invokers (threads), each
    request to the simulated AWS applied atomically, as DynamoDB applies a conditional write."""
    from failoverctl.scenarios.faults import STORM_INVOKERS

    storm = storm_in_drill()
    storm.label = f"{STORM_INVOKERS} parallel trigger invocations in the full drill (executions running alongside)"
    return storm


def storm_trigger_only(deliver: Callable[[Any, dict[str, Any]], dict[str, Any] | None], label: str) -> Storm:
    """The storm's 1,000 events through the trigger alone: StartExecution answered without running the pipeline."""
    from failoverctl.scenarios import SCENARIOS
    from failoverctl.scenarios.base import Context
    from failoverctl.scenarios.faults import AFFECTED, _storm_events, _storm_setup
    from failoverctl.sim.aws import SimClientError
    from failoverctl.sim.world import World
    from failoverctl.template import matches

    scenario = SCENARIOS["alarm-storm"]
    with World(ROOT / scenario.plan) as world:
        _storm_setup(world, world.plan.group(scenario.group), Context())
        names: set[str] = set()

        def start(params: dict[str, Any], region: str) -> dict[str, Any]:
            if params["name"] in names:
                raise SimClientError("ExecutionAlreadyExists", "Execution Already Exists", 400)
            names.add(params["name"])
            return {"executionArn": f"{world.state_machine_arn}:{params['name']}", "startDate": time.time()}

        world.sim.register("stepfunctions.StartExecution", start)
        try:
            events = _storm_events(world)
            rules = world.rules()
            delivered = [e.event for e in events if any(matches(r.pattern, e.event) for r in rules)]
            outcomes: dict[str, int] = {"no_rule_matches": len(events) - len(delivered)}
            mark = len(world.sim.calls)
            quarter = max(1, len(delivered) // 4)
            marks: list[float] = []
            began = time.perf_counter()
            seen: set[str] = set()
            for i, event in enumerate(delivered):
                if i % quarter == 0:
                    marks.append(time.perf_counter())
                result = deliver(world, event) or {}
                # a redelivered event gets its first delivery's answer again (idempotency): a duplicate
                status = str(result.get("status"))
                key = "deduplicated" if event["id"] in seen and status != "error" else status
                seen.add(event["id"])
                outcomes[key] = outcomes.get(key, 0) + 1
            seconds = time.perf_counter() - began
            marks.append(time.perf_counter())
            calls = len(world.sim.calls) - mark
            hooks = _user_agent_hooks()
        finally:
            world.sim.handlers.pop("stepfunctions.StartExecution", None)
    exact = (
        len(names) == AFFECTED
        and outcomes.get("started") == AFFECTED
        and sum(outcomes.values()) == len(events)
        and "error" not in outcomes
    )
    return Storm(
        label,
        len(delivered),
        seconds,
        len(names),
        dict(sorted(outcomes.items())),
        exact,
        calls / max(1, len(delivered)),
        quarter / (marks[1] - marks[0]),
        quarter / (marks[4] - marks[3]),
        hooks,
    )


def _user_agent_hooks() -> int:
    """Handlers the shared DynamoDB client runs for one request (grows if something keeps registering)."""
    from failover.deps import default_deps

    client = default_deps().clients.get("dynamodb")
    return len(client.meta.events._emitter._handlers.prefix_search("request-created.dynamodb.GetItem"))


def via_handler(world: Any, event: dict[str, Any]) -> dict[str, Any] | None:
    inv = world.lambdas.invoke("TriggerFunction", event)
    return inv.result if inv.error is None else {"status": "error"}


def via_library(world: Any, event: dict[str, Any]) -> dict[str, Any] | None:
    from failover.deps import default_deps
    from failover.steps.trigger import Trigger

    deps = default_deps()
    return Trigger(deps.plan, deps.env, deps.clients, deps.store).handle(event).to_json()


def sim_call_cost(samples: int = 300) -> float:
    """Milliseconds for one DynamoDB GetItem on the simulated AWS (what every trigger call costs here)."""
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        began = time.perf_counter()
        for _ in range(samples):
            world.store.group_state("web")
        return (time.perf_counter() - began) / samples * 1000


# ---------------------------------------------------------------------- the document


def _added(
    baseline: ColdStart, extras: dict[str, ColdStart], *, ms: bool = True, mb: bool = True, skip: Any = ()
) -> str:
    """Each attribution row as what it adds to the baseline: ``label +N ms, +N MB``, joined by ``; ``."""
    parts = []
    for label, c in extras.items():
        if label in skip:
            continue
        amounts = ([f"+{c.cold_ms - baseline.cold_ms:.0f} ms"] if ms else []) + (
            [f"+{c.peak_mb - baseline.peak_mb:.0f} MB"] if mb else []
        )
        parts.append(f"{label.removeprefix('baseline + ')} {', '.join(amounts)}")
    return "; ".join(parts)


def _cold_reason(baseline: ColdStart, extras: dict[str, ColdStart]) -> str:
    """Why the cold-start goal is missed, from the attribution rows."""
    floor = extras.get(FLOOR)
    parts = [f"the goal leaves {baseline.cold_ms * (GOAL_COLD_RATIO - 1):.0f} ms on top of boto3 and one client"]
    if floor is not None:
        parts.append(
            "what any step needs at the least while its contracts are pydantic models (a second client, Powertools "
            f"Logger and Metrics, pydantic with one model validated) takes {floor.ratio:.2f}x alone"
        )
    parts.append("measured alone on top of the baseline: " + _added(baseline, extras, mb=False, skip={FLOOR, TRACER}))
    parts.append(
        f"{GOAL_COLD_RATIO}x needs the contracts and the plan out of pydantic on the path of every invocation, "
        "against the project's rule that every contract is one pydantic model; see Cold start per function"
    )
    return "; ".join(parts)


def _cold_start_notes(baseline: ColdStart, extras: dict[str, ColdStart]) -> list[str]:
    """What keeps a cold start down, and what remains of it, from the attribution rows."""
    added = _added(baseline, extras)
    return [
        "What keeps a cold start down: the plan is built from its compiled form without validating it "
        "again, so none of the plan and action models builds its pydantic schema (`failover.plan.construct`); "
        "the contract models build theirs when a function first reads them (`defer_build`); the table is "
        "read and written through DynamoDB's low-level client, never boto3's resource model; every client "
        "comes from one boto3 session; the layer is bytecode; Slack and YAML are imported only where they "
        "are used; the X-Ray SDK is imported only when the stack traces each AWS call (`TraceAwsCalls=true`, "
        "off by default: Lambda's active tracing records every invocation without it, and the SDK is in "
        "maintenance mode, see [operations.md](operations.md#tracing)).",
        "",
        f"What remains, each measured alone on top of the baseline ({added}): pydantic's own import and "
        "the first model it builds, which every function pays because the execution state and the "
        "contracts are pydantic models, and the classes of the models a function defines; and, beyond the "
        "baseline's one client, the service model and endpoint rules of each further service a function "
        "calls (Route 53 for the validate and execute functions, S3 for the finalize function's report are "
        f"the largest). The floor row is the least a step can be with pydantic contracts; {GOAL_COLD_RATIO}x "
        "would take the execution state, the contracts and the plan out of pydantic on the path of every "
        "invocation (a second, hand-written form of each beside the validated one): a change of design "
        "this project does not make.",
    ]


def _ok(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _sim(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _clock_goals(fast: tuple[bool, Any] | None) -> list[str]:
    if fast is None:
        return []
    passed, clock = fast
    seconds = clock.seconds if clock else None
    rows = []
    for label, value, goal in (
        ("the first traffic change", seconds.first_change if seconds else None, GOAL_SIM_FIRST_CHANGE),
        ("verified traffic on the target", seconds.recovery if seconds else None, GOAL_SIM_RECOVERY),
    ):
        ok = passed and value is not None and value <= goal
        rows.append(
            f"| Simulated seconds from the failure to {label}, `{FAST_PLAN}` (primary-outage) | {_sim(value)} s | "
            f"≤ {goal} s | {_ok(ok)} | {'' if passed else 'the drill did not go as expected'} |"
        )
    return rows


def _clock_section(paths: list[CriticalPath], fast: tuple[bool, Any] | None) -> list[str]:
    lines = [
        "",
        "## Simulated time",
        "",
        "The drills on the virtual clock (`failoverctl drill` reports it as `simulated_seconds`): the seconds "
        "the run would take with the plan's real waits (detection by what fired, EventBridge delivery and cold "
        "starts, the confirmation wait, each change's typical time, the verification interval), beside the "
        "worst case of `failoverctl plan rto` and the group's RTO objective. The clock adds the waits the run "
        "went through (with signals, the confirmation the gate actually waited); the estimate also counts "
        "the resolvers' TTL after the change, so it is higher. "
        "The method: [rto.md](rto.md#the-drills-virtual-clock).",
        "",
        "| Drill | Decision (s) | First traffic change (s) | Verified recovery (s) | plan rto (s) "
        "| plan rto, a quorum of signals at the first look (s) | RTO objective (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    runs = [(p.scenario, p.simulated) for p in paths]
    if fast is not None:
        runs.append((f"primary-outage on {FAST_PLAN}", fast[1]))
    for label, clock in runs:
        if clock is None:
            lines.append(f"| {label} | - | - | - | - | - | - |")
            continue
        t = clock.seconds
        lines.append(
            f"| {label} | {_sim(t.decision)} | {_sim(t.first_change)} | {_sim(t.recovery)} | "
            f"{_sim(clock.plan_rto_seconds)} | {_sim(clock.plan_rto_corroborated_seconds)} | "
            f"{clock.rto_objective_seconds} |"
        )
    return lines


def render(
    cold: list[ColdStart],
    paths: list[CriticalPath],
    storms: list[Storm],
    call_ms: float,
    fast: tuple[bool, Any] | None = None,
) -> str:
    import os as _os

    now = STARTED_AT.strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.system()} {platform.machine()}, {_os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        "# Performance",
        "",
        "Written by the benchmarks; do not edit by hand. Speed goals live here, never in unit tests.",
        "",
        "| | |",
        "|---|---|",
        f"| Machine | {machine} |",
        f"| Date | {now} |",
        f"| Command | `{COMMAND}` |",
        f"| Simulated AWS | moto on this machine: one DynamoDB GetItem costs {call_ms:.2f} ms here |",
        f"| Load | {LOAD_AT_START:.1f} (load average over one minute when the run began; the figures in ms "
        "grow with it, the ratios to the baseline much less) |",
        "",
        "## Goals",
        "",
        "| Figure | Measured | Goal | Status | Why, where missed |",
        "|---|---|---|---|---|",
    ]
    baseline = cold[0]
    functions_only = [c for c in cold[1:] if not c.function.startswith("baseline")]
    extras = {c.function: c for c in cold[1:] if c.function.startswith("baseline +")}
    worst = max(functions_only, key=lambda c: c.ratio)
    heaviest = max(functions_only, key=lambda c: c.peak_mb)
    cold_ok = worst.ratio <= GOAL_COLD_RATIO
    lines.append(
        f"| Cold start (import and first invocation, process time), worst function ({worst.function}) vs "
        f"baseline | {worst.ratio:.2f}x ({worst.cold_ms:.0f} ms vs {baseline.cold_ms:.0f} ms) | "
        f"≤ {GOAL_COLD_RATIO}x | {_ok(cold_ok)} | " + ("" if cold_ok else _cold_reason(baseline, extras)) + " |"
    )
    lines.append(
        f"| Peak memory of a cold start, worst ({heaviest.function}) | {heaviest.peak_mb:.1f} MB | "
        f"≤ {GOAL_PEAK_MB} MB | {_ok(heaviest.peak_mb <= GOAL_PEAK_MB)} | "
        + (
            ""
            if heaviest.peak_mb <= GOAL_PEAK_MB
            else f"the baseline takes {baseline.peak_mb:.0f} MB; measured alone on top of it: "
            + _added(baseline, extras, ms=False)
            + "; over the goal: "
            + ", ".join(f"{c.function} {c.peak_mb:.0f} MB" for c in functions_only if c.peak_mb > GOAL_PEAK_MB)
            + ", each with the service models of the clients it needs"
            + (
                f" (a client for EC2, which only the evaluate function's vCPU quota check needs, takes the baseline "
                f"to {extras[EC2].peak_mb:.0f} MB alone)"
                if EC2 in extras
                else ""
            )
        )
        + " |"
    )
    path_only = [c for c in functions_only if c.function not in OFF_THE_PATH]
    if path_only and len(path_only) < len(functions_only):
        slowest = max(path_only, key=lambda c: c.ratio)
        largest = max(path_only, key=lambda c: c.peak_mb)
        lines.append(
            f"| Cold start, worst function of the failover path ({slowest.function}; the evaluate function "
            f"runs on its schedule) vs baseline | {slowest.ratio:.2f}x | ≤ {GOAL_COLD_RATIO}x | "
            f"{_ok(slowest.ratio <= GOAL_COLD_RATIO)} | as above |"
        )
        lines.append(
            f"| Peak memory of a cold start, worst function of the failover path ({largest.function}) | "
            f"{largest.peak_mb:.1f} MB | ≤ {GOAL_PEAK_MB} MB | {_ok(largest.peak_mb <= GOAL_PEAK_MB)} | "
            + ("" if largest.peak_mb <= GOAL_PEAK_MB else "as above")
            + " |"
        )
    for p in paths:
        calls_ok = p.calls_to_shift is not None and p.calls_to_shift <= GOAL_CALLS_TO_SHIFT
        trans_ok = p.transitions_to_shift is not None and p.transitions_to_shift <= GOAL_TRANSITIONS_TO_SHIFT
        goal = p.scenario == "primary-outage"
        lines.append(
            f"| AWS API calls to the first traffic shift, {p.scenario} | {p.calls_to_shift} | "
            + (f"≤ {GOAL_CALLS_TO_SHIFT} | {_ok(calls_ok)} | " if goal else "(for comparison) | | ")
            + (_calls_reason(p) if goal and not calls_ok else "")
            + " |"
        )
        lines.append(
            f"| State transitions to the first traffic shift, {p.scenario} | {p.transitions_to_shift} | "
            + (f"≤ {GOAL_TRANSITIONS_TO_SHIFT} | {_ok(trans_ok)} | " if goal else "(for comparison) | | ")
            + ("see the path under Critical path" if goal and not trans_ok else "")
            + " |"
        )
        lines.append(
            f"| Cost of one failover, {p.scenario} | ${p.cost:.5f} | < ${GOAL_COST} | {_ok(p.cost < GOAL_COST)} | |"
        )
    lines += _clock_goals(fast)
    for s in storms:
        ok = s.per_second >= GOAL_EVENTS_PER_SECOND and s.exact
        lines.append(
            f"| Alarm storm: {s.label} | {s.per_second:.0f} events/s; dedupe "
            f"{'exact' if s.exact else 'NOT exact'} ({s.started} executions) | ≥ {GOAL_EVENTS_PER_SECOND}/s, exact | "
            f"{_ok(ok)} | {_storm_reason(s, call_ms) if not ok else ''} |"
        )
    lines += [
        "",
        "## Cold start per function",
        "",
        f"The least process time of {baseline.runs} fresh processes each (other processes on a shared machine "
        "only ever add CPU time, so the least is the closest to the code's own cost) and the highest peak "
        "memory; the rows are measured in turns, so a slow spell of the machine falls on all of them alike. "
        "Each process starts as a Lambda container does: the function's "
        "directory and the layer (compiled to bytecode, as `sam build` lays it out, with the compiled plan) on "
        "`sys.path`, its environment from `template.yaml` as the drill resolved it (active tracing, "
        "`TraceAwsCalls` at its default, no Slack webhook), then the handler's "
        "import and its first invocation with the event it got in the drill (primary-outage; replication-lag "
        "for the approve function; plan-drift for the evaluate function), every AWS call answered from a "
        "recording of that drill. Process time is the "
        "CPU the whole process used, the interpreter's start included; peak memory is the process's high-water "
        "RSS. The baseline is a handler that imports boto3 and creates one client; the rows below it add one "
        "thing each to the baseline, to attribute the difference.",
        "",
        "| Function | Import (ms) | Import and first invocation (ms) | x baseline | Peak RSS (MB) | Note |",
        "|---|---|---|---|---|---|",
    ]
    for c in cold:
        lines.append(
            f"| {c.function} | {c.import_ms:.0f} | {c.cold_ms:.0f} | {c.ratio:.2f} | {c.peak_mb:.0f} | {c.note} |"
        )
    lines += ["", *_cold_start_notes(baseline, extras)]
    lines += [
        "",
        "## Critical path",
        "",
        "Counted from the trigger event to the first traffic-shifting change (a Route 53 record or "
        "health check, an ARC routing control, ELB weights, MRAP routes or a switch metric; database "
        "switchovers and capacity are not traffic) and to the last stage verified. Calls to the shift are "
        "those the change waits for: each call is attributed to the invocation that made it, and the calls "
        "of tasks that run in a parallel branch beside the change, and a function's calls after it started "
        "the execution, are listed apart. Other call counts are those our functions make (Step Functions' "
        "own task invocations and the drill's polling are not counted); transitions are the states entered, "
        "as Step Functions Standard bills them.",
        "",
        "| Scenario | Drill as expected | Calls to shift | Transitions to shift | Calls to verified | "
        "Transitions to verified | Calls in all | Transitions in all | First shift |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in paths:
        lines.append(
            f"| {p.scenario} | {'yes' if p.passed else 'NO'} | {p.calls_to_shift} | {p.transitions_to_shift} "
            f"| {p.calls_to_verified} | {p.transitions_to_verified} | {p.calls_total} | {p.transitions_total} "
            f"| {p.first_shift} |"
        )
    for p in paths:
        lines.append("")
        if p.path and p.scenario == "primary-outage":
            lines += [
                f"The {len(p.path)} calls the first change waits for in {p.scenario}, in order, and why each "
                "comes first:",
                "",
                "| # | Function | Call | Why it comes first |",
                "|---|---|---|---|",
            ]
            for i, (call, why) in enumerate(p.path, 1):
                lines.append(f"| {i} | {call.function} | {call.api} | {why} |")
            lines.append("")
        else:
            lines.append(f"Calls the first change waits for in {p.scenario}: {', '.join(p.apis_to_shift) or '-'}.")
            lines.append("")
        beside = ", ".join(f"{c.function.removesuffix('Function').lower()} {c.api}" for c in p.beside) or "none"
        lines.append(
            f"Made meanwhile, beside the path (the change does not wait for them) in {p.scenario}: {beside}. "
            "The started notification runs in a branch of the stage's Parallel state, beside the first stage's "
            "actions (with the proceed decision's timeline entry), and the trigger's bookkeeping after "
            "StartExecution runs while the execution starts."
        )
    lines += _clock_section(paths, fast)
    lines += [
        "",
        "## Cost of one failover",
        "",
        f"Step Functions Standard ${PRICE_PER_TRANSITION * 1000:.3f} per 1,000 state transitions (FACTS.md; "
        "AWS Step Functions pricing). Lambda arm64 in us-east-1: "
        f"${PRICE_PER_GB_SECOND_ARM} per GB-second and ${PRICE_PER_REQUEST * 1_000_000:.2f} per million "
        "requests (AWS Lambda pricing page, first tier). Lambda time is the functions' measured duration here "
        "at the template's memory size (512 MB), every invocation billed at least 1 ms; it includes the "
        "simulated AWS calls, a stand-in for real service latency. DynamoDB, SNS and Secrets Manager "
        "requests are a few dozen per failover and cost well under a hundredth of a cent.",
        "",
        "| Scenario | Transitions | Lambda invocations | GB-seconds | Cost |",
        "|---|---|---|---|---|",
    ]
    for p in paths:
        lines.append(
            f"| {p.scenario} | {p.transitions_total} | {p.lambda_invocations} | {p.gb_seconds:.3f} | ${p.cost:.5f} |"
        )
    lines += [
        "",
        "## Drill wall time (zero waits)",
        "",
        "From the event routed to the execution closed. Our code is the time inside the handlers minus "
        "the simulated AWS calls they made (it includes each function's first, cold invocation in this "
        "process, and the Slack webhook posts); the rest is the Step Functions interpreter, the local Lambda "
        "invocation path and the drill's bookkeeping.",
        "",
        "| Scenario | Wall (s) | In handlers (s) | of which first invocations (module load, clients) (s) | "
        "of which simulated AWS calls (s) | Our code (s) | Rest (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for p in paths:
        ours = max(0.0, p.handler_seconds - p.sim_in_handlers_seconds)
        lines.append(
            f"| {p.scenario} | {p.wall_seconds:.2f} | {p.handler_seconds:.2f} | {p.handler_cold_seconds:.2f} | "
            f"{p.sim_in_handlers_seconds:.2f} | {ours:.2f} | {max(0.0, p.wall_seconds - p.handler_seconds):.2f} |"
        )
    lines += [
        "",
        "## Alarm storm",
        "",
        "1,000 alarm state changes for 20 groups within one second (`failoverctl drill --scenario "
        "alarm-storm`): 36 first ALARMs of 18 affected groups, 364 repeated ALARM transitions, 300 "
        "redeliveries of the same event, 280 OKs (out of order, and of the 2 groups that stay up) and "
        "20 INSUFFICIENT_DATA. Exact dedupe: one execution per affected group and every event accounted "
        "for.",
        "",
        "| Run | Events | Events/s | First quarter /s | Last quarter /s | AWS calls per event | Executions | "
        "Outcomes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in storms:
        quarters = f"{s.first_quarter:.0f} | {s.last_quarter:.0f}" if s.first_quarter is not None else "- | -"
        lines.append(
            f"| {s.label} | {s.events} | {s.per_second:.0f} | {quarters} | {s.calls_per_event:.1f} | "
            f"{s.started} | {json.dumps(s.outcomes)} |"
        )
    return "\n".join(lines) + "\n"


def _calls_reason(p: CriticalPath) -> str:
    parts = ", ".join(f"{name.removesuffix('Function').lower()} {n}" for name, n in p.calls_by_function.items())
    return f"by function: {parts}; each call and why it comes first is listed under Critical path"


def _storm_reason(s: Storm, call_ms: float) -> str:
    if not s.exact:
        return "dedupe was not exact: see the outcomes"
    parts = [f"each event costs {s.calls_per_event:.1f} simulated AWS calls at about {call_ms:.1f} ms each here"]
    if s.client_hooks and s.client_hooks > 100:
        parts.append(
            "the deployed handler also slows down the longer a container lives: after this run the shared "
            f"DynamoDB client runs {s.client_hooks} request hooks per call, because functions/trigger/app.py "
            "builds a new Powertools DynamoDBPersistenceLayer per invocation and each registers another "
            "user-agent hook (building it once per container fixes it)"
        )
    if "full drill" in s.label:
        parts.append("the 18 executions' state machine interpretation shares the CPU")
    return "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.run", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--write", metavar="FILE", help="write the Markdown table to FILE")
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per function for cold start")
    parser.add_argument("--skip-storm", action="store_true", help="leave out the alarm storm (the slowest part)")
    parser.add_argument(
        "--clock-only",
        action="store_true",
        help="only the simulated-time goals and table (the fast plan's drill and plan rto; nothing written)",
    )
    args = parser.parse_args(argv)
    sys.path[:0] = [str(LAYER), str(ROOT / "cli"), str(ROOT)]
    if args.clock_only:
        print(f"simulated time: {FAST_PLAN} ...", flush=True)
        fast = fast_plan_clock()
        goals = _clock_goals(fast)
        print("\n".join(["| Figure | Measured | Goal | Status | Why, where missed |", "|---|---|---|---|---|", *goals]))
        print("\n".join(_clock_section([], fast)))
        return 1 if any(_ok(False) in row for row in goals) else 0

    print("cold start ...", flush=True)
    cold = cold_starts(args.runs)
    from failoverctl.scenarios import SCENARIOS

    paths = []
    for name in ("primary-outage", "region-evacuation"):
        if name in SCENARIOS:
            print(f"critical path: {name} ...", flush=True)
            paths.append(critical_path(name))
    print(f"simulated time: {FAST_PLAN} ...", flush=True)
    fast = fast_plan_clock()
    print("simulated AWS call cost ...", flush=True)
    call_ms = sim_call_cost()
    storms: list[Storm] = []
    if not args.skip_storm:
        print("alarm storm ...", flush=True)
        storms.append(storm_trigger_only(via_handler, "trigger function (as deployed, with idempotency)"))
        storms.append(storm_trigger_only(via_library, "trigger library alone (no idempotency layer)"))
        storms.append(storm_concurrent())
    text = render(cold, paths, storms, call_ms, fast)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
