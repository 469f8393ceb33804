"""boto3 clients per service and region, built on first use with standard retries (five attempts).

An action acts from the region it targets: it asks for the client of that region. Route 53's
control plane is global (us-east-1); its client is asked for without a region.
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

GLOBAL_SERVICES = {"route53": "us-east-1"}

_RETRIES = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=20)


class Clients:
    """A cache of boto3 clients. Pass one to the library; tests pass their own."""

    def __init__(self, default_region: str = "us-east-1", session: boto3.session.Session | None = None) -> None:
        self.default_region = default_region
        self._session = session
        self._cache: dict[tuple[str, str, str | None], Any] = {}
        self._resources: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
        region = GLOBAL_SERVICES.get(service) or region or self.default_region
        key = (service, region, endpoint_url)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                session = self._session or boto3.session.Session()
                client = session.client(service, region_name=region, endpoint_url=endpoint_url, config=_RETRIES)
                self._cache[key] = client
            return client

    def resource(self, service: str, region: str | None = None) -> Any:
        """A boto3 resource (used for DynamoDB's typed API) with the same retry configuration."""
        region = region or self.default_region
        key = (service, region)
        with self._lock:
            res = self._resources.get(key)
            if res is None:
                session = self._session or boto3.session.Session()
                res = session.resource(service, region_name=region, config=_RETRIES)
                self._resources[key] = res
            return res
