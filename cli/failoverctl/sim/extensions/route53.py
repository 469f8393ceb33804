"""Route 53 health-check status and TestDNSAnswer, which moto does not model.

Health-check status is state the world or a scenario sets: the share of Route 53's checkers
that report the endpoint healthy (``set_health``). As on AWS, a health check is healthy when more
than 18% of checkers say so, and ``Inverted`` flips the verdict. TestDNSAnswer resolves the
records moto holds the way Route 53 would: simple, failover (primary while its health check is
healthy) and weighted (the highest weight among healthy records).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account

CHECKER_REGIONS = [
    ("us-east-1", "54.243.31.192"),
    ("us-east-1", "54.243.31.193"),
    ("us-west-1", "54.183.255.128"),
    ("us-west-1", "54.183.255.129"),
    ("us-west-2", "54.244.52.192"),
    ("us-west-2", "54.244.52.193"),
    ("eu-west-1", "54.228.16.0"),
    ("eu-west-1", "54.228.16.1"),
    ("ap-southeast-1", "54.251.31.128"),
    ("ap-southeast-1", "54.251.31.129"),
    ("ap-southeast-2", "54.252.79.128"),
    ("ap-southeast-2", "54.252.79.129"),
    ("ap-northeast-1", "54.248.220.0"),
    ("ap-northeast-1", "54.248.220.1"),
    ("sa-east-1", "54.232.40.64"),
    ("sa-east-1", "54.232.40.65"),
]
HEALTHY_SHARE_THRESHOLD = 18.0  # Route 53: healthy when more than 18% of checkers report healthy


def _backend() -> Any:
    from moto.route53.models import route53_backends

    return route53_backends[caller_account()]["global"]


def set_health(sim: SimAWS, health_check_id: str, healthy_percent: float) -> None:
    sim.state.setdefault("route53.health", {})[health_check_id] = float(healthy_percent)


def healthy_percent(sim: SimAWS, health_check_id: str) -> float:
    return float(sim.state.get("route53.health", {}).get(health_check_id, 100.0))


def _health_check(health_check_id: str) -> Any:
    try:
        return _backend().get_health_check(health_check_id)
    except Exception:  # moto raises its own NoSuchHealthCheck
        return None


def is_healthy(sim: SimAWS, health_check_id: str) -> bool:
    """Route 53's verdict for a health check: checker share above 18%, flipped when inverted."""
    raw = healthy_percent(sim, health_check_id) > HEALTHY_SHARE_THRESHOLD
    hc = _health_check(health_check_id)
    inverted = bool(getattr(hc, "inverted", False)) if hc is not None else False
    return raw != inverted


def _get_health_check_status(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        hc_id = params["HealthCheckId"]
        hc = _health_check(hc_id)
        if hc is None and hc_id not in sim.state.get("route53.health", {}):
            raise SimClientError("NoSuchHealthCheck", f"No health check exists with the ID {hc_id}", 404)
        if hc is not None and str(getattr(hc, "type_", "")).upper() == "CALCULATED":
            # Route 53 API reference, GetHealthCheckStatus: not for calculated health checks
            raise SimClientError("InvalidInput", "You can't get the status of a calculated health check", 400)
        share = healthy_percent(sim, hc_id)
        healthy_count = round(len(CHECKER_REGIONS) * share / 100.0)
        now = datetime.now(UTC)
        observations = []
        for index, (checker_region, ip) in enumerate(CHECKER_REGIONS):
            ok = index < healthy_count
            status = "Success: HTTP Status Code 200, OK" if ok else "Failure: Connection timed out."
            observations.append(
                {"Region": checker_region, "IPAddress": ip, "StatusReport": {"Status": status, "CheckedTime": now}}
            )
        return {"HealthCheckObservations": observations}

    return handler


def resolve(sim: SimAWS, zone_id: str, name: str, record_type: str) -> tuple[str, list[str]]:
    """(response code, record data) for a name, as Route 53 would answer it."""
    wanted = name.lower().rstrip(".") + "."
    try:
        zone = _backend().get_hosted_zone(zone_id)
    except Exception:
        raise SimClientError("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}", 404) from None
    records = [r for r in zone.rrsets if r.name.lower() == wanted and r.type == record_type]
    if not records:
        return "NXDOMAIN", []

    def values(record: Any) -> list[str]:
        if record.alias_target:
            return [str(record.alias_target["DNSName"]).rstrip(".")]
        return [str(v).rstrip(".") for v in record.records or []]

    def healthy(record: Any) -> bool:
        return not record.health_check_id or is_healthy(sim, record.health_check_id)

    simple = [r for r in records if not r.set_identifier]
    if simple:
        return "NOERROR", values(simple[0])
    failover = [r for r in records if r.failover]
    if failover:
        primary = next((r for r in failover if r.failover == "PRIMARY"), None)
        secondary = next((r for r in failover if r.failover == "SECONDARY"), None)
        if primary is not None and healthy(primary):
            return "NOERROR", values(primary)
        if secondary is not None:
            return "NOERROR", values(secondary)
        return "NOERROR", values(primary) if primary is not None else []
    weighted = sorted((r for r in records if r.weight is not None and healthy(r)), key=lambda r: -int(r.weight or 0))
    if weighted and int(weighted[0].weight or 0) > 0:
        return "NOERROR", values(weighted[0])
    return "NOERROR", [v for r in records for v in values(r)]


def _test_dns_answer(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        code, data = resolve(sim, params["HostedZoneId"], params["RecordName"], params["RecordType"])
        return {
            "Nameserver": "ns-sim.awsdns-00.com",
            "RecordName": params["RecordName"],
            "RecordType": params["RecordType"],
            "RecordData": data,
            "ResponseCode": code,
            "Protocol": "UDP",
        }

    return handler


def register(sim: SimAWS) -> None:
    sim.register("route53.GetHealthCheckStatus", _get_health_check_status(sim))
    sim.register("route53.TestDNSAnswer", _test_dns_answer(sim))
