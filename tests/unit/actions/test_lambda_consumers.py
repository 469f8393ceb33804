"""lambda_event_source_mappings: the source side's consumers stop before the target's start; exactly one region."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import EndpointConnectionError
from tests.unit.actions.helpers import PRIMARY_REGION, SECONDARY_REGION, make_ctx, parse_spec, seeded

from failover.actions import build_action
from failover.actions.base import ActionContext
from failover.infra.clients import Clients
from failover.models import ActionStatus
from failover.plan import parse_plan
from failoverctl.planning.lint import lint_plan

OTHER_ACCOUNT = "210987654321"  # the plan names queues of another account; the seeder maps them


def _side(region: str) -> dict[str, Any]:
    return {
        "region": region,
        "mappings": [
            {"function_name": "order-worker", "event_source_arn": f"arn:aws:sqs:{region}:{OTHER_ACCOUNT}:orders"},
            {"function_name": "refund-worker"},
        ],
    }


SPEC = {"type": "lambda_event_source_mappings", "primary": _side(PRIMARY_REGION), "secondary": _side(SECONDARY_REGION)}


def _states(region: str) -> dict[str, str]:
    client = boto3.client("lambda", region)
    return {
        name: m["State"]
        for name in ("order-worker", "refund-worker")
        for m in client.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
    }


class SourceUnreachable(Clients):
    """Clients whose Lambda endpoint in ``region`` does not answer (a region being left, impaired)."""

    def __init__(self, region: str) -> None:
        super().__init__(PRIMARY_REGION)
        self.dead = region

    def get(self, service: str, region: str | None = None, endpoint_url: str | None = None) -> Any:
        if service == "lambda" and region == self.dead:
            raise EndpointConnectionError(endpoint_url=f"https://lambda.{region}.amazonaws.com/")
        return super().get(service, region, endpoint_url)


def _ctx_source_down(**kwargs: Any) -> ActionContext:
    ctx = make_ctx(**kwargs)
    ctx.clients = SourceUnreachable(PRIMARY_REGION)
    return ctx


def test_failover_disables_the_source_consumers_then_enables_the_targets(sim: Any) -> None:
    # Given the consumers run in us-east-1 only
    action = seeded(sim, SPEC)
    assert _states(PRIMARY_REGION) == {"order-worker": "Enabled", "refund-worker": "Enabled"}
    assert _states(SECONDARY_REGION) == {"order-worker": "Disabled", "refund-worker": "Disabled"}
    assert action.observe(make_ctx()).side == "primary"

    # When failing over
    seeded_calls = len(sim.calls)
    result = action.run(make_ctx())

    # Then they run in us-west-2 only, and us-east-1 was switched off first
    assert result.status == ActionStatus.CHANGED
    assert _states(PRIMARY_REGION) == {"order-worker": "Disabled", "refund-worker": "Disabled"}
    assert _states(SECONDARY_REGION) == {"order-worker": "Enabled", "refund-worker": "Enabled"}
    toggles = [c.region for c in sim.calls[seeded_calls:] if c.api == "lambda.UpdateEventSourceMapping"]
    assert toggles == [PRIMARY_REGION, PRIMARY_REGION, SECONDARY_REGION, SECONDARY_REGION]
    assert [(u["region"], u["Enabled"]) for u in result.undo] == [
        (SECONDARY_REGION, False),
        (SECONDARY_REGION, False),
        (PRIMARY_REGION, True),
        (PRIMARY_REGION, True),
    ]
    assert all(c.ok for c in action.safe_verify(make_ctx()))
    assert action.observe(make_ctx()).side == "secondary"


def test_second_run_dry_run_and_failback(sim: Any) -> None:
    action = seeded(sim, SPEC)
    dry = action.run(make_ctx(dry_run=True))
    assert dry.status == ActionStatus.DRY_RUN
    assert len(dry.changes) == 4
    assert _states(SECONDARY_REGION) == {"order-worker": "Disabled", "refund-worker": "Disabled"}
    action.run(make_ctx())
    assert action.run(make_ctx()).status == ActionStatus.UNCHANGED
    assert action.run(make_ctx("primary")).status == ActionStatus.CHANGED
    assert _states(PRIMARY_REGION) == {"order-worker": "Enabled", "refund-worker": "Enabled"}
    assert _states(SECONDARY_REGION) == {"order-worker": "Disabled", "refund-worker": "Disabled"}


def test_consumers_on_both_sides_are_mixed_and_get_fixed(sim: Any) -> None:
    action = seeded(sim, SPEC)
    client = boto3.client("lambda", SECONDARY_REGION)
    uuid = client.list_event_source_mappings(FunctionName="order-worker")["EventSourceMappings"][0]["UUID"]
    client.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert action.observe(make_ctx()).side == "mixed"
    result = action.run(make_ctx())
    assert len(result.changes) == 3  # two to disable, one left to enable
    assert action.observe(make_ctx()).side == "secondary"


def test_an_unreachable_source_region_does_not_stop_the_target_by_default(sim: Any) -> None:
    action = seeded(sim, SPEC)
    result = action.run(_ctx_source_down())
    assert result.status == ActionStatus.CHANGED
    assert "were not disabled" in result.detail
    assert _states(SECONDARY_REGION) == {"order-worker": "Enabled", "refund-worker": "Enabled"}
    checks = action.safe_verify(_ctx_source_down())
    assert [c.ok for c in checks] == [True, True]
    assert "not verified" in checks[1].detail


def test_an_unreachable_source_region_fails_when_the_plan_says_so(sim: Any) -> None:
    action = seeded(sim, SPEC | {"on_source_unreachable": "fail"})
    result = action.run(_ctx_source_down())
    assert result.status == ActionStatus.FAILED
    assert "on_source_unreachable: fail" in result.detail
    assert _states(SECONDARY_REGION) == {"order-worker": "Disabled", "refund-worker": "Disabled"}


def test_a_function_without_a_mapping_fails(sim: Any) -> None:
    action = seeded(sim, SPEC)
    spec = parse_spec(SPEC | {"secondary": {"region": SECONDARY_REGION, "mappings": [{"function_name": "nobody"}]}})
    action = build_action(spec, "consumers")
    result = action.run(make_ctx())
    assert result.status == ActionStatus.FAILED
    assert "no event source mapping of nobody" in result.detail


def test_lint_reports_the_source_region_only_when_the_plan_depends_on_it() -> None:
    def findings(on_source_unreachable: str) -> list[Any]:
        plan = parse_plan(
            {
                "groups": [
                    {
                        "name": "shop",
                        "primary": {"name": "east", "region": PRIMARY_REGION},
                        "secondary": {"name": "west", "region": SECONDARY_REGION},
                        "stages": [
                            {
                                "name": "go",
                                "actions": [SPEC | {"name": "c", "on_source_unreachable": on_source_unreachable}],
                            }
                        ],
                    }
                ]
            }
        )
        return lint_plan(plan)

    assert [(f.severity, f.region) for f in findings("continue")] == [("info", SECONDARY_REGION)]
    assert sorted((f.severity, f.region) for f in findings("fail")) == [
        ("error", PRIMARY_REGION),
        ("info", SECONDARY_REGION),
    ]
