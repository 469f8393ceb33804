"""Corroborated confirmation through ``failoverctl drill --json``: agreeing signals decide early, a lone one waits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failoverctl.cli import main


def drill(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, Any]:
    code = main(["drill", "--scenario", name, "--json"])
    body: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert code == 0, body["problems"]
    assert body["passed"] is True
    return body


def signals_of(body: dict[str, Any]) -> dict[str, Any]:
    [check] = [c for c in body["decision"]["checks"] if c["name"] == "corroborated confirmation"]
    return dict(check["values"])


def test_a_corroborated_region_outage_is_decided_at_the_first_look(capsys: pytest.CaptureFixture[str]) -> None:
    # When every signal says the primary's region is gone
    body = drill(capsys, "region-outage-corroborated")
    values = signals_of(body)
    # Then the gate proceeded at its first look, 110 s before the confirmation wait would have ended
    assert body["decision"]["outcome"] == "proceed"
    assert (values["verdict"], values["looks"], values["waited_seconds"]) == ("corroborated", 1, 10)
    assert values["confirmation_seconds"] == 120
    assert body["states"].count("Validate Request") == 1 and "Wait For Signals" not in body["states"]
    # And each signal is there with what it read and its weight
    by_name = {s["signal"]: s for s in values["signals"]}
    assert {s["says"] for n, s in by_name.items() if n != "target side health"} == {"down"}
    [hc] = [s for n, s in by_name.items() if n.startswith("health check")]
    assert hc["value"]["unhealthy_regions_percent"] == 100.0 and hc["value"]["checker_regions"] == 8
    assert by_name["AWS Health"]["value"]["events"]
    assert by_name["target side health"]["weight"] == "required"
    assert body["active_after"] == "secondary"


def test_a_single_flapping_probe_waits_the_whole_period_then_skips(capsys: pytest.CaptureFixture[str]) -> None:
    body = drill(capsys, "single-probe-flap")
    values = signals_of(body)
    # Then the gate looked every 10 s for the whole 120 s, and the probe had cleared by then
    assert values["looks"] == 12 and values["waited_seconds"] == 120
    assert body["states"].count("Wait For Signals") == 11
    assert body["decision"]["outcome"] == "skip"
    assert "trigger cleared" in body["decision"]["reason"]
    [hc] = [s for s in values["signals"] if s["signal"].startswith("health check")]
    assert hc["says"] == "up" and hc["value"]["unhealthy_regions"] == ["ap-southeast-2"]
    assert body["active_after"] == "primary"


def test_conflicting_signals_wait_then_ask_a_person_with_every_signal(capsys: pytest.CaptureFixture[str]) -> None:
    body = drill(capsys, "conflicting-signals")
    values = signals_of(body)
    assert values["verdict"] == "conflict" and values["waited_seconds"] == values["confirmation_seconds"]
    assert body["decision"]["outcome"] == "approval"
    # And the approval request, by e-mail (SNS) and Slack, names every signal and its weight
    [slack] = [m for m in body["notifications"]["slack"] if "APPROVAL NEEDED" in m["text"]]
    blocks = json.dumps(slack["blocks"])
    for signal in values["signals"]:
        assert f"{signal['signal']}: {signal['says']} (weight {signal['weight']}" in blocks
    [sns] = [m for m in body["notifications"]["sns"] if m["attributes"].get("phase") == "approval"]
    assert all(s["signal"] in sns["message"] for s in values["signals"])
