"""Symmetric stacks and the group lease through ``failoverctl drill --json``: a region lost, a partition,
a holder that stops answering mid-failover."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.cli.helpers import simulated_seconds

from failoverctl.cli import main


def drill(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code = main(["drill", "--scenario", name, "--json"])
    body: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0, body["problems"]
    assert body["passed"] is True
    simulated_seconds(body)
    return body


def check(body: dict[str, Any], name: str) -> dict[str, Any]:
    """A check of the first execution's decision."""
    return next(c for c in body["decision"]["checks"] if c["name"] == name)


def test_the_standby_stack_fails_over_alone_when_the_primary_region_is_gone(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given us-east-1 and its stack are gone, When the us-west-2 probe of the primary fires
    body = drill("automation-region-down", capsys)
    # Then the us-west-2 stack ran the only execution, in its own region
    [gate] = body["gates"]
    assert (gate["stack"], gate["outcome"], gate["status"]) == ("us-west-2", "proceed", "SUCCEEDED")
    assert check(body, "target is this stack's region")["values"]["stack_region"] == "us-west-2"
    # And the lease was granted by two of three lock tables, us-east-1's unreachable
    lock = gate["lease"]
    assert lock["values"]["token"] == gate["lease_token"] == 1
    assert "2 of 3 lock tables (majority 2)" in lock["detail"] and "unreachable: us-east-1" in lock["detail"]
    assert body["active_after"] == "secondary"


def test_a_partition_lets_exactly_one_stack_activate(capsys: pytest.CaptureFixture[str]) -> None:
    body = drill("partition-split-brain", capsys)
    gates = body["gates"]
    assert sorted(g["stack"] for g in gates) == ["us-east-1", "us-west-2"]
    assert sorted(g["outcome"] for g in gates) == ["proceed", "skip"]
    [winner] = [g for g in gates if g["outcome"] == "proceed"]
    [loser] = [g for g in gates if g["outcome"] == "skip"]
    assert "in progress" in loser["reason"] and loser["end_state"] == "Skipped"
    # the stack that stood down said so on its own topic
    assert "skipped" in body["stand_down_notices"]
    # the refusal names the one holder and its token
    assert loser["lease"]["ok"] is False
    assert loser["lease"]["values"]["owner"] == winner["lock_owner"]
    assert loser["lease"]["values"]["token"] == winner["lease_token"] == 1
    assert body["active_after"] == ("secondary" if winner["stack"] == "us-west-2" else "primary")


def test_a_new_holder_takes_over_with_a_higher_token_and_the_late_write_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    body = drill("lease-holder-crash", capsys)
    old, new = body["gates"]
    assert (old["status"], new["status"]) == ("FAILED", "SUCCEEDED")
    assert (old["lease_token"], new["lease_token"]) == (1, 2)
    assert new["lease"]["values"]["took_over"] == old["lock_owner"]
    late = body["late_writes"]
    assert len(late) == 2  # both changes of the stage were in flight
    for write in late:
        assert write["errorType"] == "StaleLeaseError"
        assert "(token 1)" in write["errorMessage"] and "token 2" in write["errorMessage"]
    # every lock table carries the new token: the next grant's will be higher still
    assert {t["token"] for t in body["lease_after"]} == {2}
    assert body["active_after"] == "secondary"
    # And on the virtual clock the take-over moves traffic only once the old holder's lease ran out
    seconds = simulated_seconds(body)
    assert seconds["first_change"] - seconds["decision"] > 900  # safety.lock_ttl_seconds of the plan
    events = [t["event"] for t in body["simulated_time"]["ticks"]]
    assert events.index("stopped") < events.index("lease expired") < events.index("change")
