"""Corroborated confirmation: the gate decides on agreeing independent signals, waits on a lone one.

- ``region-outage-corroborated``: the primary's region is gone: the trigger alarm, every checker
  region of the application's health check, the canary and AWS Health agree at the first look, and
  the failover runs without the rest of the confirmation wait.
- ``single-probe-flap``: one probe fires while the health check, the canary and AWS Health say the
  primary is fine: the gate waits the whole confirmation period, the alarm clears, nothing changes.
- ``conflicting-signals``: the trigger keeps firing but the other signals say the primary is up:
  after the whole wait a person decides, and the approval request lists every signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.checks.signals import NAME
from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, register
from failoverctl.sim.extensions.health import post_event
from failoverctl.sim.extensions.route53 import CHECKERS, set_failing_regions

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/corroborated.yaml"
SCENARIOS = ("region-outage-corroborated", "single-probe-flap", "conflicting-signals")


def applies(group: Group) -> bool:
    """The stories need a group that names signals, with trigger alarms, and lets a person decide."""
    return group.signals is not None and bool(group.triggers.alarms) and group.safety.approval.mode == "conditional"


def _signals_check(report: DrillReport) -> dict[str, Any]:
    decision = ((report.main.final.get("gate") or {}).get("decision") or {}) if report.main else {}
    return next((c for c in decision.get("checks", []) if c.get("name") == NAME), {})


def _signal_ids(world: World, group: Group) -> list[str]:
    return [hc.id for hc in group.signals.health_checks] if group.signals else []


def _set_signals(world: World, group: Group, *, down: bool, failing_regions: list[str]) -> None:
    """Every signal but the trigger: the health checks' failing checker regions, the canaries, AWS Health."""
    for hc in _signal_ids(world, group):
        set_failing_regions(world.sim, hc, failing_regions)
    for canary in group.signals.canaries if group.signals else []:
        world.set_alarm(canary.name, canary.region, "ALARM" if down else "OK", "drill: canary")
    if down:
        for service in group.health_services():
            post_event(world.sim, service, group.primary.region, f"AWS_{service}_OPERATIONAL_ISSUE")


def _events(down: bool, failing: list[str]) -> Any:
    def events(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
        ctx.extra["group"] = group.name
        if not applies(group):
            ctx.extra["not_applicable"] = "the group names no signals, no trigger alarm, or no person may decide"
            return []
        if down:
            world.set_side_health(group, "primary", 0.0)
        _set_signals(world, group, down=down, failing_regions=failing)
        alarm = group.triggers.alarms[0]
        world.set_alarm(alarm.name, alarm.region, "ALARM", "Threshold Crossed: primary endpoint failing")
        return [world.alarm_event(alarm.name, alarm.region, "ALARM")]

    return events


def _clears_at_the_last_look(world: World, group: Group, ctx: Context) -> None:
    """The probe's alarm returns to OK just before the gate's look at the end of the confirmation period."""
    if not applies(group):
        return
    alarm = group.triggers.alarms[0]

    def before(name: str, payload: Any) -> None:
        clock = ((payload or {}).get("state") or {}).get("timing", {}).get("corroboration") or {}
        if name == "ValidateFunction" and clock and clock.get("waited_seconds", 0) >= clock.get("period_seconds", 0):
            world.set_alarm(alarm.name, alarm.region, "OK", "Threshold no longer crossed")

    world.lambdas.before.append(before)


def _expect_signals(verdict: str, *, full_wait: bool, in_approval: bool = False) -> Any:
    def extra(report: DrillReport, world: World, ctx: Context) -> list[str]:
        if ctx.extra.get("not_applicable"):
            return []
        check = _signals_check(report)
        values = check.get("values") or {}
        ctx.extra["signals"] = values
        problems: list[str] = []
        if values.get("verdict") != verdict:
            problems.append(f"the signals' verdict should be {verdict}, got {values.get('verdict')}: {check}")
        waited, period = values.get("waited_seconds"), values.get("confirmation_seconds")
        if full_wait and waited != period:
            problems.append(f"the gate should wait the whole {period} s confirmation period, decided after {waited} s")
        if not full_wait and not (isinstance(waited, int) and isinstance(period, int) and waited < period):
            problems.append(f"the gate should decide before the {period} s confirmation period, after {waited} s")
        listed = [s.get("signal") for s in values.get("signals", [])]
        if "target side health" not in listed or len(listed) < 3:
            problems.append(f"every signal and the target's health belong in the decision, got {listed}")
        if in_approval:
            approvals = [str(m.get("message")) for m in report.sns if m["attributes"].get("phase") == "approval"]
            missing = [s for s in listed if not any(str(s) in text for text in approvals)]
            if not approvals or missing:
                problems.append(f"the approval request should list every signal, missing {missing}")
        return problems

    return extra


register(
    Scenario(
        name="region-outage-corroborated",
        plan=PLAN,
        summary="The primary's region is gone: the trigger, every checker region, the canary and AWS Health agree "
        "at the first look; the failover runs without the rest of the confirmation wait.",
        events=_events(True, sorted(CHECKERS)),
        expect=Expect(notified=["started", "succeeded"], extra=_expect_signals("corroborated", full_wait=False)),
    )
)
register(
    Scenario(
        name="single-probe-flap",
        plan=PLAN,
        summary="One probe fires while the other signals say the primary is fine: the gate waits the whole "
        "confirmation period, the alarm clears, nothing changes.",
        setup=_clears_at_the_last_look,
        events=_events(False, ["ap-southeast-2"]),
        expect=Expect(
            end_state="Skipped",
            outcome="skip",
            active_after="primary",
            notified=["skipped"],
            extra=_expect_signals("uncorroborated", full_wait=True),
        ),
    )
)
register(
    Scenario(
        name="conflicting-signals",
        plan=PLAN,
        summary="The trigger keeps firing but the other signals say the primary is up: after the whole wait a "
        "person decides (nobody answers: aborted), and the approval request lists every signal.",
        events=_events(False, ["sa-east-1"]),
        expect=Expect(
            end_state="Denied",
            outcome="approval",
            active_after="primary",
            notified=["approval", "denied"],
            extra=_expect_signals("conflict", full_wait=True, in_approval=True),
        ),
    )
)
