"""Benchmarks of the failover automation, written as a table to ``docs/performance.md``.

Run: ``make bench`` (``python -m bench.run --write docs/performance.md``). Everything runs
offline on the simulated AWS; the figures that depend on the machine say so.

1. Cold start: for each function, a fresh Python process imports the handler module as Lambda
   does (the function's directory and the layer on ``sys.path``, its environment from
   ``template.yaml``), timed inside the child with ``time.perf_counter`` and with its peak RSS
   (``resource.getrusage``); a baseline handler that only imports boto3 and creates one client is
   measured in the same run. Several repetitions; the median is reported.
2. Critical path: AWS API calls made by the functions and state transitions, from the trigger
   event to the first traffic-shifting change and to verified, for ``primary-outage`` and
   ``region-evacuation``; the cost of one failover from those counts.
3. Drill wall time with zero waits, split into our code, simulated AWS calls made by our code,
   and the rest (the Step Functions interpreter and the drill's own bookkeeping).
4. Alarm storm: the trigger's throughput in-process and the exactness of its dedupe.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
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
COMMAND = "make bench  (python -m bench.run --write docs/performance.md)"

# ---------------------------------------------------------------------- prices and goals

#: AWS Step Functions Standard workflows, per state transition (FACTS.md; Step Functions pricing page)
PRICE_PER_TRANSITION = 0.025 / 1000
#: AWS Lambda on arm64 (Graviton), us-east-1, first pricing tier (Lambda pricing page)
PRICE_PER_GB_SECOND_ARM = 0.0000133334
PRICE_PER_REQUEST = 0.20 / 1_000_000

GOAL_COLD_RATIO = 1.3
GOAL_PEAK_MB = 128
GOAL_CALLS_TO_SHIFT = 8
GOAL_TRANSITIONS_TO_SHIFT = 10
GOAL_COST = 0.01
GOAL_EVENTS_PER_SECOND = 500

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

CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    started = time.perf_counter()
    sys.path[:0] = [sys.argv[1], sys.argv[2]]
    import importlib
    module = importlib.import_module(sys.argv[3])
    handler = getattr(module, sys.argv[4])
    init_ms = (time.perf_counter() - started) * 1000
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"init_ms": init_ms, "peak_mb": peak_kb / 1024}))
    """
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


@dataclass
class ColdStart:
    function: str
    init_ms: float
    peak_mb: float
    runs: int
    ratio: float = 0.0


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
        "PYTHONDONTWRITEBYTECODE": "1",
        **env,
    }


def _measure(code_dir: Path, handler: str, env: dict[str, str], runs: int) -> tuple[float, float]:
    module, _, function = handler.rpartition(".")
    inits, peaks = [], []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(code_dir), str(LAYER), module, function],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        data = json.loads(out.stdout.strip().splitlines()[-1])
        inits.append(data["init_ms"])
        peaks.append(data["peak_mb"])
    return statistics.median(inits), max(peaks)


def cold_starts(runs: int) -> list[ColdStart]:
    from failoverctl.template import functions, load_template

    template = load_template()
    out: list[ColdStart] = []
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        (Path(tmp) / "app.py").write_text(BASELINE)
        base_env = _function_env({})
        init, peak = _measure(Path(tmp), "app.lambda_handler", base_env, runs)
        baseline = ColdStart("baseline (boto3 + one client)", init, peak, runs, 1.0)
        (Path(tmp) / "xray.py").write_text(BASELINE + "\nimport aws_xray_sdk.core  # what Powertools Tracer imports\n")
        init, peak = _measure(Path(tmp), "xray.lambda_handler", base_env, runs)
        xray = ColdStart("baseline + aws_xray_sdk.core (for attribution)", init, peak, runs, init / baseline.init_ms)
    for definition in functions(template):
        init, peak = _measure(definition.code_uri, definition.handler, _function_env(definition.environment), runs)
        out.append(ColdStart(definition.logical_id, init, peak, runs, init / baseline.init_ms))
    return [baseline, *out, xray]


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


def _ours(calls: list[Any]) -> list[Any]:
    return [c for c in calls if c.api not in NOT_OURS]


def critical_path(name: str) -> CriticalPath:
    from failoverctl.drill import execution_report
    from failoverctl.scenarios import SCENARIOS
    from failoverctl.scenarios.base import fire_trigger
    from failoverctl.sim.slack_server import SlackServer
    from failoverctl.sim.world import World
    from failoverctl.template import load_template

    scenario = SCENARIOS[name]
    memory_mb = int(load_template()["Globals"]["Function"].get("MemorySize", 128))
    with SlackServer() as server, World(ROOT / scenario.plan, slack_url=server.url) as world:
        group = world.plan.group(scenario.group)
        ctx = scenario.prepare(world, group)
        events = scenario.events(world, group, ctx) if scenario.events else [fire_trigger(world, group)]
        with timed_calls() as timing:
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
    verified = [
        inv
        for inv in invocations
        if inv.function == "VerifyFunction" and isinstance(inv.result, dict) and inv.result.get("done")
    ]
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
        calls_to_shift=None if shift_index is None else shift_index + 1,
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
        apis_to_shift=[c.api for c in calls[: (shift_index or 0) + 1]] if shift_index is not None else [],
        calls_by_function=_by_function(calls[: (shift_index or 0) + 1] if shift_index is not None else [], invocations),
    )


def _by_function(calls: list[Any], invocations: list[Any]) -> dict[str, int]:
    """Which function made each call (by the invocation whose run covers the call's time)."""
    out: dict[str, int] = {}
    for call in calls:
        owner = next(
            (inv.function for inv in invocations if inv.started <= call.at <= inv.started + inv.duration_ms / 1000),
            "outside a function",
        )
        out[owner] = out.get(owner, 0) + 1
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
    from failover.trigger import Trigger

    deps = default_deps()
    return Trigger(deps.plan, deps.env, deps.clients, deps.store).handle(event).to_json()


def sim_call_cost(samples: int = 300) -> float:
    """Milliseconds for one DynamoDB GetItem on the simulated AWS (what every trigger call costs here)."""
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "example.yaml") as world:
        table = world.store.table
        began = time.perf_counter()
        for _ in range(samples):
            table.get_item(Key={"pk": "GROUP#web", "sk": "STATE"})
        return (time.perf_counter() - began) / samples * 1000


# ---------------------------------------------------------------------- the document


def _ok(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(cold: list[ColdStart], paths: list[CriticalPath], storms: list[Storm], call_ms: float) -> str:
    import os as _os

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
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
        "",
        "## Goals",
        "",
        "| Figure | Measured | Goal | Status | Why, where missed |",
        "|---|---|---|---|---|",
    ]
    baseline = cold[0]
    functions_only = [c for c in cold[1:] if not c.function.startswith("baseline")]
    xray = next((c for c in cold if "aws_xray_sdk" in c.function), None)
    worst = max(functions_only, key=lambda c: c.ratio)
    heaviest = max(functions_only, key=lambda c: c.peak_mb)
    cold_ok = worst.ratio <= GOAL_COLD_RATIO
    lines.append(
        f"| Cold init, worst function ({worst.function}) vs baseline | {worst.ratio:.2f}x "
        f"({worst.init_ms:.0f} ms vs {baseline.init_ms:.0f} ms) | ≤ {GOAL_COLD_RATIO}x | {_ok(cold_ok)} | "
        + (
            ""
            if cold_ok
            else "on top of boto3 every handler imports pydantic and builds the plan, action and contract "
            "models, and Powertools' Logger, Metrics and Tracer with the X-Ray SDK (the X-Ray SDK alone adds "
            f"{(xray.init_ms - baseline.init_ms) if xray else 0:.0f} ms: attribution row); the goal leaves "
            f"{baseline.init_ms * (GOAL_COLD_RATIO - 1):.0f} ms for all of it"
        )
        + " |"
    )
    lines.append(
        f"| Peak memory at init, worst ({heaviest.function}) | {heaviest.peak_mb:.0f} MB | < {GOAL_PEAK_MB} MB"
        f" | {_ok(heaviest.peak_mb < GOAL_PEAK_MB)} | |"
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
            + (
                "the path is Wait For Confirmation, Validate Request, Choose Path, Notify Started, Begin Failover, "
                "Run Stage, Execute Action: started is notified before the change"
                if goal and not trans_ok
                else ""
            )
            + " |"
        )
        lines.append(
            f"| Cost of one failover, {p.scenario} | ${p.cost:.5f} | < ${GOAL_COST} | {_ok(p.cost < GOAL_COST)} | |"
        )
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
        f"Median of {baseline.runs} fresh processes each; init is the import of the handler module "
        "(the function directory and the layer on `sys.path`, the function's environment from "
        "`template.yaml`); peak memory is the process's maximum RSS.",
        "",
        "| Function | Init (ms) | x baseline | Peak RSS (MB) |",
        "|---|---|---|---|",
    ]
    for c in cold:
        lines.append(f"| {c.function} | {c.init_ms:.0f} | {c.ratio:.2f} | {c.peak_mb:.0f} |")
    lines += [
        "",
        "## Critical path",
        "",
        "Counted from the trigger event to the first traffic-shifting change (a Route 53 record or "
        "health check, an ARC routing control, ELB weights, MRAP routes or a switch metric; database "
        "switchovers and capacity are not traffic) and to the last stage verified. API calls are those "
        "our functions make (Step Functions' own task invocations and the drill's polling are not "
        "counted); transitions are the states entered, as Step Functions Standard bills them.",
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
        lines.append(f"Calls up to the first shift in {p.scenario}: {', '.join(p.apis_to_shift) or '-'}.")
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
    return (
        f"by function: {parts}. The trigger's dedupe and idempotency records, the gate's reads and its "
        "conditional lock and rate-limit writes, the timeline entries and the started notification (SNS, "
        "the Slack secret) all come before the change; the list is under Critical path"
    )


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
    parser.add_argument("--runs", type=int, default=5, help="fresh processes per function for cold start")
    parser.add_argument("--skip-storm", action="store_true", help="leave out the alarm storm (the slowest part)")
    args = parser.parse_args(argv)
    sys.path[:0] = [str(LAYER), str(ROOT / "cli"), str(ROOT)]

    print("cold start ...", flush=True)
    cold = cold_starts(args.runs)
    from failoverctl.scenarios import SCENARIOS

    paths = []
    for name in ("primary-outage", "region-evacuation"):
        if name in SCENARIOS:
            print(f"critical path: {name} ...", flush=True)
            paths.append(critical_path(name))
    print("simulated AWS call cost ...", flush=True)
    call_ms = sim_call_cost()
    storms: list[Storm] = []
    if not args.skip_storm:
        print("alarm storm ...", flush=True)
        storms.append(storm_trigger_only(via_handler, "trigger function (as deployed, with idempotency)"))
        storms.append(storm_trigger_only(via_library, "trigger library alone (no idempotency layer)"))
        storms.append(storm_concurrent())
    text = render(cold, paths, storms, call_ms)
    if args.write:
        Path(args.write).write_text(text, encoding="utf-8")
        print(f"wrote {args.write}")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
