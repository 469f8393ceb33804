"""Scenarios that move every layer: a region evacuation in ordered stages, and a stage that fails."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from failover.plan import Group
from failoverctl.scenarios.base import Context, Expect, Scenario, register

if TYPE_CHECKING:
    from failoverctl.drill import DrillReport
    from failoverctl.sim.world import World

PLAN = "plans/region-evacuation.yaml"


def _actions(report: DrillReport) -> list[dict[str, Any]]:
    return list(report.main.final.get("cursor", {}).get("completed", [])) if report.main else []


def _stages_in_order(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    actions = _actions(report)
    by_stage = [(a.get("stage"), a.get("name"), a.get("status")) for a in actions]
    expected = {
        ("data-and-capacity", "checkout-db"),
        ("data-and-capacity", "checkout-fleet"),
        ("traffic", "checkout-routing"),
        ("traffic", "checkout-lb"),
    }
    if {(s, n) for s, n, _ in by_stage} != expected:
        problems.append(f"expected every action of both stages, got {by_stage}")
    if any(status != "changed" for _, _, status in by_stage):
        problems.append(f"every action should have changed something, got {by_stage}")
    stages = [a.get("stage") for a in actions]
    if stages != sorted(stages, key=lambda s: 0 if s == "data-and-capacity" else 1):
        problems.append(f"stage 2 ran before stage 1 was recorded: {stages}")
    final = report.main.final if report.main else {}
    verified = [v.get("stage") for v in final.get("cursor", {}).get("verifications", []) if v.get("ok")]
    if verified != ["data-and-capacity", "traffic"]:
        problems.append(f"each stage must be verified before the next, got {verified}")
    if report.main and report.main.state_names.count("Run Stage") != 2:
        problems.append("the timeline should show two stages")
    return problems


register(
    Scenario(
        name="region-evacuation",
        plan=PLAN,
        group="checkout",
        summary="Evacuate us-east-1: Aurora global switchover and standby scale-up in parallel, "
        "then ARC and ELB weights.",
        expect=Expect(notified=["started", "succeeded"], extra=_stages_in_order),
    )
)


def database_refuses(world: World, group: Group, ctx: Context) -> None:
    world.sim.inject("rds.SwitchoverGlobalCluster", "error", 1, code="InvalidGlobalClusterStateFault")


def _stopped_after_stage_one(report: DrillReport, world: World, ctx: Context) -> list[str]:
    problems = []
    actions = _actions(report)
    stages = {a.get("stage") for a in actions}
    if stages != {"data-and-capacity"}:
        problems.append(f"stage 2 must never start after a stage 1 failure, got stages {sorted(map(str, stages))}")
    status = {a.get("name"): a.get("status") for a in actions}
    if status.get("checkout-db") != "failed" or status.get("checkout-fleet") != "changed":
        problems.append(f"expected the database to fail and the fleet to have changed, got {status}")
    fleet = next((a for a in actions if a.get("name") == "checkout-fleet"), {})
    if not fleet.get("undo"):
        problems.append("the change made before the failure must say how to undo it")
    failed = [m for m in report.sns if m["attributes"].get("phase") == "failed"]
    if not failed or "checkout-fleet" not in str(failed[0].get("message")):
        problems.append("the failure notification must list what was changed (checkout-fleet)")
    if world.store.lock("checkout"):
        problems.append("the lock must be released after a failure")
    return problems


register(
    Scenario(
        name="stage-failure",
        plan=PLAN,
        group="checkout",
        summary="The database switchover fails in stage 1: stage 2 never starts; "
        "the failure says what changed and how to undo.",
        setup=database_refuses,
        expect=Expect(
            status="FAILED",
            end_state="Failed",
            outcome="proceed",
            active_after=None,
            notified=["started", "failed"],
            extra=_stopped_after_stage_one,
        ),
    )
)
