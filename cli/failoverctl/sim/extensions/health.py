"""The AWS Health API's ``DescribeEvents``, which moto does not model.

Events are state a scenario posts (``post_event``): public or account-specific, open or closed,
issues or scheduled changes, each in one region for one service. As on AWS:

- the API answers only at its partition's endpoints (``us-east-1`` and ``us-east-2`` in the ``aws``
  partition, ``us-gov-west-1`` and ``us-gov-east-1``, ``cn-northwest-1``); a client in any other
  region has no endpoint to reach (``EndpointConnectionError``);
- an account without a Business, Enterprise On-Ramp or Enterprise support plan is refused with
  ``SubscriptionRequiredException`` (``set_subscribed``);
- the filter's lists are each a disjunction, the filters together a conjunction; results come
  newest first, ``maxResults`` (10 to 100) at a time with a ``nextToken``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import EndpointConnectionError

from failoverctl.sim.aws import SimAWS, SimClientError

ACCOUNT = "123456789012"
#: the regions with an endpoint; botocore names the global endpoint of a partition ``aws-global`` (and so on)
API_REGIONS = {"us-east-1", "us-east-2", "us-gov-west-1", "us-gov-east-1", "cn-northwest-1"} | {
    "aws-global",
    "aws-us-gov-global",
    "aws-cn-global",
}
#: DescribeEvents filter keys and the event fields they match
_FILTERS = {
    "regions": "region",
    "services": "service",
    "eventTypeCategories": "eventTypeCategory",
    "eventStatusCodes": "statusCode",
    "eventTypeCodes": "eventTypeCode",
}


def set_subscribed(sim: SimAWS, subscribed: bool) -> None:
    """Whether the account has a support plan that includes the AWS Health API (it has by default)."""
    sim.state["health.subscribed"] = subscribed


def post_event(
    sim: SimAWS,
    service: str,
    region: str,
    event_type_code: str,
    *,
    category: str = "issue",
    status: str = "open",
    scope: str = "PUBLIC",
    start: datetime | None = None,
) -> str:
    """Publish an AWS Health event; returns its ARN (shaped as AWS Health writes them)."""
    events: list[dict[str, Any]] = sim.state.setdefault("health.events", [])
    start = start or datetime.now(UTC)
    suffix = f"{event_type_code}_{len(events) + 1:05d}"
    arn = (
        f"arn:aws:health:{region}::event/{service}/{event_type_code}/{suffix}"
        if scope == "PUBLIC"
        else f"arn:aws:health:{region}:{ACCOUNT}:event/{service}/{event_type_code}/{suffix}"
    )
    events.append(
        {
            "arn": arn,
            "service": service,
            "eventTypeCode": event_type_code,
            "eventTypeCategory": category,
            "region": region,
            "startTime": start,
            "lastUpdatedTime": start,
            "statusCode": status,
            "eventScopeCode": scope,
        }
    )
    return arn


def _describe_events(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        if region not in API_REGIONS:
            raise EndpointConnectionError(endpoint_url=f"https://health.{region}.amazonaws.com/")
        if not sim.state.get("health.subscribed", True):
            raise SimClientError(
                "SubscriptionRequiredException",
                "The AWS Health API requires a Business, Enterprise On-Ramp, or Enterprise Support plan.",
                400,
            )
        wanted = params.get("filter") or {}
        size = int(params.get("maxResults") or 100)
        if not 10 <= size <= 100:
            raise SimClientError("ValidationException", "maxResults must be between 10 and 100", 400)
        found = [
            e
            for e in sim.state.get("health.events", [])
            if all(e[field] in wanted[key] for key, field in _FILTERS.items() if wanted.get(key))
        ]
        found.sort(key=lambda e: e["lastUpdatedTime"], reverse=True)
        token = str(params.get("nextToken") or "next0")
        try:
            start = int(token.removeprefix("next"))
        except ValueError:
            raise SimClientError("InvalidPaginationToken", "The pagination token is invalid", 400) from None
        page = found[start : start + size]
        out: dict[str, Any] = {"events": [dict(e) for e in page]}
        if start + size < len(found):
            out["nextToken"] = f"next{start + size}"
        return out

    return handler


def register(sim: SimAWS) -> None:
    sim.register("health.DescribeEvents", _describe_events(sim))
