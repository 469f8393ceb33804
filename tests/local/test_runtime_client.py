"""Every function under the Lambda runtime interface client (awslambdaric), against the local AWS.

The in-process drills call the handlers directly; Lambda (and the Lambda images sam local runs)
start them through awslambdaric, which replaces standard output and loads the handler itself. Each
function runs here as Lambda runs it, on this machine, with its environment from the
``--env-vars`` file that ``failoverctl local up`` writes, and a Runtime API on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from tests.local.runtime_api import RuntimeAPI

from failoverctl.local.events import events_by_function
from failoverctl.template import functions, load_template

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = {f.logical_id: f for f in functions(load_template())}
EVENTS = events_by_function(sorted(FUNCTIONS))


def run_under_ric(function: str, event: Any, env: dict[str, str], state_dir: Path) -> tuple[RuntimeAPI, str]:
    definition = FUNCTIONS[function]
    with RuntimeAPI(event, f"arn:aws:lambda:us-east-1:123456789012:function:{function}") as api:
        process_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT / "layers/failover"),
            **env,
            "AWS_SAM_LOCAL": "true",
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_LAMBDA_FUNCTION_NAME": function,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "_HANDLER": definition.handler,
        }
        if "PLAN_FILE" in process_env:
            process_env["PLAN_FILE"] = str(state_dir / "plan-layer/plans/local.yaml")
        process = subprocess.Popen(
            [sys.executable, "-m", "awslambdaric", definition.handler],
            cwd=definition.code_uri,
            env=process_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        answered = api.answered.wait(180)
        process.terminate()
        output, _ = process.communicate(timeout=60)
    assert answered, f"{function} never answered:\n{output[-3000:]}"
    return api, output


def first_event(function: str) -> tuple[str, Any]:
    path = EVENTS[function][0]
    return path.name, json.loads(path.read_text())


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_each_function_answers_under_the_runtime_interface_client(function: str, local_aws: dict[str, Any]) -> None:
    # Given the function's sample event and its local environment
    name, event = first_event(function)
    # When Lambda's runtime interface client runs it
    api, output = run_under_ric(function, event, local_aws["env"][function], local_aws["state_dir"])
    # Then it answers with a result, and every log line was written without a logging error
    assert api.kind == "response", f"{function} with {name}: {api.kind} {api.body}\n{output[-3000:]}"
    assert isinstance(api.body, dict)
    assert "Logging error" not in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def test_trigger_alarm_starts_an_execution_in_the_local_aws(local_aws: dict[str, Any]) -> None:
    def status() -> dict[str, Any]:
        with urllib.request.urlopen(f"{local_aws['endpoint']}/_failover/status", timeout=30) as response:
            data: dict[str, Any] = json.loads(response.read())
            return data

    before = status()
    event = json.loads((ROOT / "events/cloudwatch_metric_alarm.json").read_text())
    api, output = run_under_ric("TriggerFunction", event, local_aws["env"]["TriggerFunction"], local_aws["state_dir"])
    assert api.kind == "response", output[-3000:]
    assert api.body["status"] == "started"
    after = status()
    started = {e["name"] for e in after["executions"]} - {e["name"] for e in before["executions"]}
    assert started == {api.body["incident_id"]}
    # the trigger logged through Powertools, as JSON lines on the runtime's standard output
    logs = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any(line.get("service") == "failover" for line in logs), output[-3000:]
    assert "Logging error" not in output


def test_without_the_local_endpoint_the_function_refuses_to_start(local_aws: dict[str, Any]) -> None:
    env = {k: v for k, v in local_aws["env"]["TriggerFunction"].items() if k != "AWS_ENDPOINT_URL"}
    event = json.loads((ROOT / "events/cloudwatch_metric_alarm.json").read_text())
    api, output = run_under_ric("TriggerFunction", event, env, local_aws["state_dir"])
    assert api.kind == "init_error", output[-3000:]
    assert api.body["errorType"] == "LocalEndpointMissingError"
    assert "make local" in api.body["errorMessage"]
