"""Route 53 health-check status and TestDNSAnswer, which moto does not model.

Health-check status is state the world or a scenario sets: the share of Route 53's checkers
that reach the endpoint (``set_health``), or the checker regions that cannot reach it
(``set_failing_regions``). ``GetHealthCheckStatus`` answers one observation per checker of the
regions the health check is configured with (``Regions``, all eight by default), each with its
region, IP address and latest status report. As on AWS, a health check is healthy when more than
18% of checkers say so, and ``Inverted`` flips the verdict. TestDNSAnswer resolves the
records moto holds the way Route 53 would: simple, failover (primary while its health check is
healthy) and weighted (the highest weight among healthy records).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account

#: Route 53's health-checker regions (the default of a health check's ``Regions``), two checkers each
CHECKERS = {
    "us-east-1": ("54.243.31.192", "54.243.31.193"),
    "us-west-1": ("54.183.255.128", "54.183.255.129"),
    "us-west-2": ("54.244.52.192", "54.244.52.193"),
    "eu-west-1": ("54.228.16.0", "54.228.16.1"),
    "ap-southeast-1": ("54.251.31.128", "54.251.31.129"),
    "ap-southeast-2": ("54.252.79.128", "54.252.79.129"),
    "ap-northeast-1": ("54.248.220.0", "54.248.220.1"),
    "sa-east-1": ("54.232.40.64", "54.232.40.65"),
}
HEALTHY_SHARE_THRESHOLD = 18.0  # Route 53: healthy when more than 18% of checkers report healthy
SUCCESS = "Success: HTTP Status Code 200, OK"
FAILURE = (
    "Failure: Connection timed out. The endpoint or the internet connection is down, "
    "or requests are being blocked by your firewall."
)


def _backend() -> Any:
    from moto.route53.models import route53_backends

    return route53_backends[caller_account()]["global"]


def set_health(sim: SimAWS, health_check_id: str, healthy_percent: float) -> None:
    """The share of checkers that reach the endpoint (the first ones, region by region, in ``CHECKERS`` order)."""
    sim.state.setdefault("route53.health", {})[health_check_id] = float(healthy_percent)
    sim.state.setdefault("route53.failing_regions", {}).pop(health_check_id, None)


def set_failing_regions(sim: SimAWS, health_check_id: str, regions: list[str]) -> None:
    """Every checker in ``regions`` fails to reach the endpoint, every other one reaches it."""
    unknown = sorted(set(regions) - set(CHECKERS))
    if unknown:
        raise ValueError(f"not Route 53 health-checker regions: {', '.join(unknown)}")
    sim.state.setdefault("route53.health", {}).setdefault(health_check_id, 100.0)
    sim.state.setdefault("route53.failing_regions", {})[health_check_id] = set(regions)


def healthy_percent(sim: SimAWS, health_check_id: str) -> float:
    """The share of the health check's checkers whose latest report is a success."""
    reports = checker_reports(sim, health_check_id)
    return 100.0 * sum(ok for _r, _ip, ok in reports) / len(reports) if reports else 0.0


def _health_check(health_check_id: str) -> Any:
    try:
        return _backend().get_health_check(health_check_id)
    except Exception:  # moto raises its own NoSuchHealthCheck
        return None


def checker_reports(sim: SimAWS, health_check_id: str) -> list[tuple[str, str, bool]]:
    """(checker region, checker IP, reaches the endpoint) for the checkers of the health check's ``Regions``."""
    hc = _health_check(health_check_id)
    configured = list(getattr(hc, "regions", None) or []) if hc is not None else []
    regions = [r for r in CHECKERS if not configured or r in configured]
    checkers = [(region, ip) for region in regions for ip in CHECKERS[region]]
    failing = sim.state.get("route53.failing_regions", {}).get(health_check_id)
    if failing is not None:
        return [(region, ip, region not in failing) for region, ip in checkers]
    share = float(sim.state.get("route53.health", {}).get(health_check_id, 100.0))
    healthy_count = round(len(checkers) * share / 100.0)
    return [(region, ip, index < healthy_count) for index, (region, ip) in enumerate(checkers)]


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
        now = datetime.now(UTC)
        # one observation per checker: its region, its IP and its latest report
        return {
            "HealthCheckObservations": [
                {
                    "Region": checker_region,
                    "IPAddress": ip,
                    "StatusReport": {"Status": SUCCESS if ok else FAILURE, "CheckedTime": now},
                }
                for checker_region, ip, ok in checker_reports(sim, hc_id)
            ]
        }

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
