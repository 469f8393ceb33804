"""Escalation outside the action: the stage waits for a person, the answer reaches the action, people read it."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from failover import report
from failover.actions.context import context_for
from failover.actions.escalation import AWAITING_APPROVAL
from failover.infra.clients import Clients
from failover.models import ActionResult, ActionStatus, Escalation, FailoverRequest, Source
from failover.plan import Plan, load_plan
from failover.state import EscalationWait, ExecutionState
from failover.steps.notify.messages import Incident
from failover.steps.verify import record
from failoverctl.template import ROOT

PLAN = load_plan(ROOT / "plans" / "region-evacuation.yaml")
GROUP = PLAN.group("checkout")
REQUEST = FailoverRequest(request_id="r-1", group="checkout", source=Source.ALARM, incident_id="inc-1")


def escalation(outcome: str = "awaiting_approval", lag: float | None = 0.8) -> Escalation:
    return Escalation(
        tried="rds.SwitchoverGlobalCluster",
        refused="InvalidGlobalClusterStateFault: member cluster(s) arn:...:checkout-use1 (unreachable) not available",
        impaired="AWS says arn:...:checkout-use1 cannot take part",
        path="rds.FailoverGlobalCluster with AllowDataLoss",
        policy="approval",
        outcome=outcome,  # type: ignore[arg-type]
        estimated_data_loss_seconds=lag,
        estimate="AWS/RDS AuroraGlobalDBReplicationLag of DBClusterIdentifier=checkout-usw2 in us-west-2",
        one_way="checkout-use1 must rejoin checkout-global as a secondary",
    )


def result(name: str, status: ActionStatus, **kw: Any) -> ActionResult:
    return ActionResult(action="x", name=name, stage="data-and-capacity", target=name, status=status, detail="d", **kw)


def state(results: list[ActionResult]) -> dict[str, Any]:
    stage = {
        "name": "data-and-capacity",
        "actions": [
            {"name": "checkout-db", "type": "aurora_global"},
            {"name": "checkout-fleet", "type": "asg_capacity"},
        ],
    }
    return {
        "request": REQUEST.to_json(),
        "cursor": {"stage": stage},
        "stage_results": [r.to_json() for r in results],
    }


def test_a_waiting_escalation_keeps_the_stage_open_and_reruns_only_the_waiting_action() -> None:
    waiting = result("checkout-db", ActionStatus.FAILED, error=AWAITING_APPROVAL, escalation=escalation())
    fleet = result("checkout-fleet", ActionStatus.CHANGED)
    out = ExecutionState.model_validate(record({"operation": "record", "state": state([waiting, fleet])}, PLAN, None))
    cursor = out.cursor
    assert cursor is not None and cursor.failed is False
    assert cursor.escalation is not None and cursor.escalation.pending
    assert list(cursor.escalation.actions) == ["checkout-db"]
    assert [a.name for a in cursor.stage.actions] == ["checkout-db"]
    assert [r.name for r in cursor.completed] == ["checkout-fleet"]  # the waiting result is not final


def test_a_waiting_escalation_beside_a_real_failure_fails_the_stage() -> None:
    waiting = result("checkout-db", ActionStatus.FAILED, error=AWAITING_APPROVAL, escalation=escalation())
    broken = result("checkout-fleet", ActionStatus.FAILED, error="AccessDenied")
    out = ExecutionState.model_validate(record({"operation": "record", "state": state([waiting, broken])}, PLAN, None))
    assert out.cursor is not None and out.cursor.failed is True and out.cursor.escalation is None


def _ctx(action: str, escalation: EscalationWait) -> Any:
    return context_for(
        GROUP, REQUEST, Clients(), dry_run=False, stage="data-and-capacity", action=action, escalation=escalation
    )


def test_the_answer_reaches_only_the_waiting_action_of_its_stage() -> None:
    earlier = escalation()
    wait = EscalationWait(stage="data-and-capacity", actions={"checkout-db": earlier})
    approved = EscalationWait.model_validate(
        {**wait.to_json(), "answer": {"approved": True, "by": "oncall@example.com"}}
    )
    ctx = _ctx("checkout-db", approved)
    assert (ctx.escalation_policy, ctx.escalation_approved, ctx.escalation_approved_by) == (
        "approval",
        True,
        "oncall@example.com",
    )
    assert ctx.escalation_earlier == earlier
    other = _ctx("checkout-fleet", approved)
    assert (other.escalation_earlier, other.escalation_approved) == (None, None)
    timed_out = EscalationWait.model_validate({**wait.to_json(), "answer": {"approved": False, "timed_out": True}})
    ctx = _ctx("checkout-db", timed_out)
    assert ctx.escalation_approved is False and "timed out" in str(ctx.escalation_approved_by)


def test_the_approval_message_gives_the_estimate_and_the_one_way_door() -> None:
    waiting = state([])
    waiting["cursor"]["escalation"] = EscalationWait(
        stage="data-and-capacity", actions={"checkout-db": escalation()}
    ).to_json()
    incident = Incident.from_state("approval", waiting, GROUP)
    assert incident.status == "ESCALATION APPROVAL NEEDED"
    assert "rds.SwitchoverGlobalCluster refused" in incident.summary
    assert "up to 0.8 s of writes" in incident.summary and "one-way door" in incident.summary
    text = incident.to_text()
    assert "One-way door: checkout-use1 must rejoin checkout-global as a secondary" in text
    assert "AuroraGlobalDBReplicationLag" in text
    assert any("Denied, or without an answer" in step for step in incident.next_steps)
    assert json.loads(json.dumps(incident.to_machine()))["escalations"][0]["outcome"] == "awaiting_approval"


def test_an_unknown_estimate_is_said_so() -> None:
    assert "the data loss cannot be estimated" in escalation(lag=None).summary()
    waiting = state([])
    waiting["cursor"]["escalation"] = EscalationWait(
        stage="data-and-capacity", actions={"checkout-db": escalation(lag=None)}
    ).to_json()
    assert "cannot be estimated" in Incident.from_state("approval", waiting, GROUP).summary


def test_the_report_says_what_the_escalation_did() -> None:
    done = escalation("escalated").model_copy(update={"approved_by": "oncall@example.com"})
    escalated = result("checkout-db", ActionStatus.CHANGED, escalation=done, one_way=done.one_way)
    closed = {
        "request": REQUEST.to_json(),
        "cursor": {"stage": {"name": "traffic"}, "completed": [escalated.to_json()]},
    }
    md = report.render_markdown(closed, [])
    assert "- **escalation**: rds.SwitchoverGlobalCluster refused (InvalidGlobalClusterStateFault" in md
    assert "approved by oncall@example.com" in md and "up to 0.8 s of writes may be lost" in md
    page = report.render_html(closed, [])
    assert "<strong>Escalation</strong>: rds.SwitchoverGlobalCluster refused" in page


def _doc(**safety: Any) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "plans" / "region-evacuation.yaml").read_text())
    data["groups"][0]["safety"].update(safety)
    return data


def test_the_lock_outlives_both_waits_when_an_action_may_escalate_after_approval() -> None:
    # the gate may wait 900 s, then the escalation 900 s more: a 1500 s lock would expire in between
    with pytest.raises(ValidationError, match="twice"):
        Plan.model_validate(_doc(lock_ttl_seconds=1500))
    Plan.model_validate(_doc(lock_ttl_seconds=1500, escalation="automatic"))
    never = Plan.model_validate(_doc(lock_ttl_seconds=1500, escalation="approval", approval={"mode": "never"}))
    assert never.group("checkout").safety.escalation_policy == "never"  # nobody to ask: no escalation either
