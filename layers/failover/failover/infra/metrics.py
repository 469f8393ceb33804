"""Custom metrics of the automation, in the ``Failover`` namespace, each with a ``group`` dimension.

==========================  ============  ====================================================
metric                      unit          emitted when
==========================  ============  ====================================================
``FailoversStarted``        Count         the safety gate let a failover proceed
``FailoversSucceeded``      Count         the last stage was verified
``FailoversFailed``         Count         an action or the verification failed, or any error
``FailoversSkipped``        Count         nothing to do (already on the target, flapping, ...)
``FailoversRefused``        Count         the gate refused: unsafe target, RPO, cooldown, pause
``DecisionTimeMs``          Milliseconds  the safety gate's time to decide, per incident
``TimeToRecoverySeconds``   Seconds       trigger time to verified traffic, per incident
==========================  ============  ====================================================

Each metric is written as its own EMF record (Powertools ``single_metric``) with the ``service``
and ``group`` dimensions, so several groups in one invocation never share a dimension set. The
dashboard reads them with ``SEARCH('{Failover,group,service} MetricName="..."', ...)``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from failover.observability import metrics


class FailoverMetric(StrEnum):
    STARTED = "FailoversStarted"
    SUCCEEDED = "FailoversSucceeded"
    FAILED = "FailoversFailed"
    SKIPPED = "FailoversSkipped"
    REFUSED = "FailoversRefused"
    DECISION_TIME = "DecisionTimeMs"
    TIME_TO_RECOVERY = "TimeToRecoverySeconds"


#: outcome words used across the project -> the count metric they increment
OUTCOME_METRICS: dict[str, FailoverMetric] = {
    "started": FailoverMetric.STARTED,
    "proceed": FailoverMetric.STARTED,
    "succeeded": FailoverMetric.SUCCEEDED,
    "failed": FailoverMetric.FAILED,
    "skipped": FailoverMetric.SKIPPED,
    "skip": FailoverMetric.SKIPPED,
    "refused": FailoverMetric.REFUSED,
    "denied": FailoverMetric.REFUSED,
}


def _emit(name: FailoverMetric, unit: MetricUnit, value: float, group: str, **metadata: Any) -> None:
    defaults = (
        {"service": metrics.service, **metrics.default_dimensions}
        if metrics.service
        else dict(metrics.default_dimensions)
    )
    with single_metric(
        name=str(name), unit=unit, value=value, namespace=metrics.namespace, default_dimensions=defaults
    ) as metric:
        metric.add_dimension(name="group", value=group)
        for key, val in metadata.items():
            if val is not None:
                metric.add_metadata(key=key, value=val)


def count(outcome: str | FailoverMetric, group: str, **metadata: Any) -> FailoverMetric:
    """Count one failover outcome for a group (``started``, ``succeeded``, ``failed``, ``skipped``, ``refused``)."""
    if isinstance(outcome, FailoverMetric):
        name = outcome
    else:
        try:
            name = OUTCOME_METRICS[outcome.lower()]
        except KeyError:
            raise ValueError(f"unknown failover outcome '{outcome}'; known: {sorted(OUTCOME_METRICS)}") from None
    if name in (FailoverMetric.DECISION_TIME, FailoverMetric.TIME_TO_RECOVERY):
        raise ValueError(f"{name} is a duration, not a count")
    _emit(name, MetricUnit.Count, 1, group, **metadata)
    return name


def failover_started(group: str, incident_id: str | None = None) -> None:
    count(FailoverMetric.STARTED, group, incident_id=incident_id)


def failover_succeeded(group: str, incident_id: str | None = None) -> None:
    count(FailoverMetric.SUCCEEDED, group, incident_id=incident_id)


def failover_failed(group: str, incident_id: str | None = None) -> None:
    count(FailoverMetric.FAILED, group, incident_id=incident_id)


def failover_skipped(group: str, incident_id: str | None = None) -> None:
    count(FailoverMetric.SKIPPED, group, incident_id=incident_id)


def failover_refused(group: str, incident_id: str | None = None) -> None:
    count(FailoverMetric.REFUSED, group, incident_id=incident_id)


def decision_time(group: str, milliseconds: float, incident_id: str | None = None) -> None:
    """How long the safety gate took to decide for one incident."""
    if milliseconds < 0:
        raise ValueError("a decision time cannot be negative")
    _emit(FailoverMetric.DECISION_TIME, MetricUnit.Milliseconds, milliseconds, group, incident_id=incident_id)


def time_to_recovery(group: str, seconds: float, incident_id: str | None = None) -> None:
    """Seconds from the trigger (the alarm's state change) to verified traffic on the target."""
    if seconds < 0:
        raise ValueError("a time to recovery cannot be negative")
    _emit(FailoverMetric.TIME_TO_RECOVERY, MetricUnit.Seconds, seconds, group, incident_id=incident_id)
