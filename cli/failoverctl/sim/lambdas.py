"""Run the template's Lambda functions in-process when anything (Step Functions included) invokes them.

``lambda.Invoke`` is answered by the simulated AWS: the function named in the call is looked up in
``template.yaml`` (handler path and environment), its module is loaded once (like a warm Lambda
container), and the handler's JSON result or error comes back exactly as Lambda returns it:
a ``FunctionError`` of ``Unhandled`` with ``errorType`` and ``errorMessage``, which Step Functions
matches in ``Retry`` and ``Catch`` by the error type's name.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, streaming
from failoverctl.sim.iam import acting_as
from failoverctl.template import ACCOUNT, FunctionDef


@dataclass
class Invocation:
    function: str
    payload: Any
    result: Any = None
    error: dict[str, Any] | None = None
    started: float = field(default_factory=time.monotonic)
    duration_ms: float = 0.0
    cold: bool = False


@dataclass
class FakeContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/sim"
    log_stream_name: str = "sim"
    timeout_ms: int = 60_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


_LOCAL = threading.local()


class _StdoutRouter(io.TextIOBase):
    """``sys.stdout`` that sends what the functions print (EMF metrics) to their log, not the terminal."""

    def __init__(self, real: Any, capture: io.StringIO) -> None:
        self.real = real
        self.capture = capture

    def write(self, text: str) -> int:
        target = self.capture if getattr(_LOCAL, "in_function", False) else self.real
        return int(target.write(text))

    def flush(self) -> None:
        self.real.flush()


Hook = Callable[[str, Any], None]
#: a fault returns an error dict (errorType, errorMessage) to answer with, or None to run normally
FunctionFault = Callable[[str, Any, Any], dict[str, Any] | None]


class LocalLambdas:
    """The template's functions, invocable by name or ARN, with hooks for drills and faults."""

    def __init__(self, definitions: list[FunctionDef]) -> None:
        self.definitions = {d.logical_id: d for d in definitions}
        self.modules: dict[str, ModuleType] = {}
        self.invocations: list[Invocation] = []
        self.before: list[Hook] = []
        self.after: list[Callable[[Invocation], None]] = []
        self.faults: list[FunctionFault] = []
        self.external: dict[str, Callable[[Any], Any]] = {}
        #: with stacks in several regions: each region's functions' environment (one stack per region)
        self.stack_envs: dict[str, dict[str, str]] = {}
        self.log = io.StringIO()
        self._lock = threading.RLock()
        self._env_lock = threading.RLock()

    def fail(self, function: str, error_type: str, message: str, *, times: int | None = None) -> list[str]:
        """Make ``function`` answer with ``error_type`` (its first ``times`` runs, or every run).

        Returns the list that each failed run adds its function name to, for a test to count them.
        """
        failed: list[str] = []

        def fault(name: str, payload: Any, result: Any) -> dict[str, Any] | None:
            if name != function or (times is not None and len(failed) >= times):
                return None
            failed.append(name)
            return {"errorType": error_type, "errorMessage": message}

        self.faults.append(fault)
        return failed

    # -- loading ---------------------------------------------------------------------------

    def _module(self, logical_id: str, region: str | None = None) -> tuple[ModuleType, bool]:
        """The function's module, loaded once per stack (each region's function has its own containers)."""
        key = logical_id if region is None or region not in self.stack_envs else f"{logical_id}@{region}"
        with self._lock:
            if key in self.modules:
                return self.modules[key], False
            definition = self.definitions[logical_id]
            module_file, _, _ = definition.handler.rpartition(".")
            path = definition.code_uri / f"{module_file}.py"
            name = f"failover_fn_{key.replace('@', '_').replace('-', '_')}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise SimClientError("ResourceNotFoundException", f"handler {path} not found", 404)
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            self.modules[key] = module
            return module, True

    def resolve_name(self, function_name: str) -> str:
        if ":" not in function_name:
            return function_name
        return function_name.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]

    # -- invoking --------------------------------------------------------------------------

    def invoke(self, function_name: str, payload: Any, region: str | None = None) -> Invocation:
        """Run the function; ``region`` (the caller's) picks the stack whose copy runs when there are several."""
        if region is None and function_name.startswith("arn:"):
            region = function_name.split(":")[3]
        for hook in list(self.before):  # before taking the environment: a hook may hold an invocation back
            hook(self.resolve_name(function_name), payload)
        env = self.stack_envs.get(region or "")
        if env is None:
            return self._invoke(function_name, payload)
        # one process holds every stack's functions: a function runs with its own stack's environment,
        # one at a time (the environment is the process's)
        with self._env_lock:
            saved = {k: os.environ.get(k) for k in env}
            os.environ.update(env)
            try:
                return self._invoke(function_name, payload, region)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
                    else:
                        os.environ[k] = v

    def _invoke(self, function_name: str, payload: Any, region: str | None = None) -> Invocation:
        name = self.resolve_name(function_name)
        inv = Invocation(function=name, payload=payload)
        try:
            if name in self.external:
                inv.result = self.external[name](payload)
            elif name not in self.definitions:
                raise SimClientError("ResourceNotFoundException", f"Function not found: {function_name}", 404)
            else:
                module, inv.cold = self._module(name, region)
                definition = self.definitions[name]
                handler = getattr(module, definition.handler.rpartition(".")[2])
                fault = None
                self.capture_logs()  # standard output may have been replaced since (a test's capture)
                _LOCAL.in_function = True
                try:
                    with acting_as(name, region):  # its calls are authorized against its own stack's policy
                        result = handler(json.loads(json.dumps(payload)), FakeContext(function_name=name))
                finally:
                    _LOCAL.in_function = False
                for f in list(self.faults):
                    fault = f(name, payload, result) or fault
                if fault is not None:
                    inv.error = fault
                else:
                    inv.result = json.loads(json.dumps(result, default=str))
        except SimClientError:
            raise
        except Exception as err:
            inv.error = {
                "errorType": type(err).__name__,
                "errorMessage": str(err),
                "stackTrace": traceback.format_exception(err)[-3:],
            }
        inv.duration_ms = (time.monotonic() - inv.started) * 1000
        with self._lock:
            self.invocations.append(inv)
        for after in list(self.after):
            after(inv)
        return inv

    def register(self, sim: SimAWS) -> None:
        def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
            raw = params.get("Payload") or "{}"
            payload = json.loads(raw) if isinstance(raw, str) else raw
            if params.get("InvocationType") == "Event":
                threading.Thread(
                    target=self.invoke, args=(params["FunctionName"], payload, region), daemon=True
                ).start()
                return {"StatusCode": 202}
            inv = self.invoke(params["FunctionName"], payload, region)
            if inv.error is not None:
                return {
                    "StatusCode": 200,
                    "FunctionError": "Unhandled",
                    "ExecutedVersion": "$LATEST",
                    "Payload": streaming(json.dumps(inv.error).encode()),
                }
            return {
                "StatusCode": 200,
                "ExecutedVersion": "$LATEST",
                "Payload": streaming(json.dumps(inv.result).encode()),
            }

        sim.register("lambda.Invoke", handler)

    def capture_logs(self) -> None:
        """Send what the functions log and print (JSON logs, EMF metrics) to ``self.log``, not the terminal.

        The functions' logger writes to the current ``sys.stdout``; while a handler runs, this
        thread's writes are routed to the log buffer.
        """
        if not isinstance(sys.stdout, _StdoutRouter):
            sys.stdout = _StdoutRouter(sys.stdout, self.log)

    def release_stdout(self) -> None:
        if isinstance(sys.stdout, _StdoutRouter):
            sys.stdout = sys.stdout.real
