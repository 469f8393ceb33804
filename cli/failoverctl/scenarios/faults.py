"""Fault scenarios: a throttled control plane, a change that never converges, a crash halfway, an alarm storm.

Each one injects what real incidents bring and states what must hold afterwards:

- ``route53-throttled``: Route 53 answers ``Throttling`` twice; botocore retries with backoff and
  the failover succeeds. The report lists every attempt (``faults``).
- ``verify-never-converges``: the record changes but DNS keeps answering the primary; verification
  gives up after the group's ``verification.attempts`` and the failure path runs: notified
  ``failed``, lock released, incident recorded as failed, traffic state not claimed.
- ``crash-mid-failover``: the execute function's runtime dies right after it changed the record;
  the first execution fails through the failure path; an operator re-drives the incident
  (``<incident>-retry-1``) and the second execution converges without changing anything again.
- ``alarm-storm``: 1,000 alarm events for 20 groups inside one second, with redeliveries, repeated
  transitions and out-of-order ``OK``s: one execution per affected group, every event accounted for.
"""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, primary_down, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

CHANGE_API = "route53.ChangeResourceRecordSets"


def _mark(world: World, ctx: Context) -> None:
    """Remember where the call log stands: what follows is the pipeline's, not the world's setup."""
    ctx.extra["_mark"] = len(world.sim.calls)


def _calls_since_mark(world: World, ctx: Context, api: str | None = None) -> list[Any]:
    calls = list(world.sim.calls)[int(ctx.extra.get("_mark", 0)) :]
    return [c for c in calls if api is None or c.api == api]


def _final(report: DrillReport, index: int) -> dict[str, Any]:
    return report.executions[index].final if len(report.executions) > index else {}


def _actions(report: DrillReport, index: int) -> list[dict[str, Any]]:
    return list((_final(report, index).get("cursor") or {}).get("completed") or [])


def _latest_incident(world: World, group: Group, incident_id: str) -> dict[str, Any]:
    return next((i for i in world.store.incidents(group.name) if i.get("incident_id") == incident_id), {})


def _drilled_group(report: DrillReport) -> str:
    """The group the drill ran on (a team may drill its own plan and group)."""
    request = _final(report, 0).get("request") or {} if report.executions else {}
    return str(request.get("group") or "web")


def _drop_mark(ctx: Context) -> None:
    ctx.extra.pop("_mark", None)


# ---------------------------------------------------------------------- route53-throttled

THROTTLES = 2


def _throttle_route53(world: World, group: Group, ctx: Context) -> None:
    primary_down(world, group, ctx)
    _mark(world, ctx)
    world.sim.inject(CHANGE_API, "throttle", THROTTLES)


def _collect_faults(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    calls = _calls_since_mark(world, ctx, CHANGE_API)
    first = calls[0].at if calls else 0.0
    ctx.extra["faults"] = {
        "injected": {"api": CHANGE_API, "kind": "throttle", "count": THROTTLES},
        "attempts": [
            {"api": c.api, "served_by": c.served_by, "after_ms": round((c.at - first) * 1000, 1)} for c in calls
        ],
    }
    _drop_mark(ctx)
    return []


def _retried_then_changed(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    attempts = [a["served_by"] for a in ctx.extra["faults"]["attempts"]]
    if attempts != ["fault"] * THROTTLES + ["moto"]:
        problems.append(f"expected {THROTTLES} throttled attempts then one served, got {attempts}")
    records = [a.get("status") for a in _actions(report, 0) if a.get("action") == "route53_records"]
    if records != ["changed"]:
        problems.append(f"expected the record change to succeed once after the retries, got {records}")
    return problems


register(
    Scenario(
        name="route53-throttled",
        summary="Route 53 throttles the record change twice; the SDK retries with backoff and the failover succeeds.",
        setup=_throttle_route53,
        post=_collect_faults,
        expect=Expect(notified=["started", "succeeded"], extra=_retried_then_changed),
    )
)


# ---------------------------------------------------------------------- verify-never-converges


def _dns_stuck_on_primary(world: World, group: Group, ctx: Context) -> None:
    """TestDNSAnswer keeps answering the primary's values for the group's records (a stale resolver path)."""
    primary_down(world, group, ctx)
    stuck = {
        spec.record_name.rstrip(".").lower(): list(spec.primary.values or [])
        for _stage, _name, spec in group.iter_actions()
        if spec.type == "route53_records"
    }
    real = world.sim.handlers["route53.TestDNSAnswer"]

    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        answer = real(params, region)
        values = stuck.get(str(params.get("RecordName", "")).rstrip(".").lower())
        if values is not None:
            answer["RecordData"] = values
        return answer

    world.sim.register("route53.TestDNSAnswer", handler)


def _failed_and_cleaned_up(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    group = world.plan.group(_drilled_group(report))
    final = _final(report, 0)
    every = (final.get("cursor") or {}).get("verifications") or []
    # the stage whose change never shows: earlier stages of a team's plan may have verified
    stuck = every[-1].get("stage") if every else None
    verifications = [v for v in every if v.get("stage") == stuck]
    attempts = group.verification.attempts
    if len(verifications) != attempts or any(v.get("ok") for v in verifications):
        problems.append(
            f"expected {attempts} failed verification attempts, got "
            f"{[(v.get('attempt'), v.get('ok')) for v in verifications]}"
        )
    if (final.get("error") or {}).get("Error") != "VerificationFailed":
        problems.append(f"expected the error VerificationFailed, got {final.get('error')}")
    if world.store.lock(group.name):
        problems.append(f"the group lock is still held: {world.store.lock(group.name)}")
    incident = _latest_incident(world, group, report.executions[0].name) if report.executions else {}
    if incident.get("outcome") != "failed" or incident.get("lock_released") is not True:
        problems.append(f"expected the incident recorded as failed with the lock released, got {incident}")
    if world.store.group_state(group.name).get("active_side") != "mixed":
        problems.append("after a change that did not verify, the table must record the group as mixed, not secondary")
    ctx.extra["verification"] = {
        "attempts": len(verifications),
        "max_attempts": attempts,
        "incident": {k: incident.get(k) for k in ("outcome", "reason", "error", "changes", "lock_released")},
        "recorded_active_side": world.store.group_state(group.name).get("active_side"),
    }
    return problems


register(
    Scenario(
        name="verify-never-converges",
        summary="The record changes but DNS keeps answering the primary: bounded verification, then the failure path.",
        setup=_dns_stuck_on_primary,
        expect=Expect(
            status="FAILED",
            end_state="Failed",
            active_after=None,
            notified=["started", "failed"],
            extra=_failed_and_cleaned_up,
        ),
    )
)


# ---------------------------------------------------------------------- crash-mid-failover

CRASH = {
    "errorType": "Runtime.ExitError",
    "errorMessage": "RequestId: sim Error: Runtime exited with error: signal: killed",
}


def _crash_after_first_change(world: World, group: Group, ctx: Context) -> None:
    """The execute function's runtime dies after its handler changed the record (first invocation only)."""
    primary_down(world, group, ctx)
    _mark(world, ctx)
    crashed: list[str] = []

    def fault(name: str, payload: Any, result: Any) -> dict[str, Any] | None:
        if name != "ExecuteFunction" or crashed:
            return None
        crashed.append(str((payload or {}).get("execution_id")))
        ctx.extra.setdefault("crashed_actions", []).append(str(((payload or {}).get("action") or {}).get("name")))
        return dict(CRASH)

    world.lambdas.faults.append(fault)


def _redrive(world: World, group: Group, ctx: Context, executions: list[str]) -> list[str]:
    """What an operator does after a crash: start the same incident again as ``<incident>-retry-1``."""
    if not executions:
        return []
    sfn = world.clients.get("stepfunctions")
    first = sfn.describe_execution(executionArn=executions[0])
    retry = sfn.start_execution(
        stateMachineArn=world.state_machine_arn, name=f"{first['name']}-retry-1", input=first["input"]
    )["executionArn"]
    world.wait(retry)
    changes = _calls_since_mark(world, ctx, CHANGE_API)
    ctx.extra["record_changes"] = len([c for c in changes if c.served_by != "fault"])
    _drop_mark(ctx)
    return [retry]


def _converged_without_repeating(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems: list[str] = []
    group = world.plan.group(_drilled_group(report))
    if len(report.executions) != 2:
        return problems
    first, retry = report.executions
    if (first.final.get("error") or {}).get("Error") != "Runtime.ExitError":
        problems.append(f"the first execution should fail on the crash, got {first.final.get('error')}")
    if retry.status != "SUCCEEDED" or retry.end_state != "Succeeded":
        problems.append(f"the re-drive should succeed, got {retry.status} in '{retry.end_state}'")
    # what the crashed execution changed (its timeline, and the action whose result the crash lost)
    # must not be changed again; actions it never reached may change now
    timeline = world.store.timeline(first.name)  # one incident: both executions write to it, in order
    first_close = next((i for i, e in enumerate(timeline) if e.get("kind") == "closed"), len(timeline))
    done_before = {
        str(((e.get("data") or {}).get("result") or {}).get("name"))
        for e in timeline[:first_close]
        if e.get("kind") == "action" and ((e.get("data") or {}).get("result") or {}).get("status") == "changed"
    } | set(ctx.extra.get("crashed_actions", []))
    again = [
        a.get("name") for a in _actions(report, 1) if a.get("name") in done_before and a.get("status") != "unchanged"
    ]
    if not _actions(report, 1) or again:
        problems.append(f"the re-drive should not change again what was done before the crash, got {again}")
    has_records = any(spec.type == "route53_records" for _s, _n, spec in group.iter_actions())
    if has_records and ctx.extra.get("record_changes") != 1:
        problems.append(f"the record should be changed exactly once, got {ctx.extra.get('record_changes')}")
    if world.store.lock(group.name):
        problems.append(f"the group lock is still held: {world.store.lock(group.name)}")
    incident = _latest_incident(world, group, first.name)
    if incident.get("outcome") != "succeeded":
        problems.append(f"the incident should end recorded as succeeded, got {incident.get('outcome')}")
    closed = [e for e in world.store.timeline(first.name) if e.get("kind") == "closed"]
    outcomes = [((e.get("data") or {}).get("summary") or {}).get("outcome") for e in closed]
    if outcomes != ["failed", "succeeded"]:
        problems.append(f"the timeline should close the incident as failed, then succeeded; got {outcomes}")
    ctx.extra["redrive"] = {
        "execution": retry.name,
        "status": retry.status,
        "end_state": retry.end_state,
        "actions": [
            {"name": a.get("name"), "status": a.get("status"), "detail": a.get("detail")} for a in _actions(report, 1)
        ],
        "timeline_closed": outcomes,
    }
    return problems


register(
    Scenario(
        name="crash-mid-failover",
        summary="The execute function dies right after changing DNS; the failure path runs; a re-drive converges.",
        setup=_crash_after_first_change,
        post=_redrive,
        expect=Expect(
            status="FAILED",
            end_state="Failed",
            active_after="secondary",
            executions=2,
            notified=["started", "failed", "succeeded"],
            extra=_converged_without_repeating,
        ),
    )
)


# ---------------------------------------------------------------------- alarm-storm

STORM_EVENTS = 1000
STORM_GROUPS = 20
AFFECTED = 18  # storm-01 .. storm-18 go down; storm-19 and storm-20 only see noise
STORM_SEED = 7
#: concurrent invocations of the trigger while the storm lasts (Lambda runs one per event in flight)
STORM_INVOKERS = 16
#: Lambda retries a failed asynchronous invocation twice (EventBridge invokes functions asynchronously)
ASYNC_RETRIES = 2


def affected_groups(world: World) -> list[Group]:
    """The groups that go down in the storm: storm-01..18 of the storm plan; on a smaller plan, all but the
    last (which only sees noise), or the only one."""
    groups = [g for g in world.plan.groups if g.triggers.alarms]
    if len(groups) > AFFECTED:
        return groups[:AFFECTED]
    return groups[: max(1, len(groups) - 1)]


def fails_over_unattended(group: Group) -> bool:
    """Whether an alarm alone moves the group: automatic, not a dry run, no approval that would abort."""
    safety = group.safety
    aborts = safety.approval.mode == "always" and safety.approval.on_timeout == "abort"
    return safety.automatic and not safety.dry_run and not aborts


def quiet_groups(world: World) -> list[Group]:
    affected = {g.name for g in affected_groups(world)}
    return [g for g in world.plan.groups if g.triggers.alarms and g.name not in affected]


@dataclass(frozen=True)
class StormEvent:
    event: dict[str, Any]
    group: str
    kind: str  # first | repeat | redelivery | ok | insufficient


def _storm_events(world: World, seed: int = STORM_SEED) -> list[StormEvent]:
    """1,000 alarm state changes within one second, shuffled; the mix is fixed by ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix of events, not a secret
    groups = world.plan.groups
    second = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    shapes: dict[str, dict[str, Any]] = {}
    for group in groups:
        for alarm in group.triggers.alarms:
            shapes[alarm.name] = world.alarm_event(alarm.name, alarm.region, "ALARM")

    counter = iter(range(1, 10_000))

    def make(alarm: str, group: str, state: str, previous: str, kind: str) -> StormEvent:
        event = copy.deepcopy(shapes[alarm])
        event["id"] = f"storm-{next(counter):05d}-{rng.getrandbits(48):012x}"
        event["time"] = second + "Z"
        stamp = f"{second}.{rng.randrange(1000):03d}+0000"
        event["detail"]["state"] = {"value": state, "reason": f"storm: {state}", "timestamp": stamp}
        event["detail"]["previousState"] = {"value": previous, "reason": "storm", "timestamp": stamp}
        return StormEvent(event, group, kind)

    affected = affected_groups(world)
    quiet = quiet_groups(world) or affected
    alarm_events: list[StormEvent] = []
    for group in affected:
        for alarm in group.triggers.alarms:
            alarm_events.append(make(alarm.name, group.name, "ALARM", "OK", "first"))
    out = list(alarm_events)
    for _ in range(364):  # the alarms flap: ALARM transitions again, each a new event
        group = rng.choice(affected)
        alarm = rng.choice(group.triggers.alarms)
        out.append(make(alarm.name, group.name, "ALARM", "OK", "repeat"))
    for _ in range(200):  # out-of-order OKs of the affected groups (older flaps delivered late)
        group = rng.choice(affected)
        out.append(make(rng.choice(group.triggers.alarms).name, group.name, "OK", "ALARM", "ok"))
    for i in range(100):  # the groups that stay up: OK and INSUFFICIENT_DATA noise
        group = quiet[i % len(quiet)]
        state = "OK" if i % 5 else "INSUFFICIENT_DATA"
        out.append(
            make(
                rng.choice(group.triggers.alarms).name,
                group.name,
                state,
                "OK",
                "ok" if state == "OK" else "insufficient",
            )
        )
    originals = [e for e in out if e.event["detail"]["state"]["value"] == "ALARM"]
    for _ in range(STORM_EVENTS - len(out)):  # at-least-once delivery: the same event again
        original = rng.choice(originals)
        out.append(StormEvent(copy.deepcopy(original.event), original.group, "redelivery"))
    rng.shuffle(out)
    return out


def _storm_setup(world: World, group: Group, ctx: Context) -> None:
    """Deployed with AutoFailback on, so OK transitions reach the trigger too (the harder case)."""
    world.resolver.parameters["AutoFailback"] = "true"
    for g in affected_groups(world):
        world.set_side_health(g, "primary", 0.0)
        for alarm in g.triggers.alarms:
            world.set_alarm(alarm.name, alarm.region, "ALARM", "storm: primary down")


def classify(seen: dict[str, dict[str, Any]], event_id: str, routed: Any) -> tuple[str, str, dict[str, Any] | None]:
    """(outcome, reason, trigger result) of one delivery: started | deduplicated | ignored | lost."""
    if not routed.rules:
        return "ignored", "no_rule_matches", None
    result = routed.results[0] if routed.results else {}
    if event_id in seen:
        same = json.dumps(result, sort_keys=True) == json.dumps(seen[event_id], sort_keys=True)
        return ("deduplicated", "redelivery", result) if same else ("lost", "redelivery_changed_answer", result)
    seen[event_id] = result
    status = str(result.get("status"))
    if status in ("started", "deduplicated", "ignored"):
        return status, str(result.get("reason")), result
    return "lost", status, result


class Invokers:
    """EventBridge invoking the trigger asynchronously: ``workers`` invocations in flight at once.

    A failed invocation is retried by Lambda (twice); Lambda's retry comes a minute later, long after
    a concurrent delivery of the same event has finished, so a retry here waits for that delivery.
    """

    def __init__(self, world: World, workers: int) -> None:
        self.world = world
        self.workers = workers
        self.in_flight: Counter[str] = Counter()
        self.retries = 0
        self.running = 0
        self.peak = 0  # most deliveries in flight at once
        self._cond = threading.Condition()

    def deliver(self, event: dict[str, Any]) -> Any:
        event_id = str(event.get("id"))
        for attempt in range(ASYNC_RETRIES + 1):
            with self._cond:
                if attempt:
                    self.retries += 1
                    self._cond.wait_for(lambda: self.in_flight[event_id] == 0, timeout=60)
                self.in_flight[event_id] += 1
                self.running += 1
                self.peak = max(self.peak, self.running)
            try:
                routed = self.world.route(event)
            finally:
                with self._cond:
                    self.running -= 1
                    self.in_flight[event_id] -= 1
                    self._cond.notify_all()
            if not any(r.get("status") == "error" for r in routed.results):
                return routed
        return routed

    def run(self, events: list[dict[str, Any]]) -> list[Any]:
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="trigger-invoker") as pool:
            return list(pool.map(self.deliver, events))


class StormScenario(Scenario):
    """Routes 1,000 events through the template's rules to the trigger, ``STORM_INVOKERS`` at a time,
    and accounts for every one."""

    invokers = STORM_INVOKERS

    def run(self, world: World, group: Group, ctx: Context) -> list[str]:
        events = _storm_events(world)
        mark = len(world.sim.calls)
        seen: dict[str, dict[str, Any]] = {}
        outcomes: Counter[str] = Counter()
        reasons: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        started: dict[str, list[str]] = {}
        alarm_ids: dict[str, set[str]] = {}
        lost: list[dict[str, Any]] = []
        for item in events:
            kinds[item.kind] += 1
            if item.event["detail"]["state"]["value"] == "ALARM":
                alarm_ids.setdefault(item.group, set()).add(item.event["id"])
        invokers = Invokers(world, self.invokers)
        began = time.perf_counter()
        routed_all = invokers.run([item.event for item in events])
        seconds = time.perf_counter() - began
        # a redelivery answered from the idempotency record is the same answer as the original's
        order = sorted(range(len(events)), key=lambda i: 0 if events[i].kind != "redelivery" else 1)
        for i in order:
            item, routed = events[i], routed_all[i]
            event_id = item.event["id"]
            outcome, reason, result = classify(seen, event_id, routed)
            outcomes[outcome] += 1
            reasons[f"{outcome}:{reason}"] += 1
            if outcome == "started" and result is not None:
                started.setdefault(item.group, []).append(str(result["execution_arn"]))
            elif outcome == "lost":
                lost.append({"event_id": event_id, "group": item.group, "result": result})
        calls = len(world.sim.calls) - mark
        claims = {g: int(world.store.claim(g, "failover").get("events", 0)) for g in alarm_ids}
        executions = [arn for g in sorted(started) for arn in started[g]]
        for arn in executions:
            world.wait(arn, timeout=120)
        sfn = world.clients.get("stepfunctions")
        listed = sfn.list_executions(stateMachineArn=world.state_machine_arn, maxResults=1000)["executions"]
        ctx.extra["storm"] = {
            "events": len(events),
            "groups": len(world.plan.groups),
            "affected_groups": len(alarm_ids),
            "mix": dict(sorted(kinds.items())),
            "outcomes": dict(sorted(outcomes.items())),
            "reasons": dict(sorted(reasons.items())),
            "executions_started": {g: len(a) for g, a in sorted(started.items())},
            "executions_listed": len(listed),
            "claim_events": claims,
            "distinct_alarm_events": {g: len(ids) for g, ids in sorted(alarm_ids.items())},
            "lost": lost,
            "invokers": invokers.workers,
            "peak_in_flight": invokers.peak,
            "async_retries": invokers.retries,
            "routing_seconds": round(seconds, 3),
            "events_per_second": round(len(events) / seconds, 1) if seconds else None,
            "aws_calls_while_routing": calls,
        }
        return executions


def _every_event_accounted_for(report: DrillReport, world: World, ctx: Context) -> list[str]:
    storm = ctx.extra["storm"]
    problems: list[str] = []
    outcomes = storm["outcomes"]
    if sum(outcomes.values()) != STORM_EVENTS or storm["events"] != STORM_EVENTS:
        problems.append(f"expected {STORM_EVENTS} events accounted for, got {outcomes}")
    if storm["lost"]:
        problems.append(f"{len(storm['lost'])} event(s) not accounted for: {storm['lost'][:3]}")
    affected = sorted(g.name for g in affected_groups(world))
    if sorted(storm["executions_started"]) != affected or any(n != 1 for n in storm["executions_started"].values()):
        problems.append(
            f"expected exactly one execution for each of {len(affected)} groups, got {storm['executions_started']}"
        )
    if storm["executions_listed"] != len(affected):
        problems.append(f"the state machine has {storm['executions_listed']} executions, expected {len(affected)}")
    if storm["claim_events"] != storm["distinct_alarm_events"]:
        problems.append(
            f"each group's incident should count every distinct ALARM event: claims "
            f"{storm['claim_events']} vs events {storm['distinct_alarm_events']}"
        )
    not_succeeded = [e.name for e in report.executions if e.status != "SUCCEEDED"]
    if not_succeeded:
        problems.append(f"executions that did not succeed: {not_succeeded}")
    from failoverctl.scenarios.policy import has_a_side

    for g in filter(has_a_side, world.plan.groups):
        want = "secondary" if g.name in affected and fails_over_unattended(g) else "primary"
        got = world.active_side(g)
        if got != want:
            problems.append(f"{g.name} serves {got}, expected {want}")
    return problems


register(
    StormScenario(
        name="alarm-storm",
        summary="1,000 alarm events for 20 groups in one second: one execution per affected group, none lost.",
        plan="plans/storm.yaml",
        group="storm-01",
        setup=_storm_setup,
        expect=Expect(executions=AFFECTED, notified=["started", "succeeded"], extra=_every_event_accounted_for),
    )
)
