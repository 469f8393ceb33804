"""The simulator's extensions (ARC, Aurora global switchover, Route 53 health-check status and
TestDNSAnswer, S3 Multi-Region Access Point routes...) served over HTTP, in front of moto's server.

In-process, the extensions answer botocore's ``before-call`` with parsed parameters. A function in
a container speaks HTTP instead, so this WSGI application finds the API a request is for (service
from the SigV4 credential scope; operation from ``X-Amz-Target``, the query ``Action`` or the
REST path of the service model), parses the request with moto's request parser, calls the same
extension handler and serializes its answer with moto's response serializer. Everything else
(and CBOR requests) goes to moto as it is.
"""

from __future__ import annotations

import functools
import io
import json
import re
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Request, Response

from failoverctl.sim.aws import SimAWS, SimClientError, _error_body, _json_default

_SCOPE = re.compile(r"Credential=[^/,]+/[0-9]{8}/([^/]+)/([^/]+)/aws4_request")
#: SigV4 signing names that are not the botocore service name
_SIGNING_NAMES = {"monitoring": "cloudwatch", "route53-recovery-cluster": "route53-recovery-cluster"}


@functools.lru_cache(maxsize=32)
def _service_model(service: str) -> Any:
    """The service model as moto's parser and serializer expect it."""
    from moto.core.utils import get_service_model

    return get_service_model(service)


@functools.lru_cache(maxsize=32)
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], int, str]]:
    """(method, path pattern, literal length, operation) for every operation of a REST service."""
    model = _service_model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = str(http.get("requestUri", "/")).split("?", 1)[0]
        pattern = ""
        literal = 0
        for part in re.split(r"(\{[^}]+\})", uri):
            if part.startswith("{"):
                label = part[1:-1]
                greedy = label.endswith("+")
                pattern += f"(?P<{label.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
            else:
                pattern += re.escape(part)
                literal += len(part)
        routes.append((str(http.get("method", "POST")), re.compile(f"^{pattern}/?$"), literal, name))
    return routes


def identify(request: Request, body: bytes) -> tuple[str, str, str, dict[str, str]] | None:
    """(service, operation, region, path parameters) of a signed AWS request, or None."""
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    if match is None:
        return None
    region, signing_name = match.groups()
    service = _SIGNING_NAMES.get(signing_name, signing_name)
    if signing_name == "s3" and request.path.startswith("/v20180820/"):
        service = "s3control"
    try:
        model = _service_model(service)
    except Exception:
        return None
    target = request.headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1], region, {}
    if "Smithy-Protocol" in request.headers:
        return None  # CBOR: moto answers it
    if model.protocol == "query":
        from urllib.parse import parse_qs

        action = parse_qs(body.decode("utf-8", "replace")).get("Action") or request.args.getlist("Action")
        return (service, action[0], region, {}) if action else None
    if model.protocol in ("rest-xml", "rest-json"):
        path = unquote(request.path)
        best: tuple[int, str, dict[str, str]] | None = None
        for method, pattern, literal, name in _rest_routes(service):
            found = pattern.match(path) if method == request.method else None
            if found and (best is None or literal > best[0]):
                best = (literal, name, found.groupdict())
        if best is not None:
            return service, best[1], region, best[2]
    return None


def _parseable(service: str) -> bool:
    """Whether the request's protocol can be parsed here (JSON, or a parser moto has); others (the
    CBOR protocol of newer SDKs) are served by moto itself, without the extension."""
    from moto.core.parse import PROTOCOL_PARSERS

    protocol = str(_service_model(service).protocol)
    return protocol == "json" or protocol in PROTOCOL_PARSERS


class ExtensionsApp:
    def __init__(self, sim: SimAWS, moto_app: Any) -> None:
        self.sim = sim
        self.moto_app = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        api = identify(request, body)
        if api is not None:
            service, operation, region, url_params = api
            handler = self.sim.handlers.get(f"{service}.{operation}")
            if handler is not None and self.sim.enabled and _parseable(service):
                return self._serve(request, body, service, operation, region, url_params, handler)(
                    environ, start_response
                )
            self.sim._record(f"{service}.{operation}", region, "moto")
        return self.moto_app(Request(environ).environ, start_response)

    def _serve(
        self,
        request: Request,
        body: bytes,
        service: str,
        operation: str,
        region: str,
        url_params: dict[str, str],
        handler: Any,
    ) -> Response:
        from moto.core.parse import PROTOCOL_PARSERS
        from moto.core.serialize import get_serializer_class

        model = _service_model(service)
        op_model = model.operation_model(operation)
        protocol = str(model.protocol)
        if protocol == "json":
            params = json.loads(body or b"{}")
        else:
            from urllib.parse import parse_qs

            from werkzeug.datastructures import MultiDict

            values = MultiDict(request.args)
            if protocol == "query":
                for key, items in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                    for item in items:
                        values.add(key, item)
            parser = PROTOCOL_PARSERS[protocol](op_model)
            params = parser.parse(
                {
                    "body": body,
                    "headers": request.headers,
                    "method": request.method,
                    "url_params": url_params,
                    "url_path": request.path,
                    "values": values,
                }
            )
        params = json.loads(json.dumps(params, default=_json_default))
        self.sim._record(f"{service}.{operation}", region, "sim")
        try:
            result = handler(params, region)
        except SimClientError as err:
            error_body, headers = _error_body(protocol, err.code, err.message)
            return Response(error_body, status=err.status, headers=headers)
        result.pop("ResponseMetadata", None)
        serialized = get_serializer_class(service, protocol)(op_model).serialize(result)
        return Response(serialized["body"], status=int(serialized["status_code"]), headers=dict(serialized["headers"]))
