"""The plan model: the example is valid; a bad plan names every bad field; YAML errors are located."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from failover.errors import PlanError, UnknownGroupError
from failover.plan import load_plan, load_plan_text, parse_plan

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "plans" / "example.yaml"


def example() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return copy.deepcopy(data)


def test_every_plan_in_plans_is_valid() -> None:
    for path in sorted((ROOT / "plans").glob("*.yaml")):
        plan = load_plan(path)
        assert plan.groups, path


def test_example_plan_resolves_sides_and_actions() -> None:
    plan = load_plan(EXAMPLE)
    web = plan.group("web")
    assert web.sides_for("failover") == ("primary", "secondary")
    assert web.sides_for("failback") == ("secondary", "primary")
    names = [name for _stage, name, _spec in web.iter_actions()]
    assert names == ["web-dns"]
    assert web.stages[0].actions[0].record_name == "app.example.com."


def test_unknown_group_is_a_typed_error_naming_the_known_ones() -> None:
    plan = load_plan(EXAMPLE)
    with pytest.raises(UnknownGroupError) as err:
        plan.group("payments")
    assert "payments" in err.value.message
    assert "web" in err.value.details["known"]


def test_a_bad_field_is_named_with_its_path() -> None:
    data = example()
    data["groups"][0]["safety"]["confirmation_seconds"] = -5
    data["groups"][0]["stages"][0]["actions"][0]["record_type"] = "MX"
    with pytest.raises(PlanError) as err:
        parse_plan(data, "plan.yaml")
    fields = {p["field"] for p in err.value.details["problems"]}
    assert "groups.0.safety.confirmation_seconds" in fields
    assert any(f.startswith("groups.0.stages.0.actions.0") and f.endswith("record_type") for f in fields)
    assert "confirmation_seconds" in err.value.message


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["groups"].append(copy.deepcopy(d["groups"][0])), "group names must be unique"),
        (
            lambda d: d["groups"][1]["triggers"]["alarms"].append(d["groups"][0]["triggers"]["alarms"][0]),
            "triggers both",
        ),
        (lambda d: d["groups"][0]["secondary"].update(name=d["groups"][0]["primary"]["name"]), "different names"),
        (lambda d: d["groups"][0].update(stages=[]), "at least 1"),
        (lambda d: d["groups"][0]["stages"][0]["actions"][0].update(type="teleport"), "teleport"),
        (lambda d: d["groups"][0].update(unexpected="x"), "Extra inputs are not permitted"),
        (lambda d: d["groups"][1]["stages"][0]["actions"][0]["secondary"].pop("set_identifier"), "set_identifier"),
        (lambda d: d["groups"][0]["safety"].update(rpo_budget_seconds=5), "replication"),
        (lambda d: d["groups"][0]["primary"].update(region="moon-1"), "pattern"),
        (lambda d: d["groups"][0]["safety"].update(lock_ttl_seconds=900), "must outlive the wait"),
    ],
)
def test_inconsistent_plans_are_refused(mutate: Any, expected: str) -> None:
    data = example()
    mutate(data)
    with pytest.raises(PlanError) as err:
        parse_plan(data)
    assert expected in err.value.message


def test_yaml_errors_say_where() -> None:
    with pytest.raises(PlanError) as err:
        load_plan_text("groups:\n  - name: web\n    primary: [unclosed\n", "broken.yaml")
    assert "broken.yaml" in err.value.message
    assert "line" in err.value.message


@pytest.mark.parametrize("text", ["", "just a string", "- a\n- list\n", "42"])
def test_a_plan_must_be_a_mapping(text: str) -> None:
    with pytest.raises(PlanError):
        load_plan_text(text)


def test_unreadable_file_is_a_plan_error(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as err:
        load_plan(tmp_path / "missing.yaml")
    assert "cannot read" in err.value.message
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(PlanError):
        load_plan(binary)
