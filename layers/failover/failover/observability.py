"""The Powertools objects, created once: one Logger, one Tracer, one Metrics for every function.

The Tracer patches only what the functions call out with: botocore (every AWS call) and
``http.client`` (the Slack webhook posts). Patching everything the X-Ray SDK supports would import
``requests``, ``sqlite3`` and the rest at every cold start for nothing.
"""

from __future__ import annotations

import io
import sys

from aws_lambda_powertools import Logger, Metrics, Tracer

from failover.local_guard import check_local_endpoint

check_local_endpoint()

SERVICE = "failover"
NAMESPACE = "Failover"
#: what the X-Ray SDK instruments: AWS calls and the Slack webhook posts (urllib over http.client)
TRACED_MODULES = ("botocore", "httplib")


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
tracer = Tracer(service=SERVICE, patch_modules=TRACED_MODULES)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
