"""A scenario's expectations on the drilled group: what the group's own policy says must happen.

The scenarios state what happens on the shipped plans. A team's group may ask for approval of every
failover (and proceed or abort when nobody answers), accept manual requests only, run every
failover as a dry run, have no RPO budget, or have no Route 53 record to throttle or to keep
stale. ``follow_policy`` derives the expectation the gate and the state machine must meet on
that group, so a drill reports what differs from the plan, never from an example.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from failover.plan import Group

if TYPE_CHECKING:
    from failoverctl.scenarios.base import Expect, Scenario
    from failoverctl.sim.world import World

#: scenarios whose events are a person's request (the gate's automatic-only checks do not apply)
MANUAL = {"dry-run", "failback"}
#: scenarios that put the replication lag over the budget to make the gate ask a person
LAGGING = {"replication-lag", "approval-denied", "approval-timeout"}
#: the lag those scenarios set, and the one every world starts with
SCENARIO_LAG_SECONDS, WORLD_LAG_SECONDS = 30.0, 0.2
#: scenarios of corroborated confirmation (they need a group with ``signals``)
SIGNALS = {"region-outage-corroborated", "single-probe-flap", "conflicting-signals"}
#: scenarios whose fault lands on the group's Route 53 records
ON_RECORDS = {"route53-throttled", "verify-never-converges"}


#: actions that cannot be undone: once run, both sides accept writes and nothing reads as "already on the
#: target" (a promoted replica no longer replicates from its source, which still writes)
ONE_WAY = {"rds_promote_replica"}


def _one_way(group: Group) -> bool:
    return any(spec.type in ONE_WAY for _s, _n, spec in group.iter_actions())


def _nothing_changed_again(report: Any, world: World, ctx: Any) -> list[str]:
    actions = (report.main.final.get("cursor") or {}).get("completed", []) if report.main else []
    # a hook is called on every run: it has no state to find done
    changed = [a.get("name") for a in actions if a.get("status") != "unchanged" and a.get("action") != "lambda_hook"]
    return [f"every action had run already: none may change anything again, got {changed}"] if changed else []


#: actions with no side to read (a hook has no state; a global table is active-active)
NO_SIDE = {"lambda_hook", "dynamodb_global_table"}


def has_a_side(group: Group) -> bool:
    return any(spec.type not in NO_SIDE for _s, _n, spec in group.iter_actions())


def _lag_over_budget(group: Group, lag: float) -> bool:
    budget = group.safety.rpo_budget_seconds
    return group.replication is not None and budget is not None and lag > budget


def _has_records(group: Group) -> bool:
    return any(spec.type == "route53_records" for _s, _n, spec in group.iter_actions())


def follow_policy(scenario: Scenario, world: World, group: Group) -> Expect:
    """``scenario.expect`` adjusted to ``group``'s approval, automation, dry-run and RPO policy."""
    expect = _follow(scenario, world, group)
    if not has_a_side(group):
        expect = dataclasses.replace(expect, active_after=None)  # no action says where traffic is
    return expect


def _follow(scenario: Scenario, world: World, group: Group) -> Expect:
    from failoverctl.scenarios.base import Expect

    expect: Expect = scenario.expect
    source, target = group.sides_for(scenario.direction)
    safety = group.safety
    skipped = Expect.skipped(source)
    succeeded = Expect(active_after=target, notified=["started", "succeeded"])

    if not scenario.applicable(world):  # the story needs what this plan does not have: nothing is sent
        return Expect(end_state=None, outcome=None, active_after=None, executions=0)
    if scenario.name == "alarm-storm":
        from failoverctl.scenarios.faults import affected_groups

        return dataclasses.replace(expect, executions=len(affected_groups(world)))
    if scenario.name == "failback-after-promotion":
        from failoverctl.scenarios.one_way import applies

        if not applies(group):  # nothing one-way to fail back through: the scenario sends nothing
            return Expect(end_state=None, outcome=None, active_after=None, executions=0)
        return expect
    if scenario.name in SIGNALS:
        from failoverctl.scenarios.signals import applies as names_signals

        if not names_signals(group):  # no signals to corroborate with: the scenario sends nothing
            return Expect(end_state=None, outcome=None, active_after=None, executions=0)
        return expect
    if scenario.name == "rate-limit":
        return dataclasses.replace(expect, executions=len(world.plan.groups))
    if scenario.name in ON_RECORDS and not _has_records(group):
        # nothing to throttle or to keep stale: the failover simply succeeds
        return _finish(succeeded, group, scenario, source)
    if not safety.automatic and scenario.name not in MANUAL and expect.outcome is not None:
        # alarms and RDS events are acknowledged and skipped; only people's requests act
        return dataclasses.replace(skipped, executions=expect.executions)
    if scenario.name == "already-failed-over" and _one_way(group):
        # the gate cannot see the group on the target (both sides write): it proceeds, every action
        # finds its change done and says so, and verification confirms
        return _finish(dataclasses.replace(succeeded, extra=_nothing_changed_again), group, scenario, source)
    if scenario.name == "three-region-choose-target":
        if len(group.standbys) < 2:  # the only standby is unhealthy: nothing to choose, the gate refuses
            return skipped
        expect = dataclasses.replace(expect, active_after=group.standby_keys()[1])
    lag = SCENARIO_LAG_SECONDS if scenario.name in LAGGING else WORLD_LAG_SECONDS
    if scenario.name in LAGGING:
        if not _lag_over_budget(group, lag):
            # no RPO budget to break: only the approval policy can ask a person
            return _finish(succeeded, group, scenario, source)
        if safety.on_rpo_breach == "skip" or safety.approval.mode == "never":
            return skipped
        if scenario.approver is None and safety.approval.on_timeout == "proceed":
            return dataclasses.replace(
                expect, end_state="Succeeded", active_after=target, notified=["approval", "started", "succeeded"]
            )
    elif (
        _lag_over_budget(group, lag)
        and expect.outcome == "proceed"
        and (safety.on_rpo_breach == "skip" or safety.approval.mode == "never")
    ):
        return skipped
    if scenario.name == "switchover-blocked-escalates":
        from failoverctl.scenarios.escalation import expect_for

        expect = expect_for(scenario, group)
    return _finish(expect, group, scenario, source)


def _finish(expect: Expect, group: Group, scenario: Scenario, source: str) -> Expect:
    """Approval always asked for, and every run a dry run, when the group says so."""
    safety = group.safety
    if expect.outcome == "proceed" and safety.approval.mode == "always":
        notified = ["approval", *expect.notified]
        if scenario.approver == "deny" or (scenario.approver is None and safety.approval.on_timeout == "abort"):
            return dataclasses.replace(
                expect,
                outcome="approval",
                status="SUCCEEDED",
                end_state="Denied",
                active_after=source,
                notified=["approval", "denied"],
                extra=None,
            )
        expect = dataclasses.replace(expect, outcome="approval", notified=notified)
    if safety.dry_run and expect.active_after not in (None, source) and expect.outcome != "skip":
        expect = dataclasses.replace(expect, active_after=source, extra=None)
    return expect
