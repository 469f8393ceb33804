"""Actions in other accounts: the role is assumed as the plan says, and IAM refuses what AWS would."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from failover.actions import build_action
from failover.actions.context import context_for
from failover.infra.clients import Clients, role_session_name
from failover.models import ActionStatus, FailoverRequest, Source

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "plans" / "cross-account-database.yaml"
ROLE = "arn:aws:iam::222222222222:role/orders-failover"


@pytest.fixture
def world() -> Iterator[Any]:
    from failoverctl.sim.world import World

    with World(PLAN) as w:
        yield w


def database_action(world: Any) -> tuple[Any, Any]:
    group = world.plan.group("orders")
    _stage, name, spec = next(group.iter_actions())
    request = FailoverRequest(request_id="r-1", incident_id="orders-failover-42", group="orders", source=Source.MANUAL)
    return build_action(spec, name), context_for(group, request, world.clients, dry_run=False, stage="database")


def run_as_execute(world: Any) -> Any:
    from failoverctl.sim.iam import acting_as

    action, ctx = database_action(world)
    with acting_as("ExecuteFunction"):
        return action.run(ctx)


def sessions(account: str) -> list[Any]:
    from moto.sts.models import sts_backends

    return list(sts_backends[account]["aws"].assumed_roles)


def test_the_action_runs_in_the_other_account_as_the_role(world: Any) -> None:
    result = run_as_execute(world)
    assert result.status == ActionStatus.CHANGED, result.detail
    assumed = [r for r in sessions("222222222222") if r.role_arn == ROLE]
    assert [r.session_name for r in assumed] == ["failover-orders-failover-42"]
    assert assumed[0].external_id == "orders-failover-network"
    # the database exists only in the other account: the stack's account has no such cluster
    assert world.clients.get("rds", "us-west-2").describe_db_clusters()["DBClusters"] == []
    assert world.iam is not None and world.iam.denials == []


def test_a_wrong_external_id_is_refused_as_sts_would(world: Any) -> None:
    from moto.iam.models import iam_backends

    role = iam_backends["222222222222"]["aws"].get_role("orders-failover")
    trust = json.loads(role.assume_role_policy_document)
    trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"] = "something-else"
    role.assume_role_policy_document = json.dumps(trust)
    result = run_as_execute(world)
    assert result.status == ActionStatus.FAILED
    assert result.error == "AccessDenied" and "sts:AssumeRole" in result.detail


def test_a_trust_policy_that_does_not_name_the_stack_is_refused(world: Any) -> None:
    from moto.iam.models import iam_backends

    role = iam_backends["222222222222"]["aws"].get_role("orders-failover")
    trust = json.loads(role.assume_role_policy_document)
    trust["Statement"][0]["Principal"]["AWS"] = ["arn:aws:iam::123456789012:role/someone-else"]
    role.assume_role_policy_document = json.dumps(trust)
    result = run_as_execute(world)
    assert result.status == ActionStatus.FAILED and "does not allow" in result.detail


def test_a_role_that_may_not_make_the_call_fails_the_action(world: Any) -> None:
    from moto.iam.models import iam_backends

    role = iam_backends["222222222222"]["aws"].get_role("orders-failover")
    policy = json.loads(role.policies["failover-actions"])
    policy["Statement"][0]["Action"] = ["rds:DescribeGlobalClusters", "rds:DescribeDBClusters"]
    role.policies["failover-actions"] = json.dumps(policy)
    result = run_as_execute(world)
    assert result.status == ActionStatus.FAILED
    assert "rds:SwitchoverGlobalCluster" in result.detail and "orders-failover" in result.detail


def test_the_stack_may_assume_only_the_roles_its_plan_names(world: Any) -> None:
    from botocore.exceptions import ClientError

    from failoverctl.sim.iam import acting_as

    with acting_as("ExecuteFunction"), pytest.raises(ClientError) as err:
        world.clients.get("sts").assume_role(
            RoleArn="arn:aws:iam::333333333333:role/other", RoleSessionName="failover-x"
        )
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_template_parameters_grant_the_assumption_not_the_other_accounts_resources() -> None:
    from failover.plan import load_plan
    from failoverctl.planning.params import template_parameters

    params = template_parameters(load_plan(PLAN), account="123456789012")
    assert params["CrossAccountRoleArns"] == [ROLE]
    assert params["GlobalClusterArns"] == ["none"] and params["DbClusterArns"] == ["none"]


def test_clients_are_kept_per_role_and_session(aws: None) -> None:
    clients = Clients("us-east-1")
    first = clients.assuming(ROLE, session_name="failover-a", external_id="x1")
    assert clients.assuming(ROLE, session_name="failover-a", external_id="x1") is first
    assert clients.assuming(ROLE, session_name="failover-b", external_id="x1") is not first
    assert first.get("rds", "us-west-2") is first.get("rds", "us-west-2")
    # moto keys what the assumed role creates by the role's account
    first.get("sqs", "us-west-2").create_queue(QueueName="in-222")
    from moto.sqs.models import sqs_backends

    assert "in-222" in sqs_backends["222222222222"]["us-west-2"].queues
    assert "in-222" not in sqs_backends["123456789012"]["us-west-2"].queues


@pytest.mark.parametrize(
    ("incident", "expected"),
    [
        ("orders-failover-20261201T101500Z-1a2b", "failover-orders-failover-20261201T101500Z-1a2b"),
        ("a b/c#d", "failover-a-b-c-d"),
        (None, "failover-request"),
        ("x" * 80, "failover-" + "x" * 55),
    ],
)
def test_the_session_name_names_the_incident_within_sts_rules(incident: str | None, expected: str) -> None:
    assert role_session_name(incident) == expected


@pytest.fixture
def standby_world() -> Iterator[Any]:
    from failoverctl.sim.world import World

    with World(ROOT / "plans" / "cross-account-standby.yaml") as w:
        yield w


def test_the_gate_reads_a_side_in_its_own_account_as_the_sides_role(standby_world: Any) -> None:
    from failover.checks.health import GATE_SESSION, side_healthy
    from failover.checks.replication_lag import replication_lag
    from failoverctl.sim.iam import acting_as

    group = standby_world.plan.group("payments")
    side = group.secondary
    # Given the standby's alarm and lag metric exist only in its account (333333333333)
    with acting_as("ValidateFunction"):
        health = side_healthy(side, "target", 50.0, standby_world.clients)
        lag = replication_lag(group, standby_world.clients, side=side)
    # Then the gate reads them there: healthy, within the RPO budget, as the side's role
    assert health.ok and health.values["alarms"] == {"payments-usw2-5xx": "OK"}
    assert lag.ok, lag.detail
    assert GATE_SESSION in [r.session_name for r in sessions("333333333333")]
    # and a read in the stack's own account (the side without its role) finds neither
    own = side.model_copy(update={"assume_role": None})
    assert side_healthy(own, "target", 50.0, standby_world.clients).values["alarms"] == {"payments-usw2-5xx": "MISSING"}
    assert not replication_lag(group, standby_world.clients, side=own).ok
    # the stack may assume the side's role: plan params lists it with the actions' roles
    from failoverctl.planning.params import template_parameters

    assert template_parameters(standby_world.plan)["CrossAccountRoleArns"] == [side.assume_role.role_arn]
    assert standby_world.iam is not None and standby_world.iam.denials == []
