"""Helpers for the action tests: a context for either direction, specs seeded in the simulated AWS."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from failover.actions import build_action
from failover.actions.base import Action, ActionContext
from failover.actions.specs import ActionSpec
from failover.infra.clients import Clients
from failover.models import ActionResult, ActionStatus, Check, Direction

PRIMARY_REGION = "us-east-1"
SECONDARY_REGION = "us-west-2"
ACCOUNT = "123456789012"

_SPEC = TypeAdapter(ActionSpec)


def make_ctx(
    target: str = "secondary",
    *,
    dry_run: bool = False,
    escalation: str = "approval",
    primary_region: str = PRIMARY_REGION,
    secondary_region: str = SECONDARY_REGION,
    request: dict[str, Any] | None = None,
) -> ActionContext:
    """The context of a failover (target secondary) or a failback (target primary)."""
    source = "primary" if target == "secondary" else "secondary"
    regions = {"primary": primary_region, "secondary": secondary_region}
    return ActionContext(
        direction=Direction.FAILOVER if target == "secondary" else Direction.FAILBACK,
        source=source,
        target=target,
        source_region=regions[source],
        target_region=regions[target],
        clients=Clients(PRIMARY_REGION),
        dry_run=dry_run,
        stage="stage-1",
        group="checkout",
        incident_id="inc-1",
        request=request or {"request_id": "req-1", "group": "checkout"},
        escalation_policy=escalation,
    )


def parse_spec(data: dict[str, Any]) -> Any:
    return _SPEC.validate_python(data)


def seeded(sim: Any, data: dict[str, Any], *, active: str = "primary", name: str = "under-test") -> Action[Any]:
    """Given: the resources ``data`` names exist with ``active`` serving; the action, ids rewritten."""
    from failoverctl.sim.seeders import rewrite, seed

    spec = parse_spec(data)
    mapping = seed(spec, Clients(PRIMARY_REGION), sim, active=active)
    spec = _SPEC.validate_json(rewrite(json.dumps(data), mapping))
    return build_action(spec, name)


Invoker = Callable[[dict[str, Any]], tuple[Any, str | None]]


@dataclass
class LambdaFunctions:
    """Functions answered in-process: name -> fn(event) -> (answer, FunctionError or None)."""

    functions: dict[str, Invoker] = field(default_factory=dict)
    calls: list[dict[str, Any]] = field(default_factory=list)


def put_lag(namespace: str, metric: str, cluster_id: str, milliseconds: float) -> None:
    """The target cluster's replication lag datapoint, in the secondary region where AWS publishes it."""
    import boto3

    boto3.client("cloudwatch", SECONDARY_REGION).put_metric_data(
        Namespace=namespace,
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": [{"Name": "DBClusterIdentifier", "Value": cluster_id}],
                "Value": milliseconds,
            }
        ],
    )


def fail_over(action: Action[Any]) -> ActionResult:
    """Given the primary serves, fail over; the action must report a change."""
    assert action.observe(make_ctx()).side == "primary"
    result = action.run(make_ctx())
    assert result.status == ActionStatus.CHANGED, result.detail
    return result


def checks_before_and_after(action: Action[Any]) -> tuple[list[Check], list[Check]]:
    """The target's checks before a failover and after it."""
    before = action.safe_verify(make_ctx())
    fail_over(action)
    return before, action.safe_verify(make_ctx())


def global_cluster_spec(
    type_name: str, identifier: str, primary: tuple[str, str], secondary: tuple[str, str], account: str = ACCOUNT
) -> tuple[dict[str, Any], str, str]:
    """A global-cluster plan (Aurora or DocumentDB) from each side's (region, cluster id); with both cluster ARNs."""
    arns = [f"arn:aws:rds:{region}:{account}:cluster:{cluster}" for region, cluster in (primary, secondary)]
    spec = {
        "type": type_name,
        "global_cluster_identifier": identifier,
        "primary": {"cluster_arn": arns[0], "region": primary[0]},
        "secondary": {"cluster_arn": arns[1], "region": secondary[0]},
    }
    return spec, arns[0], arns[1]
