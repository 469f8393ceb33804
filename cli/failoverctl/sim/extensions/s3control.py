"""S3 Multi-Region Access Point routes (failover controls), which moto does not implement.

State: ``sim.state["s3control.mrap_routes"]`` maps an MRAP ARN to its routes (bucket, region,
traffic dial). As on AWS, the routing APIs answer only in the five regions that serve them, at
least one route must stay active (dial above 0), and an update names a route by bucket or region.
A region in ``sim.state["s3control.unavailable_regions"]`` answers 503, so callers try the next.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError

ROUTES = "s3control.mrap_routes"
UNAVAILABLE = "s3control.unavailable_regions"
#: SubmitMultiRegionAccessPointRoutes / GetMultiRegionAccessPointRoutes are served in these regions
ROUTING_REGIONS = ("us-east-1", "us-west-2", "ap-southeast-2", "ap-northeast-1", "eu-west-1")


def add_mrap(sim: SimAWS, mrap_arn: str, routes: list[dict[str, Any]]) -> None:
    """Create (or reset) an MRAP's routes: ``[{"Bucket", "Region", "TrafficDialPercentage"}]``."""
    sim.state.setdefault(ROUTES, {})[mrap_arn] = [dict(r) for r in routes]


def routes(sim: SimAWS, mrap_arn: str) -> list[dict[str, Any]]:
    return [dict(r) for r in sim.state.get(ROUTES, {}).get(mrap_arn, [])]


def set_region_available(sim: SimAWS, region: str, available: bool) -> None:
    regions: set[str] = sim.state.setdefault(UNAVAILABLE, set())
    if available:
        regions.discard(region)
    else:
        regions.add(region)


def _routes_of(sim: SimAWS, params: dict[str, Any], region: str) -> list[dict[str, Any]]:
    if region not in ROUTING_REGIONS:
        raise SimClientError(
            "InvalidRequest",
            f"Multi-Region Access Point routing requests must go to one of {', '.join(ROUTING_REGIONS)}, not {region}",
        )
    if region in sim.state.get(UNAVAILABLE, set()):
        raise SimClientError("ServiceUnavailable", f"S3 Control in {region} is temporarily unavailable", 503)
    mrap = params["Mrap"]
    account = mrap.split(":")[4] if mrap.startswith("arn:") else params["AccountId"]
    if account != params["AccountId"]:
        raise SimClientError(
            "InvalidRequest", "The account in the Multi-Region Access Point ARN differs from AccountId"
        )
    current = sim.state.get(ROUTES, {}).get(mrap)
    if current is None:
        raise SimClientError(
            "NoSuchMultiRegionAccessPoint", f"The Multi-Region Access Point {mrap} does not exist", 404
        )
    return list(current)


def _get(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        current = _routes_of(sim, params, region)
        return {"Mrap": params["Mrap"], "Routes": [dict(r) for r in current]}

    return handler


def _submit(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        current = [dict(r) for r in _routes_of(sim, params, region)]
        for update in params["RouteUpdates"]:
            dial = int(update["TrafficDialPercentage"])
            if not 0 <= dial <= 100:
                raise SimClientError("InvalidRequest", f"TrafficDialPercentage must be 0 to 100, not {dial}")
            matches = [
                r
                for r in current
                if ("Bucket" in update and r["Bucket"] == update["Bucket"])
                or ("Bucket" not in update and "Region" in update and r["Region"] == update["Region"])
            ]
            if not matches:
                raise SimClientError("InvalidRequest", f"No route of this access point matches {update}")
            for route in matches:
                route["TrafficDialPercentage"] = dial
        if not any(r["TrafficDialPercentage"] > 0 for r in current):
            raise SimClientError("InvalidRequest", "At least one route of a Multi-Region Access Point must stay active")
        sim.state[ROUTES][params["Mrap"]] = current
        return {}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("s3control.GetMultiRegionAccessPointRoutes", _get(sim))
    sim.register("s3control.SubmitMultiRegionAccessPointRoutes", _submit(sim))
