"""Property: whatever the order of grants, renewals, releases, partitions and the passing of time,
no two owners ever hold the group lease at once, and every grant's token is higher than the last."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from tests.unit.test_lease import REGIONS, Clock, PartitionedClients, create_tables
from tests.unit.test_lease import settings as lease_settings

from failover.infra.lease import Lease

OWNERS = ("east", "west", "europe")
TTL = 120

op = st.one_of(
    st.tuples(st.just("acquire"), st.sampled_from(OWNERS)),
    st.tuples(st.just("confirm"), st.sampled_from(OWNERS)),
    st.tuples(st.just("release"), st.sampled_from(OWNERS)),
    st.tuples(st.just("wait"), st.integers(min_value=1, max_value=200)),
    st.tuples(st.just("partition"), st.sampled_from(OWNERS), st.sets(st.sampled_from(REGIONS), max_size=3)),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=12))
def test_never_two_holders(ops: list[tuple[Any, ...]]) -> None:
    with mock_aws():
        create_tables()
        clock = Clock()
        clients = {o: PartitionedClients() for o in OWNERS}
        leases = {o: Lease(lease_settings(), clients[o], clock=clock, retries=0) for o in OWNERS}
        believed: dict[str, tuple[int, int]] = {}  # owner -> (token, expires_at) of its last success
        last_token = 0
        for step in ops:
            kind = step[0]
            if kind == "wait":
                clock.now += step[1]
            elif kind == "partition":
                clients[step[1]].down = set(step[2])
            elif kind == "acquire":
                outcome = leases[step[1]].acquire("web", step[1], "inc", TTL)
                if outcome.held:
                    assert outcome.token is not None and outcome.expires_at is not None
                    assert outcome.token > last_token, "a grant's token must be higher than every earlier grant's"
                    last_token = outcome.token
                    believed[step[1]] = (outcome.token, outcome.expires_at)
            elif kind == "confirm" and step[1] in believed:
                token, _ = believed[step[1]]
                outcome = leases[step[1]].confirm("web", step[1], token, TTL)
                if outcome.held:
                    assert outcome.expires_at is not None
                    believed[step[1]] = (token, outcome.expires_at)
            elif kind == "release" and step[1] in believed:
                leases[step[1]].release("web", step[1], believed.pop(step[1])[0])
            holders = [o for o, (_, expires) in believed.items() if expires >= clock.now]
            assert len(holders) <= 1, f"two holders at once: {holders} after {step}"
