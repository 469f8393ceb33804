"""Route 53 failover without the Route 53 control plane: publish the metric behind a health check.

The pattern AWS calls "standby takes over primary": the primary failover record carries a
``CLOUDWATCH_METRIC`` health check on an alarm that watches a custom metric. Publishing the
failover value (in the standby region) puts the alarm in ``ALARM``, the health check goes
unhealthy and Route 53 answers with the secondary record. Only ``PutMetricData`` (a CloudWatch
data-plane call in the spec's region) is on the failover path; set the health check's
``InsufficientDataHealthStatus`` to ``LastKnownStatus`` so one datapoint is enough.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import Route53MetricSwitchSpec
from failover.models import Check

ROUTE53_REGION = "us-east-1"
HEALTHY_SHARE = 18.0  # Route 53: healthy when more than 18% of its checkers report healthy
LOOKBACK = timedelta(minutes=15)


class Route53MetricSwitch(Action[Route53MetricSwitchSpec]):
    """Publish ``failover_value`` (target secondary) or ``failback_value`` (target primary)."""

    type: ClassVar[str] = "route53_metric_switch"
    plane = "data"
    iam_actions = (
        "cloudwatch:PutMetricData",
        "cloudwatch:GetMetricData",
        "cloudwatch:DescribeAlarms",
        "route53:GetHealthCheckStatus",
    )

    def target_label(self) -> str:
        return f"metric {self.spec.namespace}/{self.spec.metric_name} ({self.spec.region})"

    def _value_for(self, side: str) -> float:
        return self.spec.failover_value if side == "secondary" else self.spec.failback_value

    def _dimensions(self) -> list[dict[str, str]]:
        return [{"Name": k, "Value": v} for k, v in sorted(self.spec.dimensions.items())]

    def latest_value(self, ctx: ActionContext) -> float | None:
        now = datetime.now(UTC)
        resp = ctx.clients.get("cloudwatch", self.spec.region).get_metric_data(
            MetricDataQueries=[
                {
                    "Id": "switch",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": self.spec.namespace,
                            "MetricName": self.spec.metric_name,
                            "Dimensions": self._dimensions(),
                        },
                        "Period": 60,
                        "Stat": "Maximum",
                    },
                    "ReturnData": True,
                }
            ],
            StartTime=now - LOOKBACK,
            EndTime=now + timedelta(minutes=1),
            ScanBy="TimestampDescending",
        )
        results = resp.get("MetricDataResults", [])
        values = results[0].get("Values", []) if results else []
        return float(values[0]) if values else None

    def alarm_state(self, ctx: ActionContext) -> str | None:
        if not self.spec.alarm_name:
            return None
        alarms = ctx.clients.get("cloudwatch", self.spec.region).describe_alarms(AlarmNames=[self.spec.alarm_name])
        found = alarms.get("MetricAlarms", [])
        return str(found[0]["StateValue"]) if found else "MISSING"

    def observe(self, ctx: ActionContext) -> Observation:
        """The alarm's state when the spec names it (what the health check follows), else the latest value."""
        state = self.alarm_state(ctx)
        if state is not None:
            side = {"ALARM": "secondary", "OK": "primary"}.get(state, "unknown")
            return Observation(side, f"alarm {self.spec.alarm_name} ({self.spec.region}) is {state}", {"alarm": state})
        value = self.latest_value(ctx)
        if value is None:
            return Observation("unknown", f"no datapoint of {self.target_label()} in the last 15 minutes")
        for side in ("primary", "secondary"):
            if value == self._value_for(side):
                return Observation(side, f"{self.target_label()} = {value:g}", {"value": value})
        return Observation("unknown", f"{self.target_label()} = {value:g} (neither side's value)", {"value": value})

    def apply(self, ctx: ActionContext) -> Change | Done:
        observed = self.observe(ctx)
        want = self._value_for(ctx.target)
        planned = [] if observed.side == ctx.target else [f"publish {self.target_label()} = {want:g}"]
        undo = [
            {
                "api": "cloudwatch.PutMetricData",
                "region": self.spec.region,
                "Namespace": self.spec.namespace,
                "MetricName": self.spec.metric_name,
                "Dimensions": self._dimensions(),
                "Value": self._value_for(ctx.source),
            }
        ]

        def do_change() -> str:
            ctx.clients.get("cloudwatch", self.spec.region).put_metric_data(
                Namespace=self.spec.namespace,
                MetricData=[
                    {
                        "MetricName": self.spec.metric_name,
                        "Dimensions": self._dimensions(),
                        "Value": want,
                        "Unit": "None",
                    }
                ],
            )
            return planned[0]

        return Change(observed.detail, planned, do_change, undo=undo, region=self.spec.region)

    def verify(self, ctx: ActionContext) -> list[Check]:
        failing_over = ctx.target == "secondary"
        checks: list[Check] = []
        state = self.alarm_state(ctx)
        if state is None:
            want = self._value_for(ctx.target)
            value = self.latest_value(ctx)
            checks.append(
                Check(
                    name=f"{self.name}: metric shows {ctx.target}",
                    ok=value == want,
                    detail=f"{self.target_label()} = {'no data' if value is None else f'{value:g}'}",
                    values={"value": value, "expected": want},
                )
            )
        else:
            expected = "ALARM" if failing_over else "OK"
            checks.append(
                Check(
                    name=f"{self.name}: alarm {self.spec.alarm_name} is {expected}",
                    ok=state == expected,
                    detail=f"alarm {self.spec.alarm_name} ({self.spec.region}) is {state}",
                    values={"state": state, "expected": expected},
                )
            )
        if self.spec.health_check_id:
            status = ctx.clients.get("route53").get_health_check_status(HealthCheckId=self.spec.health_check_id)
            observations = status.get("HealthCheckObservations", [])
            ok_count = sum(1 for o in observations if o["StatusReport"]["Status"].startswith("Success"))
            share = 100.0 * ok_count / len(observations) if observations else 0.0
            healthy = share > HEALTHY_SHARE
            checks.append(
                Check(
                    name=f"{self.name}: health check {'unhealthy' if failing_over else 'healthy'}",
                    ok=healthy != failing_over,
                    detail=f"health check {self.spec.health_check_id}: {share:.0f}% of checkers report healthy",
                    values={"healthy_percent": share, "expected_healthy": not failing_over},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "data",
                "cloudwatch",
                "PutMetricData",
                self.spec.region,
                "publishes the metric behind the CLOUDWATCH_METRIC health check; keep it in the standby region",
                "",
            )
        ]
