"""Every function in its arm64 Lambda container (``sam local invoke``), with every sample event meant
for it, against the local AWS of ``make local``. Run by ``make test-local`` (marker ``container``),
which installs and starts what these tests need.

Each sample event meets the state it was written for (the local AWS is reset before each one), and
its answer and what it changed in the local AWS (executions, table records, messages published)
must be those of the same function run in-process on a fresh simulated AWS built from the same plan.

With several test workers (``make test-local`` runs two), each has its own local AWS: the first
``make local``'s, the others started by ``local/test-local.sh`` under ``.aws-sam-local/workers/``;
they serve the same identifiers, so one build serves them all.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from failoverctl.commands.local import STATE_DIR, read_state
from failoverctl.local.events import events_by_function
from failoverctl.template import functions, load_template

pytestmark = pytest.mark.container

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam/bin/sam"
PLAN = ROOT / "plans/example.yaml"
FUNCTION_IDS = sorted(f.logical_id for f in functions(load_template()))
CASES = [(function, event) for function, events in events_by_function(FUNCTION_IDS).items() for event in events]
#: the fields that say what happened (ids, times and free text differ between two runs)
ESSENTIAL = {
    "status", "outcome", "phase", "ok", "action", "name", "group", "direction", "statusCode",
    "reason", "stage", "errorType", "type", "channel", "dry_run", "attempt", "source",
}  # fmt: skip


def essence(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: essence(v) for k, v in value.items() if k in ESSENTIAL or isinstance(v, dict | list)}
    if isinstance(value, list):
        return [essence(v) for v in value]
    return value


def kind(record: str) -> str:
    """A table record's kind: ``GROUP|STATE``, ``INCIDENT|EVENT``... (ids, times and names dropped)."""
    pk, _, sk = record.partition("|")
    tag = re.match(r"[A-Z_]+(?=#|$)", sk)
    return f"{pk.split('#', 1)[0]}|{tag.group(0) if tag else '*'}"


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What an invocation changed: new executions (by status), new records (by kind), messages."""
    old = {e["name"] for e in before["executions"]}
    added = Counter(after["records"]) - Counter(before["records"])
    return {
        "executions": sorted(e["status"] for e in after["executions"] if e["name"] not in old),
        "records": sorted(kind(r) for r in added.elements()),
        "messages": after["message_subjects"][len(before["message_subjects"]) :],
    }


def wait_settled(status: Any, timeout: float = 300) -> dict[str, Any]:
    """The status once no execution is running (the executions a trigger starts run on their own)."""
    deadline = time.monotonic() + timeout
    while True:
        current: dict[str, Any] = status()
        if not any(e["status"] == "RUNNING" for e in current["executions"]) or time.monotonic() > deadline:
            return current
        time.sleep(1)


def worker_state_dir() -> Path:
    """The state directory of this test worker's local AWS."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return STATE_DIR if worker == "gw0" else STATE_DIR / "workers" / worker


@pytest.fixture(scope="module")
def local() -> dict[str, Any]:
    state = read_state(worker_state_dir())
    assert state is not None, "the local AWS is not running: make test-local starts it (make local)"
    assert (STATE_DIR / "build/template.yaml").exists(), "no local build: make local runs sam build"
    return state


@pytest.fixture(scope="module")
def expected() -> dict[tuple[str, str], tuple[Any, dict[str, Any]]]:
    """Each case run in-process on a fresh simulated AWS, reset between cases as the local one is."""
    from failoverctl.local.server import reset, snapshot
    from failoverctl.sim.checkpoint import Checkpoint
    from failoverctl.sim.world import World

    out = {}
    with World(PLAN) as world:
        initial = Checkpoint.take(world)
        for function, event in CASES:
            reset(world, initial)
            before = wait_settled(lambda world=world: snapshot(world))
            invocation = world.lambdas.invoke(function, json.loads(event.read_text()))
            after = wait_settled(lambda world=world: snapshot(world))
            answer = invocation.result if invocation.error is None else invocation.error
            out[(function, event.name)] = (answer, changes(before, after))
    return out


def local_request(state: dict[str, Any], path: str, method: str = "GET") -> dict[str, Any]:
    request = urllib.request.Request(f"{state['endpoint']}{path}", method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def sam_local_invoke(function: str, event: Path, env_vars: Path | None = None) -> tuple[Any, str]:
    env_vars = env_vars or worker_state_dir() / "env.json"
    env = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_CONTAINER_CONNECTION_TIMEOUT": os.environ.get("SAM_CLI_CONTAINER_CONNECTION_TIMEOUT", "300"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env.pop("AWS_PROFILE", None)
    cmd = [str(SAM), "local", "invoke", function, "--event", str(event), "--env-vars", str(env_vars)]
    cmd += ["--template", str(STATE_DIR / "build/template.yaml"), "--skip-pull-image", "--region", "us-east-1"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith(("{", "["))]
    assert done.returncode == 0 and lines, f"sam local invoke failed ({done.returncode}):\n{done.stderr[-4000:]}"
    return json.loads(lines[-1]), done.stderr


@pytest.mark.parametrize(("function", "event"), CASES, ids=[f"{f}-{e.stem}" for f, e in CASES])
def test_sam_local_invoke(
    function: str, event: Path, local: dict[str, Any], expected: dict[tuple[str, str], Any]
) -> None:
    # Given the local AWS in the state the sample event was written for
    wait_settled(lambda: local_request(local, "/_failover/status"))
    before = local_request(local, "/_failover/reset", "POST")
    # When the function runs in its Lambda container with the sample event
    answer, logs = sam_local_invoke(function, event)
    after = wait_settled(lambda: local_request(local, "/_failover/status"))
    # Then it answers, and changes the local AWS, as the same function does in-process
    want_answer, want_changes = expected[(function, event.name)]
    assert essence(answer) == essence(want_answer), logs[-4000:]
    assert changes(before, after) == want_changes
    assert "Logging error" not in logs


def test_without_the_local_endpoint_the_container_refuses_to_start(local: dict[str, Any], tmp_path: Path) -> None:
    # Given the --env-vars file with the endpoint taken out (as sam local with the deployed template)
    env = json.loads((worker_state_dir() / "env.json").read_text())
    env["TriggerFunction"]["AWS_ENDPOINT_URL"] = ""
    env_vars = tmp_path / "env.json"
    env_vars.write_text(json.dumps(env))
    before = local_request(local, "/_failover/status")
    # When the trigger runs with an alarm
    answer, _ = sam_local_invoke("TriggerFunction", ROOT / "events/cloudwatch_metric_alarm.json", env_vars)
    # Then it refuses to start, says how to run locally, and calls nothing
    assert answer["errorType"] == "LocalEndpointMissingError"
    assert "make local" in answer["errorMessage"]
    after = local_request(local, "/_failover/status")
    assert after["calls"] == before["calls"]
