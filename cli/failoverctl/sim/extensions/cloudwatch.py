"""CloudWatch alarm evaluation on ``PutMetricData``, which moto does not do.

moto stores the datapoints but leaves alarms where they are. Here ``PutMetricData`` is stored by
moto's own backend and then every simple metric alarm in that region watching the metric is
evaluated against the newest datapoint (threshold and comparison), moving to ``ALARM`` or ``OK``
as CloudWatch would once the alarm's period has passed: the simulation does not wait for it.
A Route 53 health check of type ``CLOUDWATCH_METRIC`` linked with ``link_metric_health_check``
follows its alarm (unhealthy while it is in ``ALARM``), which is what makes the data-plane
``route53_metric_switch`` move DNS.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError, caller_account
from failoverctl.sim.extensions import route53 as route53_ext
from failoverctl.sim.iam import current_function

LINKS = "cloudwatch.metric_health_checks"

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}
_STATISTICS = ("Maximum", "Minimum", "Average", "Sum", "SampleCount")


def link_metric_health_check(sim: SimAWS, health_check_id: str, alarm_name: str, region: str) -> None:
    """A CLOUDWATCH_METRIC health check on ``alarm_name`` (moto does not keep the alarm identifier)."""
    sim.state.setdefault(LINKS, {})[health_check_id] = {"alarm_name": alarm_name, "region": region}


def _backend(region: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[caller_account()][region]


def _dims(items: Any) -> set[tuple[str, str]]:
    out = set()
    for d in items or []:
        name = d["Name"] if isinstance(d, dict) else d.name
        value = d["Value"] if isinstance(d, dict) else d.value
        out.add((str(name), str(value)))
    return out


def evaluate_alarms(sim: SimAWS, region: str, namespace: str, metric_name: str, dimensions: Any) -> None:
    backend = _backend(region)
    wanted = _dims(dimensions)
    now = datetime.now(UTC)
    for alarm in list(backend.alarms.values()):
        if alarm.namespace != namespace or alarm.metric_name != metric_name or _dims(alarm.dimensions) != wanted:
            continue
        compare = _COMPARE.get(alarm.comparison_operator)
        if compare is None or alarm.statistic not in _STATISTICS:
            continue
        since = now - timedelta(seconds=int(alarm.period or 60))
        points = [
            (_aware(d.timestamp), float(d.value))
            for d in backend.metric_data
            if getattr(d, "namespace", None) == namespace
            and d.name == metric_name
            and _dims(d.dimensions) == wanted
            and getattr(d, "value", None) is not None
            and _aware(d.timestamp) >= since
        ]
        if not points:
            continue
        value = points[-1][1]  # the newest datapoint (moto keeps them in arrival order)
        state = "ALARM" if compare(value, float(alarm.threshold)) else "OK"
        if state != alarm.state_value:
            reason = (
                f"Threshold Crossed: 1 datapoint [{value}] was "
                f"{'' if state == 'ALARM' else 'not '}{alarm.comparison_operator} ({alarm.threshold})"
            )
            alarm.update_state(reason, "{}", state)
        for hc_id, link in sim.state.get(LINKS, {}).items():
            if link["alarm_name"] == alarm.name and link["region"] == region:
                route53_ext.set_health(sim, hc_id, 0.0 if state == "ALARM" else 100.0)


def _aware(ts: Any) -> datetime:
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def check_put_metric_data(params: dict[str, Any], now: datetime | None = None) -> None:
    """What CloudWatch's PutMetricData refuses (API reference and user guide, "Publish custom metrics"):
    a namespace starting with ``AWS/`` (reserved for AWS services), more than 1,000 metrics in one
    request, a value that is not a finite number, a timestamp more than two weeks old or more than
    two hours ahead."""
    namespace = str(params.get("Namespace", ""))
    if namespace.startswith("AWS/"):
        raise SimClientError("InvalidParameterValue", f"The value {namespace} for parameter Namespace is invalid.")
    data = params.get("MetricData", [])
    if len(data) > 1000:
        raise SimClientError(
            "InvalidParameterValue", "The collection MetricData must not have a size greater than 1000."
        )
    now = now or datetime.now(UTC)
    for index, item in enumerate(data, start=1):
        values = [item["Value"]] if "Value" in item else list(item.get("Values", []))
        if any(not math.isfinite(float(v)) for v in values):
            raise SimClientError(
                "InvalidParameterValue",
                f"The value for parameter MetricData.member.{index}.Value is not a finite number.",
            )
        if item.get("Timestamp"):
            stamp = _aware(item["Timestamp"])
            if stamp < now - timedelta(days=14) or stamp > now + timedelta(hours=2):
                raise SimClientError(
                    "InvalidParameterValue",
                    f"The parameter MetricData.member.{index}.Timestamp must specify a time no more than two weeks "
                    "in the past and no more than two hours in the future.",
                )


def _put_metric_data(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        if current_function() is not None:  # the drill itself plays AWS's services (AWS/RDS lag), functions do not
            check_put_metric_data(params)
        data = [dict(item) for item in params.get("MetricData", [])]
        for item in data:
            # moto keeps naive UTC timestamps
            stamp = _aware(item["Timestamp"]) if item.get("Timestamp") else datetime.now(UTC)
            item["Timestamp"] = stamp.replace(tzinfo=None)
        _backend(region).put_metric_data(params["Namespace"], data)
        for item in data:
            evaluate_alarms(sim, region, params["Namespace"], item["MetricName"], item.get("Dimensions", []))
        return {}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("cloudwatch.PutMetricData", _put_metric_data(sim))
