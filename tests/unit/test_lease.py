"""The group lease over lock tables in three regions: grant, renew, expiry, a lost region, fencing."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError

from failover.errors import StaleLeaseError
from failover.infra.clients import Clients
from failover.infra.lease import Activation, Lease, fence_for
from failover.infra.store import Store
from failover.models import Decision, Outcome
from failover.plan import LeaseSettings
from failoverctl.sim.stacks import create_incident_table, create_lease_table

REGIONS = ("us-east-1", "us-west-2", "eu-west-1")
TABLE = "failover-lease"


class Clock:
    def __init__(self, now: float = 1_900_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _Down:
    """A DynamoDB resource in a region that cannot be reached."""

    def Table(self, name: str) -> Any:
        return self

    def __getattr__(self, op: str) -> Any:
        def fail(**_: Any) -> Any:
            raise EndpointConnectionError(endpoint_url=f"https://dynamodb.{op}.amazonaws.com")

        return fail


class PartitionedClients(Clients):
    """Clients for which some regions are unreachable (a partition, or a region lost)."""

    def __init__(self) -> None:
        super().__init__()
        self.down: set[str] = set()

    def resource(self, service: str, region: str | None = None, config: Any = None) -> Any:
        if region in self.down:
            return _Down()
        return super().resource(service, region, config)


def create_tables(regions: tuple[str, ...] = REGIONS, name: str = TABLE) -> None:
    for region in regions:
        create_lease_table(boto3.client("dynamodb", region_name=region), name)


def settings(regions: tuple[str, ...] = REGIONS) -> LeaseSettings:
    return LeaseSettings.model_validate({"tables": [{"region": r, "table": TABLE} for r in regions]})


@pytest.fixture
def env(aws: None) -> tuple[Lease, PartitionedClients, Clock]:
    create_tables()
    clients = PartitionedClients()
    clock = Clock()
    return Lease(settings(), clients, clock=clock, retries=0), clients, clock


def test_a_grant_takes_a_majority_and_a_second_owner_is_refused(env: Any) -> None:
    # Given three lock tables, When one execution takes the lease
    lease, _, _ = env
    first = lease.acquire("web", "exec-a", "inc-1", 600)
    # Then it holds it on every table with token 1, and another owner is told who holds it
    assert first.held and first.token == 1 and sum(v.ok for v in first.votes) == 3
    second = lease.acquire("web", "exec-b", "inc-2", 600)
    assert not second.held
    assert second.owner == "exec-a" and second.token == 1
    assert "held by exec-a (token 1)" in second.detail()


def test_tokens_increase_with_every_grant_even_after_release(env: Any) -> None:
    lease, _, _ = env
    tokens = []
    for n in range(4):
        outcome = lease.acquire("web", f"exec-{n}", f"inc-{n}", 600)
        tokens.append(outcome.token)
        assert lease.release("web", f"exec-{n}", outcome.token)
    assert tokens == [1, 2, 3, 4]


def test_an_expired_lease_is_taken_over_with_a_higher_token(env: Any) -> None:
    lease, _, clock = env
    lease.acquire("web", "crashed", "inc-1", 600)
    clock.now += 601
    outcome = lease.acquire("web", "next", "inc-2", 600)
    assert outcome.held and outcome.token == 2 and outcome.took_over == "crashed"


def test_renewal_extends_the_lease_so_it_is_not_taken_over(env: Any) -> None:
    lease, _, clock = env
    granted = lease.acquire("web", "exec-a", "inc-1", 600)
    clock.now += 500
    renewed = lease.confirm("web", "exec-a", granted.token, 600)
    assert renewed.held and renewed.expires_at == int(clock.now) + 600
    clock.now += 500  # past the first expiry, inside the renewed one
    assert not lease.acquire("web", "exec-b", "inc-2", 600).held


def test_a_holder_inside_its_margin_is_not_confirmed(env: Any) -> None:
    # the holder stops margin_seconds (30) before the end of its lease: clock drift and one write
    lease, _, clock = env
    granted = lease.acquire("web", "exec-a", "inc-1", 600)
    clock.now += 600 - 29
    assert not lease.confirm("web", "exec-a", granted.token, 600).held


def test_one_region_lost_still_grants_and_two_lost_do_not(env: Any) -> None:
    lease, clients, _ = env
    clients.down = {"eu-west-1"}
    outcome = lease.acquire("web", "exec-a", "inc-1", 600)
    assert outcome.held and outcome.unreachable == ["eu-west-1"]
    assert "unreachable: eu-west-1" in outcome.detail()
    clients.down = {"eu-west-1", "us-west-2"}
    assert not lease.confirm("web", "exec-a", outcome.token, 600).held
    assert not lease.acquire("web", "exec-b", "inc-2", 600).held


def test_a_release_records_the_activation_and_the_next_grant_sees_it_from_any_majority(env: Any) -> None:
    # Given the us-west-2 stack's execution activated us-west-2 and released the lease with all tables up
    lease, clients, clock = env
    first = lease.acquire("web", "exec-west", "inc-1", 600)
    assert lease.release("web", "exec-west", first.token, Activation("secondary", "us-west-2", "inc-1"))
    assert first.activation is None  # nothing was activated before it
    # When another stack is granted the lease later, seeing only two of the three tables
    clock.now += 120
    clients.down = {"us-west-2"}
    second = lease.acquire("web", "exec-east", "inc-2", 600)
    # Then its grant carries the group's last activation: who, what, for which incident and when
    assert second.held and second.token == 2
    assert second.activation == {
        "activated_at": 1_900_000_000,
        "activated_side": "secondary",
        "activated_region": "us-west-2",
        "activated_incident": "inc-1",
        "activated_by": "exec-west",
    }
    assert second.lock_result().last_activation == second.activation


def test_a_release_without_an_activation_keeps_the_earlier_one(env: Any) -> None:
    lease, _, clock = env
    first = lease.acquire("web", "a", "inc-1", 600)
    lease.release("web", "a", first.token, Activation("secondary", "us-west-2", "inc-1"))
    clock.now += 10
    second = lease.acquire("web", "b", "inc-2", 600)
    lease.release("web", "b", second.token)  # b stood down after the grant: it changed nothing
    third = lease.acquire("web", "c", "inc-3", 600)
    assert third.activation is not None and third.activation["activated_by"] == "a"


def test_a_partition_cannot_give_both_sides_the_lease(env: Any) -> None:
    # Given a partition: us-east-1 sees its own table and eu-west-1; us-west-2 sees only its own
    lease_east, clients_east, clock = env
    clients_east.down = {"us-west-2"}
    clients_west = PartitionedClients()
    clients_west.down = {"us-east-1", "eu-west-1"}
    lease_west = Lease(settings(), clients_west, clock=clock, retries=0)
    # When both ask at once, Then only the side that reaches a majority holds it
    east = lease_east.acquire("web", "east", "inc-e", 600)
    west = lease_west.acquire("web", "west", "inc-w", 600)
    assert east.held and not west.held


def test_a_stale_holder_is_fenced_after_a_takeover(env: Any) -> None:
    lease, _, clock = env
    old = lease.acquire("web", "old", "inc-1", 600)
    clock.now += 601
    new = lease.acquire("web", "new", "inc-2", 600)
    with pytest.raises(StaleLeaseError) as caught:
        lease.fence("web", "old", old.token, 600)
    assert caught.value.details["holder"] == "new" and caught.value.details["holder_token"] == new.token
    assert "new holds it with token 2" in caught.value.message
    # the stale holder cannot release the new holder's lease either
    assert not lease.release("web", "old", old.token)
    assert lease.confirm("web", "new", new.token, 600).held


def test_store_writes_through_a_fence_are_refused_for_a_stale_holder(env: Any) -> None:
    lease, clients, clock = env
    create_incident_table(boto3.client("dynamodb", region_name="us-east-1"), "incidents")
    store = Store("incidents", clients)
    old = lease.acquire("web", "old", "inc-1", 600)
    decision = Decision(outcome=Outcome.PROCEED, reason="r", lock_owner="old", lease_token=old.token)
    fence = fence_for(settings(), clients, "web", decision, 600)
    assert fence is not None
    store.fenced(fence).set_active("web", "secondary", "inc-1", failover=True)
    assert store.group_state("web")["active_side"] == "secondary"
    clock.now += 601
    lease.acquire("web", "new", "inc-2", 600)
    with pytest.raises(StaleLeaseError):
        store.fenced(fence).set_active("web", "primary", "inc-1", failover=True)
    assert store.group_state("web")["active_side"] == "secondary"
    # the store itself is not fenced: another execution's view is unaffected
    assert store.fence is None


def test_no_lease_token_means_no_fence(env: Any) -> None:
    _, clients, _ = env
    decision = Decision(outcome=Outcome.PROCEED, reason="r", lock_owner="x")
    assert fence_for(settings(), clients, "web", decision, 600) is None
    assert fence_for(None, clients, "web", decision, 600) is None


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ([{"region": "us-east-1", "table": TABLE}] * 3, "different region"),
        ([{"region": "us-east-1", "table": TABLE}, {"region": "us-west-2", "table": TABLE}], "at least 3"),
        (
            [
                {"region": "us-east-1", "table": f"arn:aws:dynamodb:us-west-2:123456789012:table/{TABLE}"},
                {"region": "us-west-2", "table": TABLE},
                {"region": "eu-west-1", "table": TABLE},
            ],
            "not in us-east-1",
        ),
    ],
)
def test_lease_settings_refuse_what_cannot_survive_a_region(tables: list[dict[str, str]], message: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=message):
        LeaseSettings.model_validate({"tables": tables})


def test_symmetric_stacks_need_a_lease() -> None:
    from pydantic import ValidationError

    from failover.plan import Settings

    with pytest.raises(ValidationError, match=r"settings\.symmetric needs settings\.lease"):
        Settings.model_validate({"symmetric": True})
    assert Settings.model_validate(
        {"symmetric": True, "lease": {"tables": [{"region": r, "table": TABLE} for r in REGIONS]}}
    )
