"""The real definition (statemachine/failover.asl.json with the template's substitutions) on moto's
interpreter, with every function run in-process: each branch of the state machine."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from bench.run import ASL, beside_the_change, owned_calls, path_to_first_change

from failoverctl.drill import ExecutionReport, execution_report
from failoverctl.sim.extensions.route53 import resolve


def start(world: Any, group: str = "web") -> ExecutionReport:
    g = world.plan.group(group)
    world.set_side_health(g, "primary", 0.0)
    alarm = g.triggers.alarms[0]
    world.set_alarm(alarm.name, alarm.region, "ALARM")
    route = world.route(world.alarm_event(alarm.name, alarm.region))
    arn = route.results[0]["execution_arn"]
    return execution_report(world, arn)


def stale_dns(world: Any, answers_before_fresh: int | None) -> dict[str, int]:
    """TestDNSAnswer keeps answering the old record for a while (or for ever when None)."""
    calls = {"n": 0}
    sim = world.sim

    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        calls["n"] += 1
        code, data = resolve(sim, params["HostedZoneId"], params["RecordName"], params["RecordType"])
        if answers_before_fresh is None or calls["n"] <= answers_before_fresh:
            data = ["web-use1.example.com"]
        return {
            "Nameserver": "ns",
            "RecordName": params["RecordName"],
            "RecordType": params["RecordType"],
            "RecordData": data,
            "ResponseCode": code,
            "Protocol": "UDP",
        }

    sim.register("route53.TestDNSAnswer", handler)
    return calls


#: states of the started-notification branch, which runs beside the first stage's actions: their
#: order against the actions' states depends on the interpreter's scheduling
NOTICE_BRANCH = {"Started Notified?", "Notify Started", "Notice Failed", "Notified Before"}


def test_proceed_path(world: Any) -> None:
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert [n for n in report.state_names if n not in NOTICE_BRANCH] == [
        "Wait For Confirmation",
        "Validate Request",
        "Choose Path",
        "Begin Failover",
        "Run Stage",
        "Run Actions",
        "Execute Action",
        "Merge Stage Results",
        "Record Stage",
        "Stage Failed?",
        "Wait Before Verify",
        "Verify Stage",
        "Verified?",
        "Close Succeeded",
        "Notify Succeeded",
        "Succeeded",
    ]
    assert [n for n in report.state_names if n in NOTICE_BRANCH] == ["Started Notified?", "Notify Started"]
    assert report.final["notifications"]["started"]["records"][0]["channel"] == "sns"
    assert [r["action"] for r in report.final["stage_results"]] == ["route53_records"]
    assert report.final["cursor"]["done"] is True
    assert report.final["closed"]["incident"]["outcome"] == "succeeded"
    assert world.store.lock("web") == {}
    assert world.store.group_state("web")["active_side"] == "secondary"


def test_skip_path(world: Any) -> None:
    world.set_side_health(world.plan.group("web"), "secondary", 0.0)
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert report.state_names[-4:] == ["Choose Path", "Close Skipped", "Notify Skipped", "Skipped"]
    assert "Run Stage" not in report.state_names


def test_verify_retries_then_succeeds(world: Any) -> None:
    calls = stale_dns(world, answers_before_fresh=2)
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert report.state_names.count("Verify Stage") == 3
    attempts = [v["attempt"] for v in report.final["cursor"]["verifications"]]
    assert attempts == [1, 2, 3]
    assert [v["ok"] for v in report.final["cursor"]["verifications"]] == [False, False, True]
    assert calls["n"] == 3


def test_verify_exhausted_takes_the_failure_path(world: Any) -> None:
    stale_dns(world, answers_before_fresh=None)
    report = start(world)
    attempts = world.plan.group("web").verification.attempts
    assert report.status == "FAILED"
    assert report.state_names.count("Verify Stage") == attempts
    assert report.state_names[-5:] == ["Verified?", "Verification Failed", "Close Failed", "Notify Failed", "Failed"]
    assert "failed after" in report.final["error"]["Cause"]
    assert world.store.lock("web") == {}
    incidents = world.store.incidents("web")
    assert incidents[0]["outcome"] == "failed"
    phases = [m["attributes"]["phase"] for m in world.sns_messages()]
    assert phases == ["started", "failed"]


def test_a_task_error_is_caught_and_reported(world: Any) -> None:
    world.lambdas.fail("ExecuteFunction", "ActionError", "the Route 53 API said no")
    report = start(world)
    assert report.status == "FAILED"
    path = [n for n in report.state_names if n not in NOTICE_BRANCH]
    assert path[-5:] == ["Execute Action", "Record Failure", "Close Failed", "Notify Failed", "Failed"]
    assert report.final["error"]["Error"] == "ActionError"
    assert world.store.lock("web") == {}


def test_a_transient_error_is_retried(world: Any) -> None:
    failed = world.lambdas.fail("ValidateFunction", "Lambda.TooManyRequestsException", "Rate exceeded", times=1)
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert len(failed) == 1


def test_a_notification_failure_never_fails_the_failover(world: Any) -> None:
    world.lambdas.fail("NotifyFunction", "RuntimeError", "notify crashed")
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert "started_error" in report.final["notifications"]
    assert world.store.group_state("web")["active_side"] == "secondary"


@pytest.mark.parametrize("state", ["Validate Request", "Record Stage", "Verify Stage", "Close Succeeded"])
def test_every_task_retries_transient_errors_with_full_jitter(state: str) -> None:
    from failoverctl.template import ROOT

    definition = json.loads((ROOT / "statemachine" / "failover.asl.json").read_text())
    retry = definition["States"][state]["Retry"][0]
    assert "TransientError" in retry["ErrorEquals"]
    assert "Lambda.TooManyRequestsException" in retry["ErrorEquals"]
    assert retry["JitterStrategy"] == "FULL"
    assert retry["MaxAttempts"] >= 2


def test_every_arn_is_a_substitution() -> None:
    from failoverctl.template import ROOT, load_template

    text = (ROOT / "statemachine" / "failover.asl.json").read_text()
    assert "arn:aws:lambda" not in text
    subs = load_template()["Resources"]["FailoverStateMachine"]["Properties"]["DefinitionSubstitutions"]
    import re

    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(subs)


# ---------------------------------------------------------------------- the path to the first change


def _tasks(states: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, state in states.items():
        out.append((name, state))
        inner = state.get("ItemProcessor") or {}
        out += _tasks(inner.get("States", {}))
        for branch in state.get("Branches", []):
            out += _tasks(branch["States"])
    return out


def test_the_started_notice_is_a_branch_beside_the_stage_actions() -> None:
    definition = json.loads(ASL.read_text())
    run_stage = definition["States"]["Run Stage"]
    assert run_stage["Type"] == "Parallel"
    branches = {b["StartAt"]: b["States"] for b in run_stage["Branches"]}
    assert "Execute Action" in branches["Run Actions"]["Run Actions"]["ItemProcessor"]["States"]
    notice = branches["Started Notified?"]["Notify Started"]
    # the only task that notifies "started", and nothing on the way to the change waits for it
    started = [
        n
        for n, s in _tasks(definition["States"])
        if (s.get("Parameters") or {}).get("Payload", {}).get("phase") == "started"
    ]
    assert started == ["Notify Started"]
    assert ("NotifyFunction", "started") in beside_the_change(definition)
    # its failure never fails the branch (a failed branch would stop the stage's actions)
    assert notice["Catch"][0]["ErrorEquals"] == ["States.ALL"]
    assert branches["Started Notified?"][notice["Catch"][0]["Next"]].get("End") is True


def test_the_first_change_does_not_wait_for_the_started_notice(world: Any) -> None:
    stage_done = threading.Event()
    seen: dict[str, bool] = {}

    def hold_the_notice(name: str, payload: Any) -> None:
        if name == "NotifyFunction" and isinstance(payload, dict) and payload.get("phase") == "started":
            # on the path, the stage could not run while the notice waits: the wait would time out
            seen["stage_ran_meanwhile"] = stage_done.wait(timeout=30)

    def after(inv: Any) -> None:
        if inv.function == "ExecuteFunction":
            stage_done.set()

    world.lambdas.before.append(hold_the_notice)
    world.lambdas.after.append(after)
    report = start(world)
    assert report.status == "SUCCEEDED"
    assert seen == {"stage_ran_meanwhile": True}
    assert report.final["notifications"]["started"]["records"]


def test_at_most_12_aws_calls_come_before_the_first_change(world: Any) -> None:
    with owned_calls() as calls:
        report = start(world)
    assert report.status == "SUCCEEDED"
    path = path_to_first_change(list(calls), json.loads(ASL.read_text()))
    assert path.first_change is not None
    assert path.first_change.api == "route53.ChangeResourceRecordSets"
    apis = [f"{c.function}:{c.api}" for c in path.on_path]
    assert len(apis) <= 12, apis
    assert not [a for a in apis if a.startswith("NotifyFunction")], apis
    # the decision reaches the timeline all the same, at the time it was made, before the change
    timeline = world.store.timeline(report.final["request"]["incident_id"])
    kinds = [e["kind"] for e in timeline]
    assert "decision" in kinds
    assert kinds.index("decision") < kinds.index("action")
