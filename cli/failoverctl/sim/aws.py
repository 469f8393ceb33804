"""A stateful extension of moto for the APIs moto lacks or simplifies, plus fault injection.

Mechanism: botocore emits ``before-call.<service>.<Operation>`` after it has validated the
parameters against the service model; a handler that returns ``(http_response, parsed)`` answers
the call without any HTTP request. We register such handlers (and a ``before-parameter-build``
hook that keeps the caller's original parameters) in botocore's built-in handler list, so every
session and client created afterwards, including the ones moto's Step Functions interpreter
creates, passes through them. What we do not serve falls through to moto.

Faults (throttling, 5xx, latency) for APIs that moto serves are injected at ``before-send`` as
real HTTP error responses, so botocore's own retry logic runs exactly as it would against AWS.
Faults for APIs served here are raised as the error a client would see after its retries.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore import handlers as botocore_handlers
from botocore.awsrequest import AWSResponse
from botocore.response import StreamingBody

Handler = Callable[[dict[str, Any], str], dict[str, Any]]
#: a guard sees every call (api, parameters, region) before anything answers it, and raises
#: ``SimClientError`` to refuse it (IAM in ``sim/iam.py``, quotas in ``sim/limits.py``)
Guard = Callable[[str, dict[str, Any], str], None]


#: the account moto answers for credentials it did not issue (the drill's own)
DEFAULT_ACCOUNT = "123456789012"

_CALLER = threading.local()


def caller_access_key() -> str | None:
    """The access key of the call being answered on this thread (None outside a call)."""
    key: str | None = getattr(_CALLER, "access_key", None)
    return key


def caller_account() -> str:
    """The account of the call being answered: an assumed role's credentials give the role's account,
    as moto keys its own backends; any other credentials the drill's account. Outside a call, the
    account ``in_account`` names (the drill building another account), else the drill's."""
    key = caller_access_key()
    if key is None:
        return str(getattr(_CALLER, "account", None) or DEFAULT_ACCOUNT)
    from moto.iam.models import get_account_id_from

    return get_account_id_from(key)


@contextlib.contextmanager
def in_account(account: str) -> Iterator[None]:
    """The drill's own reads and writes of simulated state on this thread concern ``account``."""
    previous = getattr(_CALLER, "account", None)
    _CALLER.account = account
    try:
        yield
    finally:
        _CALLER.account = previous


def _access_key(request_signer: Any) -> str | None:
    credentials = getattr(request_signer, "_credentials", None)
    if credentials is None:
        return None
    return str(credentials.get_frozen_credentials().access_key)


class SimClientError(Exception):
    """Raised by a handler to answer with an AWS error."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


class _Raw(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.getvalue()


def http_response(status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> AWSResponse:
    return AWSResponse("https://sim.local/", status, headers or {}, _Raw(body))


def streaming(data: bytes) -> StreamingBody:
    return StreamingBody(io.BytesIO(data), len(data))


@dataclass
class Fault:
    """The next ``count`` calls of ``api`` fail with ``kind`` (throttle | 5xx | latency)."""

    api: str  # "route53.ChangeResourceRecordSets"
    kind: str
    count: int
    latency_seconds: float = 0.0
    code: str | None = None  # for kind "error": the AWS error code to answer with
    seen: int = 0


_THROTTLE_CODE = {
    "route53": "Throttling",
    "rds": "Throttling",
    "cloudwatch": "Throttling",
    "autoscaling": "Throttling",
    "elasticloadbalancing": "Throttling",
    "sns": "Throttling",
    "lambda": "TooManyRequestsException",
    "dynamodb": "ThrottlingException",
    "states": "ThrottlingException",
    "sfn": "ThrottlingException",
}


def _fault_code(fault: Fault, service: str) -> str:
    if fault.kind == "5xx":
        return "ServiceUnavailable"
    if fault.kind == "error":
        return fault.code or "ValidationError"
    return _THROTTLE_CODE.get(service, "Throttling")


def _cbor_text(text: str) -> bytes:
    data = text.encode()
    if len(data) < 24:
        return bytes([0x60 + len(data)]) + data
    if len(data) < 256:
        return bytes([0x78, len(data)]) + data
    return bytes([0x79]) + len(data).to_bytes(2, "big") + data


def _error_body(protocol: str, code: str, message: str) -> tuple[bytes, dict[str, str]]:
    if protocol in ("json", "rest-json"):
        return json.dumps({"__type": code, "message": message}).encode(), {"x-amzn-ErrorType": code}
    if protocol == "smithy-rpc-v2-cbor":
        cbor = bytes([0xA2]) + _cbor_text("__type") + _cbor_text(code) + _cbor_text("message") + _cbor_text(message)
        return cbor, {"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"}
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>sim-fault</RequestId></ErrorResponse>"
    )
    return body.encode(), {"Content-Type": "text/xml"}


@dataclass
class CallRecord:
    api: str
    region: str
    served_by: str  # "sim" | "moto" | "fault" | "refused"
    at: float = field(default_factory=time.monotonic)


class SimAWS:
    """Process-wide registry of simulated APIs, faults and the call log."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.guards: list[Guard] = []
        self.faults: list[Fault] = []
        self.calls: list[CallRecord] = []
        self.enabled = False
        self.state: dict[str, Any] = {}
        self._lock = threading.RLock()
        #: held for each request the simulated AWS serves (moto's backends are not thread-safe; AWS
        #: applies each request, a conditional write included, atomically)
        self.backend_lock = threading.RLock()
        self._installed = False

    # -- registration ------------------------------------------------------------------

    def register(self, api: str, handler: Handler) -> None:
        """Serve ``api`` ("service.Operation", service as in botocore's event names) with ``handler``."""
        self.handlers[api] = handler

    def install(self) -> None:
        if self._installed:
            return
        serialise_moto(self.backend_lock)
        botocore_handlers.BUILTIN_HANDLERS.append(("before-parameter-build", self._keep_params))
        botocore_handlers.BUILTIN_HANDLERS.append(("before-call", self._before_call))
        botocore_handlers.BUILTIN_HANDLERS.insert(0, ("before-send", self._before_send))
        self._installed = True

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.calls.clear()
            self.guards.clear()
            self.state.clear()

    def inject(
        self, api: str, kind: str, count: int = 1, latency_seconds: float = 0.0, code: str | None = None
    ) -> None:
        """Fail the next ``count`` calls of ``api``: ``throttle``, ``5xx``, ``latency`` or ``error`` (with ``code``)."""
        if kind not in ("throttle", "5xx", "latency", "error"):
            raise ValueError(f"unknown fault kind '{kind}'")
        with self._lock:
            self.faults.append(Fault(api=api, kind=kind, count=count, latency_seconds=latency_seconds, code=code))

    def count_calls(self, api: str | None = None) -> int:
        with self._lock:
            return sum(1 for c in self.calls if api is None or c.api == api)

    # -- botocore hooks ----------------------------------------------------------------

    @staticmethod
    def _api_name(model: Any) -> str:
        return f"{model.service_model.service_name}.{model.name}"

    def _keep_params(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if self.enabled:
            context["sim_params"] = json.loads(json.dumps(params, default=_json_default))

    def _take_fault(self, api: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.api == api and fault.seen < fault.count:
                    fault.seen += 1
                    return fault
        return None

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **kwargs: Any) -> Any:
        if not self.enabled:
            return None
        _CALLER.access_key = _access_key(kwargs.get("request_signer"))
        try:
            return self._answer(model, context)
        finally:
            _CALLER.access_key = None

    def _answer(self, model: Any, context: dict[str, Any]) -> Any:
        api = self._api_name(model)
        region = context.get("client_region") or "us-east-1"
        try:
            for guard in list(self.guards):
                guard(api, context.get("sim_params", {}), region)
        except SimClientError as err:
            self._record(api, region, "refused")
            return http_response(err.status), {
                "Error": {"Code": err.code, "Message": err.message},
                "ResponseMetadata": {"HTTPStatusCode": err.status},
            }
        handler = self.handlers.get(api)
        if handler is None:
            return None
        fault = self._take_fault(api)
        if fault is not None:
            if fault.kind == "latency":
                time.sleep(fault.latency_seconds)
            else:
                self._record(api, region, "fault")
                status = 503 if fault.kind == "5xx" else 400
                code = _fault_code(fault, api.split(".")[0])
                return http_response(status), {
                    "Error": {"Code": code, "Message": f"injected {fault.kind}"},
                    "ResponseMetadata": {"HTTPStatusCode": status},
                }
        self._record(api, region, "sim")
        try:
            if api in UNSERIALISED:
                parsed = handler(context.get("sim_params", {}), region)
            else:
                with self.backend_lock:
                    parsed = handler(context.get("sim_params", {}), region)
        except SimClientError as err:
            return http_response(err.status), {
                "Error": {"Code": err.code, "Message": err.message},
                "ResponseMetadata": {"HTTPStatusCode": err.status},
            }
        parsed.setdefault("ResponseMetadata", {"HTTPStatusCode": 200, "RequestId": "sim"})
        return http_response(200), parsed

    def _before_send(self, request: Any, event_name: str = "", **_: Any) -> Any:
        if not self.enabled:
            return None
        parts = event_name.split(".")
        if len(parts) < 3:
            return None
        service = _SERVICE_IDS.get(parts[1], parts[1].replace("-", ""))
        api = f"{service}.{parts[2]}"
        region = _region_of_url(request.url)
        fault = self._take_fault(api)
        if fault is None:
            self._record(api, region, "moto")
            return None
        if fault.kind == "latency":
            time.sleep(fault.latency_seconds)
            self._record(api, region, "moto")
            return None
        self._record(api, region, "fault")
        status = 503 if fault.kind == "5xx" else 400
        code = _fault_code(fault, service)
        body, headers = _error_body(_request_protocol(request, service), code, f"injected {fault.kind}")
        # botocore runs every before-send handler: point the request where moto's stubber matches
        # nothing, so the failed call changes nothing (as a throttled call on AWS changes nothing)
        request.url = "https://fault.sim.invalid/"
        return http_response(status, headers, body)

    def _record(self, api: str, region: str, served_by: str) -> None:
        with self._lock:
            self.calls.append(CallRecord(api=api, region=region, served_by=served_by))


def _json_default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "read"):
        return value.read().decode("utf-8", "replace")
    return str(value)


def _region_of_url(url: str) -> str:
    host = url.split("//", 1)[-1].split("/", 1)[0]
    for part in host.split("."):
        if part.count("-") >= 2 and part[-1].isdigit():
            return part
    return "us-east-1"


#: botocore service ids (hyphenised) -> botocore service names, as used in API names here
_SERVICE_IDS = {
    "route-53": "route53",
    "sfn": "stepfunctions",
    "elastic-load-balancing-v2": "elbv2",
    "auto-scaling": "autoscaling",
    "s3-control": "s3control",
    "secrets-manager": "secretsmanager",
    "eventbridge": "events",
    "route53-recovery-cluster": "route53-recovery-cluster",
}


@functools.lru_cache(maxsize=64)
def _protocol(service: str) -> str:
    """The wire protocol botocore speaks to ``service`` (from its service model)."""
    import botocore.session

    try:
        return str(botocore.session.get_session().get_service_model(service).protocol)
    except Exception:
        return "query"


def _request_protocol(request: Any, service: str) -> str:
    """The protocol of this request (a service may speak several: CloudWatch has CBOR, JSON and query)."""
    headers = {str(k).lower(): (v.decode() if isinstance(v, bytes) else str(v)) for k, v in request.headers.items()}
    if "smithy-protocol" in headers:
        return "smithy-rpc-v2-cbor"
    if "x-amz-target" in headers or headers.get("content-type", "").startswith("application/x-amz-json"):
        return "json"
    protocol = _protocol(service)
    return "query" if protocol in ("json", "smithy-rpc-v2-cbor") else protocol


#: APIs served here that run code which itself calls AWS (a function invocation): not one request
UNSERIALISED = frozenset({"lambda.Invoke"})


def serialise_moto(lock: Any) -> None:
    """Make moto serve one request at a time under ``lock``, from any thread (its backends are plain dicts).

    moto answers every request through its ``BotocoreStubber`` (a ``before-send`` handler); the
    wrapper is installed on the class so clients created before and after are both covered.
    """
    from moto.core.botocore_stubber import BotocoreStubber

    call = BotocoreStubber.__call__
    if getattr(call, "serialised", False):
        return

    def serialised(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            return call(self, event_name, request, **kwargs)

    serialised.serialised = True  # type: ignore[attr-defined]
    BotocoreStubber.__call__ = serialised  # type: ignore[method-assign]


#: The one simulator of this process (botocore's built-in handler list is process-wide).
SIM = SimAWS()
