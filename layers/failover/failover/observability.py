"""The Powertools objects, created once: one Logger and one Metrics for every function, and the
handler's tracing.

Every function runs with Lambda's active tracing (``Tracing: Active``): Lambda records each
invocation, its initialisation and its duration in X-Ray, and Step Functions links the states to
them, with no SDK in the function. A subsegment for each AWS call and Slack post comes on top of
that only when the stack turns it on (``TraceAwsCalls=true``, ``FAILOVER_TRACE_AWS_CALLS``): it
takes Powertools Tracer and the AWS X-Ray SDK, which is in maintenance mode since 2026-02-25 (end of
support 2027-02-25) and costs every cold start its import and botocore's patching
(``docs/performance.md``). Then the Tracer patches only what the functions call out with: botocore
(every AWS call) and ``http.client`` (the Slack webhook posts).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics

from failover.local_guard import check_local_endpoint

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

check_local_endpoint()

SERVICE = "failover"
NAMESPACE = "Failover"
#: what the X-Ray SDK instruments when AWS calls are traced: AWS calls and the Slack webhook posts
#: (urllib over http.client)
TRACED_MODULES = ("botocore", "httplib")
#: the environment variable (from the template's ``TraceAwsCalls``) that turns on a subsegment per call
TRACE_AWS_CALLS_ENV = "FAILOVER_TRACE_AWS_CALLS"


class _Stdout(io.TextIOBase):
    """Standard output as it is when a record is written (not when the logger was created), so a
    process that swaps ``sys.stdout`` (a test capture, a drill's log buffer) keeps its logs."""

    def write(self, text: str) -> int:
        # the Lambda runtime interface client replaces sys.stdout with a writer whose write returns None
        sys.stdout.write(text)
        return len(text)

    def flush(self) -> None:
        sys.stdout.flush()


logger = Logger(service=SERVICE, stream=_Stdout())  # type: ignore[arg-type]
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def traces_aws_calls() -> bool:
    """Whether this stack traces each AWS call and Slack post (``TraceAwsCalls``)."""
    return os.environ.get(TRACE_AWS_CALLS_ENV, "false").strip().lower() == "true"


@cache
def tracer() -> Tracer:
    """Powertools Tracer, patching ``TRACED_MODULES``; created (and the X-Ray SDK imported) on first use."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=TRACED_MODULES)


def trace_handler[F: Callable[..., Any]](handler: F) -> F:
    """``handler`` with a subsegment for each AWS call and Slack post when the stack traces them;
    else ``handler`` itself (Lambda's active tracing still records the invocation)."""
    if not traces_aws_calls():
        return handler
    return tracer().capture_lambda_handler(capture_response=False)(handler)
