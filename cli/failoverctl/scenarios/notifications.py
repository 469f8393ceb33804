"""Notification scenarios: a broken Slack never stops or fails a failover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failoverctl.scenarios.base import Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.scenarios.base import Context
    from failoverctl.sim.world import World


def slack_breaks(server: Any) -> None:
    # the 'started' message meets 500 on every attempt (1 + 3 retries) and is given up;
    # the next one meets 429 with Retry-After: 1, waits, and is delivered
    server.program(500, 500, 500, 500, (429, 1))


def _slack_failure_recorded(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    kinds = [(e.get("kind"), str(e.get("detail"))) for e in report.timeline]
    if not any(kind == "notification_failed" and "slack" in detail.lower() for kind, detail in kinds):
        problems.append(f"the Slack failure is not in the incident timeline: {kinds}")
    texts = " ".join(str(p.get("text", "")) for p in report.slack if isinstance(p, dict))
    if "SUCCEEDED" not in texts.upper():
        problems.append("the succeeded message did not reach Slack after the 429")
    records = report.main.final.get("notifications", {}) if report.main else {}
    started = [r for r in (records.get("started") or {}).get("records", []) if r.get("channel") == "slack"]
    if not started or started[0].get("ok") is not False:
        problems.append(f"the execution output should record the failed Slack delivery, got {started}")
    return problems


register(
    Scenario(
        name="slack-down",
        summary="Slack answers 500, then 429 with Retry-After: the failover succeeds, SNS is sent, "
        "the failure is recorded.",
        setup=primary_down,
        slack=slack_breaks,
        expect=Expect(notified=["started", "succeeded"], extra=_slack_failure_recorded),
    )
)
