"""Refuse to start under ``sam local`` unless the function is pointed at a local AWS.

``sam local invoke`` runs a function in its Lambda container with the credentials of whoever runs
it, so a function invoked that way without a local endpoint would act on that person's real
account. ``sam local`` sets ``AWS_SAM_LOCAL=true`` (Lambda never does), and ``make local`` points
every function at the simulated AWS with ``AWS_ENDPOINT_URL``. The deployed stack is not affected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from failover.errors import ConfigError

MESSAGE = (
    "refusing to start: this function runs under 'sam local' without a local AWS endpoint, so it "
    "would call the real AWS account of the credentials in your environment. Start the simulated "
    "AWS with 'make local' (or 'failoverctl local up') and invoke with its template and variables: "
    "sam local invoke -t .aws-sam-local/build/template.yaml --env-vars .aws-sam-local/env.json "
    "FUNCTION -e events/FILE.json"
)


class LocalEndpointMissingError(ConfigError):
    """A function was started by ``sam local`` without ``AWS_ENDPOINT_URL``."""


def check_local_endpoint(environ: Mapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    if env.get("AWS_SAM_LOCAL", "").lower() == "true" and not env.get("AWS_ENDPOINT_URL", "").strip():
        raise LocalEndpointMissingError(MESSAGE)
