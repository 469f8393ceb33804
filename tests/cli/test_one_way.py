"""``failback-after-promotion`` through ``failoverctl drill --json``: a promoted replica gates the failback."""

from __future__ import annotations

import json

import pytest

from failoverctl.cli import main


def test_failback_after_a_promotion_waits_for_re_protection(capsys: pytest.CaptureFixture[str]) -> None:
    # When the scenario runs: a failover promotes the replica, then two manual failbacks follow
    code = main(["drill", "--scenario", "failback-after-promotion", "--json"])
    body = json.loads(capsys.readouterr().out)
    # Then it meets its expectation
    assert code == 0, body["problems"]
    assert body["passed"] is True
    # And the promotion was recorded as one-way, leaving the primary, with what re-protects it
    [recorded] = body["one_way_after_failover"]
    assert (recorded["name"], recorded["from_side"], recorded["to_side"]) == ("orders-db", "primary", "secondary")
    assert "recreate it as a replica of orders-db-replica" in recorded["reprotect"]
    # And the failback before re-protection needed a person, with the check's values saying why
    before, after = body["failback_decisions"]
    assert before["outcome"] == "approval"
    values = before["check"]["values"]["actions"]["orders-db"]
    assert values["replication_source"] is None
    assert "standalone writer, not a replica" in before["reason"]
    # And once the old writer was a caught-up replica again, the failback proceeded
    assert after["outcome"] == "proceed"
    values = after["check"]["values"]["actions"]["orders-db"]
    assert values["replication_source"].endswith(":db:orders-db-replica")
    assert values["lag_seconds"] <= values["max_lag_seconds"]
    assert [e["status"] for e in body["executions"]] == ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED"]
