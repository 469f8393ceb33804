"""The Slack webhook URL, read from Secrets Manager (cached per warm environment) and never logged."""

from __future__ import annotations

import json
import weakref
from typing import Any
from urllib.parse import urlsplit

from failover.errors import ConfigError
from failover.infra.clients import Clients
from failover.steps.notify.redact import LOG_GUARD

_PROVIDERS: weakref.WeakKeyDictionary[Clients, Any] = weakref.WeakKeyDictionary()
SECRET_MAX_AGE_SECONDS = 300


def _secrets_provider(clients: Clients, region: str | None) -> Any:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    providers = _PROVIDERS.setdefault(clients, {})
    if region not in providers:
        providers[region] = SecretsProvider(boto3_client=clients.get("secretsmanager", region))
    return providers[region]


def parse_webhook_secret(value: str | bytes | dict[str, Any]) -> str:
    """The URL from a secret: a JSON object ``{"url": "..."}`` or the URL as plain text."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, str) and value.strip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError("the Slack webhook secret is not valid JSON") from None
    if isinstance(value, dict):
        url = value.get("url") or value.get("webhook_url")
        if not isinstance(url, str):
            raise ConfigError('the Slack webhook secret has no "url" key')
        value = url
    url = str(value).strip()
    split = urlsplit(url)
    loopback = split.scheme == "http" and split.hostname in {"127.0.0.1", "localhost", "::1"}
    if not (split.scheme == "https" or loopback) or not split.netloc:
        raise ConfigError("the Slack webhook secret does not hold an https URL")
    return url


def webhook_url(secret_arn: str, *, clients: Clients, max_age: int = SECRET_MAX_AGE_SECONDS) -> str:
    """The webhook URL from Secrets Manager, cached ``max_age`` seconds per warm environment."""
    parts = secret_arn.split(":")
    region = parts[3] if len(parts) > 3 and parts[0] == "arn" else None
    with LOG_GUARD.reading():
        raw = _secrets_provider(clients, region).get(secret_arn, max_age=max_age)
    url = parse_webhook_secret(raw)
    LOG_GUARD.protect(url)
    return url
