"""The Powertools objects, created once: one Logger, one Tracer, one Metrics for every function."""

from __future__ import annotations

import io
import sys

from aws_lambda_powertools import Logger, Metrics, Tracer

from failover.local_guard import check_local_endpoint

check_local_endpoint()

SERVICE = "failover"
NAMESPACE = "Failover"


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
tracer = Tracer(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
