"""Safety-gate scenarios: lag, approval, cooldown, pause, concurrency, rate limit, stale locks, dry run, failback."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failoverctl.scenarios.base import (
    Context,
    Expect,
    Scenario,
    already_failed_over,
    fire_trigger,
    primary_down,
    register,
)

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World


def _decision(report: DrillReport, index: int = 0) -> dict[str, Any]:
    execution = report.executions[index]
    return ((execution.final.get("gate") or {}).get("decision")) or {}


def _check(report: DrillReport, name: str, index: int = 0) -> dict[str, Any]:
    return next((c for c in _decision(report, index).get("checks", []) if c.get("name") == name), {})


def lagging(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    world.set_replication_lag(group, 30.0)


def _approved_by_person(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    approval = report.main.final.get("approval") if report.main else None
    if not approval or approval.get("approved") is not True or "oncall@example.com" not in str(approval.get("by")):
        problems.append(f"expected an approval by oncall@example.com, got {approval}")
    lag = _check(report, "replication lag within RPO budget")
    if lag.get("ok") is not False or lag.get("values", {}).get("lag_seconds") is None:
        problems.append(f"the lag check should report the lag over budget, got {lag}")
    return problems


register(
    Scenario(
        name="replication-lag",
        group="api",
        summary="The Aurora global lag is over the RPO budget: approval is required; a person approves; it fails over.",
        setup=lagging,
        approver="approve",
        expect=Expect(outcome="approval", notified=["approval", "started", "succeeded"], extra=_approved_by_person),
    )
)


def _denied(report: DrillReport, world: World, ctx: Context) -> list[str]:
    approval = report.main.final.get("approval") if report.main else None
    if not approval or approval.get("approved") is not False or approval.get("timed_out"):
        return [f"expected a denial by a person, got {approval}"]
    return []


register(
    Scenario(
        name="approval-denied",
        group="api",
        summary="Approval is required (lag over budget) and a person denies: nothing changes, everyone is told.",
        setup=lagging,
        approver="deny",
        expect=Expect(
            end_state="Denied",
            outcome="approval",
            active_after="primary",
            notified=["approval", "denied"],
            extra=_denied,
        ),
    )
)


def _timed_out(report: DrillReport, world: World, ctx: Context) -> list[str]:
    approval = report.main.final.get("approval") if report.main else None
    if not approval or not approval.get("timed_out"):
        return [f"expected the approval to time out, got {approval}"]
    return []


register(
    Scenario(
        name="approval-timeout",
        group="api",
        summary="Approval is required and nobody answers: the timeout follows the policy (abort) and is notified.",
        setup=lagging,
        expect=Expect(
            end_state="Denied",
            outcome="approval",
            active_after="primary",
            notified=["approval", "denied"],
            extra=_timed_out,
        ),
    )
)


def recent_failover(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    world.store.set_active(group.name, "primary", "earlier-incident", failover=True)


register(
    Scenario(
        name="cooldown",
        summary="The group failed over minutes ago (and came back): a new alarm inside the cooldown is refused.",
        setup=recent_failover,
        expect=Expect.skipped(
            extra=lambda r, w, c: [] if _check(r, "cooldown").get("ok") is False else ["cooldown not reported"],
        ),
    )
)


def paused(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    world.store.set_paused(group.name, True, "jane@example.com", "database maintenance until 14:00")


register(
    Scenario(
        name="paused",
        summary="The group is paused for maintenance: the alarm is acknowledged, nothing changes, people are told.",
        setup=paused,
        expect=Expect.skipped(
            extra=lambda r, w, c: (
                []
                if "maintenance" in str(_check(r, "automation enabled").get("detail"))
                else ["the pause and its reason are not in the decision"]
            ),
        ),
    )
)


def two_alarms(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    return [fire_trigger(world, group, 0), fire_trigger(world, group, 1)]


def _one_started_one_joined(report: DrillReport, world: World, ctx: Context) -> list[str]:
    statuses = [r.get("status") for route in report.routes for r in route["results"]]
    if sorted(statuses) != ["deduplicated", "started"]:
        return [f"expected one started and one deduplicated, got {statuses}"]
    return []


register(
    Scenario(
        name="concurrent-alarms",
        summary="Two alarms of one group fire at once: exactly one failover; the second joins the open incident.",
        setup=primary_down,
        events=two_alarms,
        parallel=True,
        expect=Expect(notified=["started", "succeeded"], extra=_one_started_one_joined),
    )
)


def three_groups_down(world: World, group: Group, ctx: Context) -> None:
    for g in world.plan.groups:
        primary_down(world, g, ctx)
        world.set_replication_lag(g, 0.5)


def three_alarms(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    return [fire_trigger(world, g) for g in world.plan.groups]


def rate_limited_outcomes(world: World) -> list[str]:
    """The gate's outcomes when every group of the plan fails at once (sorted): the first ``max_failovers``
    groups that may proceed do, the rest wait for a person (or skip where approval is never asked);
    groups that ask approval for every failover wait, groups that act on requests only skip."""
    limit = world.plan.settings.rate_limit.max_failovers
    out: list[str] = []
    for g in world.plan.groups:
        if not g.safety.automatic:
            out.append("skip")
        elif g.safety.approval.mode == "always":
            out.append("approval")
        elif limit > 0:
            limit -= 1
            out.append("proceed")
        else:
            out.append("skip" if g.safety.approval.mode == "never" else "approval")
    return sorted(out)


def _third_waits(report: DrillReport, world: World, ctx: Context) -> list[str]:
    outcomes = sorted(str(_decision(report, i).get("outcome")) for i in range(len(report.executions)))
    problems = []
    expected = rate_limited_outcomes(world)
    if outcomes != expected:
        problems.append(f"expected the outcomes {expected} (rate limit and each group's policy), got {outcomes}")
    waiting = [e for i, e in enumerate(report.executions) if _decision(report, i).get("outcome") == "approval"]
    for e in waiting:
        rate: dict[str, Any] = next(
            (
                c
                for c in ((e.final.get("gate") or {}).get("decision") or {}).get("checks", [])
                if c.get("name") == "global rate limit"
            ),
            {},
        )
        group = world.plan.group(str((e.final.get("request") or {}).get("group")))
        if group.safety.approval.mode != "always" and rate.get("ok") is not False:
            problems.append("the waiting group's decision does not name the rate limit")
    return problems


register(
    Scenario(
        name="rate-limit",
        summary="Three groups fail at once with a limit of two failovers per hour: the third waits for a person.",
        setup=three_groups_down,
        events=three_alarms,
        expect=Expect(executions=3, end_state=None, outcome=None, active_after=None, extra=_third_waits),
    )
)


def stale_lock(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    world.store.leave_lock(
        group.name,
        "arn:aws:states:us-east-1:123456789012:execution:sm:crashed",
        "crashed",
        acquired_at="2026-01-01T00:00:00.000Z",
        expires_at=int(time.time()) - 60,
    )


def _took_over(report: DrillReport, world: World, ctx: Context) -> list[str]:
    lock = _check(report, "group lock")
    if not str(lock.get("values", {}).get("took_over", "")).endswith("crashed"):
        return [f"the decision does not report taking over the crashed execution's lock: {lock}"]
    return []


register(
    Scenario(
        name="stale-lock",
        summary="A crashed execution left its lock behind: it has expired, so it is taken over and that is reported.",
        setup=stale_lock,
        expect=Expect(notified=["started", "succeeded"], extra=_took_over),
    )
)


def dry_run_request(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    primary_down(world, group, ctx)
    return [world.request_event(group.name, dry_run=True, reason="rehearsal before the game day")]


def _nothing_changed(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    actions = report.main.final.get("cursor", {}).get("completed", []) if report.main else []
    statuses = [a.get("status") for a in actions]
    # an action with nothing to switch (a global table) reports unchanged; none may change anything
    if "dry_run" not in statuses or any(s not in ("dry_run", "unchanged") for s in statuses):
        problems.append(f"every action should report what it would change (dry_run), got {statuses}")
    if not any("DRY RUN" in str(m.get("subject")) + str(m.get("message")) for m in report.sns):
        problems.append("the notifications do not say DRY RUN")
    return problems


register(
    Scenario(
        name="dry-run",
        summary="A dry run: the whole pipeline runs, execute reports what it would change, nothing changes.",
        events=dry_run_request,
        expect=Expect(active_after="primary", notified=["started", "succeeded"], extra=_nothing_changed),
    )
)


def failed_over_and_recovered(world: World, group: Group, ctx: Context) -> list[dict[str, Any]]:
    already_failed_over(world, group, ctx)
    world.store.set_active(group.name, "secondary", "earlier-incident", failover=False)
    world.set_side_health(group, "primary", 100.0)
    return [world.request_event(group.name, direction="failback", reason="us-east-1 recovered")]


register(
    Scenario(
        name="failback",
        direction="failback",
        summary="After a failover the primary has recovered: a manual failback runs the same gate in reverse.",
        events=failed_over_and_recovered,
        expect=Expect(active_after="primary", notified=["started", "succeeded"]),
    )
)
