"""boto3 clients per service and region, built on first use with the standard retry mode.

Every client comes from one boto3 session per ``Clients`` (one per warm Lambda container): the
session resolves credentials and loads the endpoint and service data once, not once per client.
Standard retries (up to 5 retries after the first attempt, exponential backoff with jitter, on throttling and
transient errors) are the mode AWS recommends; the adaptive mode's client-side rate limiting would
only slow a failover that runs a few dozen calls.

An action acts from the region it targets: it asks for the client of that region. Route 53's
control plane is global (us-east-1); its client is asked for without a region.

An action that works in another account asks for ``assuming(role)``: a ``Clients`` whose session
holds that role's credentials from STS ``AssumeRole`` (the session named after the incident, the
external id the role's trust policy asks for), refreshed before they expire. One is kept per role,
external id and session name, and it keeps its own clients per service and region.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import RefreshableCredentials

GLOBAL_SERVICES = {"route53": "us-east-1"}

_RETRIES = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=5, read_timeout=20)

#: how long assumed-role credentials last: STS's default, and a role's default maximum session duration.
#: botocore refreshes them 15 minutes before they expire, so a shorter session would be assumed again
#: on every call
ROLE_SESSION_SECONDS = 3600


def role_session_name(incident_id: str | None) -> str:
    """An STS session name (2-64 characters of ``[\\w+=,.@-]``) that names the incident, for CloudTrail."""
    name = "failover-" + re.sub(r"[^\w+=,.@-]", "-", incident_id or "request")
    return name[:64]


class Clients:
    """A cache of boto3 clients from one session. Pass one to the library; tests pass their own."""

    def __init__(self, default_region: str = "us-east-1", session: boto3.session.Session | None = None) -> None:
        self.default_region = default_region
        self._session = session
        self._cache: dict[tuple[str, str, str | None], Any] = {}
        self._resources: dict[tuple[str, str, int | None], Any] = {}
        self._roles: dict[tuple[str, str | None, str], Clients] = {}
        self._lock = threading.Lock()

    def session(self) -> boto3.session.Session:
        """The one session every client comes from, created on first use (the caller holds the lock)."""
        if self._session is None:
            self._session = boto3.session.Session()
        return self._session

    def get(self, service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
        region = GLOBAL_SERVICES.get(service) or region or self.default_region
        key = (service, region, endpoint_url)
        with self._lock:
            client = self._cache.get(key)
            if client is None:
                client = self.session().client(service, region_name=region, endpoint_url=endpoint_url, config=_RETRIES)
                self._cache[key] = client
            return client

    def resource(self, service: str, region: str | None = None, config: Config | None = None) -> Any:
        """A boto3 resource (used for DynamoDB's typed API) with the same retry configuration, or ``config``.

        It keeps its own low-level client: the resource converts Python values to DynamoDB's typed
        attributes on that client, which a caller of ``get`` (typed attributes already) must not meet.
        """
        region = region or self.default_region
        key = (service, region, id(config) if config is not None else None)
        with self._lock:
            res = self._resources.get(key)
            if res is None:
                res = self.session().resource(service, region_name=region, config=config or _RETRIES)
                self._resources[key] = res
            return res

    def as_role(self, role: Any, *, session_name: str) -> Clients:
        """These clients, or, for a ``role`` (an ``AssumeRole``: ``role_arn``, ``external_id``), clients
        that call as that role in its account."""
        if role is None:
            return self
        return self.assuming(role.role_arn, session_name=session_name, external_id=role.external_id)

    def assuming(self, role_arn: str, *, session_name: str, external_id: str | None = None) -> Clients:
        """Clients that make their calls as ``role_arn`` (another account's role), one per role and session."""
        key = (role_arn, external_id, session_name)
        with self._lock:
            found = self._roles.get(key)
            if found is None:
                found = Clients(self.default_region, self._role_session(role_arn, session_name, external_id))
                self._roles[key] = found
            return found

    def _role_session(self, role_arn: str, session_name: str, external_id: str | None) -> boto3.session.Session:
        """A session whose credentials come from STS ``AssumeRole`` (the caller holds the lock)."""
        sts = self.session().client("sts", region_name=self.default_region, config=_RETRIES)
        arguments: dict[str, Any] = {
            "RoleArn": role_arn,
            "RoleSessionName": session_name,
            "DurationSeconds": ROLE_SESSION_SECONDS,
        }
        if external_id:
            arguments["ExternalId"] = external_id

        def fetch() -> dict[str, str]:
            credentials = sts.assume_role(**arguments)["Credentials"]
            return {
                "access_key": credentials["AccessKeyId"],
                "secret_key": credentials["SecretAccessKey"],
                "token": credentials["SessionToken"],
                "expiry_time": credentials["Expiration"].isoformat(),
            }

        core = botocore.session.get_session()
        # assumed now: a refused assumption raises STS's own error to the action that asked
        core._credentials = RefreshableCredentials.create_from_metadata(
            metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
        )
        return boto3.session.Session(botocore_session=core)
