"""The template: it lints, every handler exists, and every sample event meets the rule it is for (and no other)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from failover.plan import load_plan
from failoverctl.sim.world import plan_parameters
from failoverctl.template import ROOT, Resolver, functions, load_template, matches, rules

EVENTS = ROOT / "events"

# sample event -> the rule it must match (None: it must match no rule)
EXPECTED_RULE = {
    "cloudwatch_health_check_alarm.json": "TriggerFunction.AlarmStateChange",
    "cloudwatch_metric_alarm.json": "TriggerFunction.AlarmStateChange",
    "cloudwatch_composite_alarm.json": "TriggerFunction.AlarmStateChange",
    "cloudwatch_alarm_ok.json": None,
    "cloudwatch_alarm_insufficient_data.json": None,
    "cloudwatch_unknown_alarm.json": None,
    "manual_failover_request.json": "TriggerFunction.FailoverRequested",
    "manual_failback_request.json": "TriggerFunction.FailoverRequested",
    "manual_unknown_group.json": "TriggerFunction.FailoverRequested",
    "drill_dry_run_request.json": "TriggerFunction.FailoverRequested",
    "rds_cluster_failover.json": "RdsEventRule",
    "rds_instance_failure.json": "RdsEventRule",
    "rds_instance_backup.json": None,
    "health_public_issue.json": "HealthEventRule",
    "health_account_specific_issue.json": "HealthEventRule",
}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resolver(template: dict[str, Any], **params: Any) -> Resolver:
    r = Resolver(template)
    r.parameters.update(plan_parameters(load_plan(ROOT / "plans" / "example.yaml")))
    r.parameters.update(params)
    return r


def test_cfn_lint_passes() -> None:
    result = subprocess.run(
        [str(Path(shutil.which("cfn-lint") or ROOT / ".venv" / "bin" / "cfn-lint")), "template.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_handler_exists_and_exports_its_function(template: dict[str, Any]) -> None:
    defs = functions(template)
    assert {d.logical_id for d in defs} >= {
        "TriggerFunction",
        "ValidateFunction",
        "ExecuteFunction",
        "VerifyFunction",
        "NotifyFunction",
        "FinalizeFunction",
        "ApproveFunction",
    }
    for d in defs:
        module, _, attr = d.handler.rpartition(".")
        source = (d.code_uri / f"{module}.py").read_text()
        assert f"def {attr}(" in source, d.logical_id


def test_functions_are_python_313_on_arm64_with_tracing(template: dict[str, Any]) -> None:
    function_globals = template["Globals"]["Function"]
    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"
    layer = template["Resources"]["FailoverLayer"]
    assert layer["Metadata"] == {"BuildMethod": "makefile", "BuildArchitecture": "arm64"}


@pytest.mark.parametrize("name", sorted(EXPECTED_RULE))
def test_each_sample_event_matches_its_rule_only(template: dict[str, Any], name: str) -> None:
    rds = ["checkout-use1", "orders-db"]
    event = json.loads((EVENTS / name).read_text())
    matched = [r.name for r in rules(template, resolver(template, RdsSourceIds=rds)) if matches(r.pattern, event)]
    expected = EXPECTED_RULE[name]
    assert matched == ([expected] if expected else [])


def test_every_rule_event_sample_is_listed() -> None:
    samples = {p.name for p in EVENTS.glob("*.json") if not p.name.startswith(("function_", "notify_"))}
    assert samples == set(EXPECTED_RULE)


def test_optional_rules_follow_their_parameters(template: dict[str, Any]) -> None:
    default = {r.name for r in rules(template, resolver(template))}
    assert "RdsEventRule" not in default and "AutoFailbackRule" not in default
    on = {r.name for r in rules(template, resolver(template, RdsSourceIds=["db"], AutoFailback="true"))}
    assert {"RdsEventRule", "AutoFailbackRule"} <= on
    ok_event = json.loads((EVENTS / "cloudwatch_alarm_ok.json").read_text())
    failback = [r for r in rules(template, resolver(template, AutoFailback="true")) if r.name == "AutoFailbackRule"]
    assert matches(failback[0].pattern, ok_event)


def test_the_health_rule_follows_the_plan_s_services_and_regions(template: dict[str, Any]) -> None:
    event = json.loads((EVENTS / "health_public_issue.json").read_text())
    off = {r.name for r in rules(template, resolver(template, HealthServices=[""], HealthRegions=[""]))}
    assert "HealthEventRule" not in off
    for params, matched in (
        ({"HealthServices": ["EC2"], "HealthRegions": ["us-east-1"]}, True),
        ({"HealthServices": ["RDS"], "HealthRegions": ["us-east-1"]}, False),
        ({"HealthServices": ["EC2"], "HealthRegions": ["eu-west-1"]}, False),
    ):
        [rule] = [r for r in rules(template, resolver(template, **params)) if r.name == "HealthEventRule"]
        assert matches(rule.pattern, event) is matched, params
    scheduled = json.loads(json.dumps(event))
    scheduled["detail"]["eventTypeCategory"] = "scheduledChange"
    [rule] = [r for r in rules(template, resolver(template)) if r.name == "HealthEventRule"]
    assert not matches(rule.pattern, scheduled)


def test_table_has_pitr_ttl_and_the_key_schema_the_store_uses(template: dict[str, Any]) -> None:
    props = template["Resources"]["IncidentTable"]["Properties"]
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["pk", "sk"]


def test_topic_is_encrypted_and_trigger_has_a_dead_letter_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    assert "KmsMasterKeyId" in resources["FailoverTopic"]["Properties"]
    dlq = resources["TriggerFunction"]["Properties"]["DeadLetterQueue"]
    assert dlq["Type"] == "SQS"
    for event in resources["TriggerFunction"]["Properties"]["Events"].values():
        assert "DeadLetterConfig" in event["Properties"]


def test_outputs_name_every_arn_a_user_needs(template: dict[str, Any]) -> None:
    assert {
        "StateMachineArn",
        "TableName",
        "TopicArn",
        "EventBusName",
        "PlanFile",
        "ApproveFunctionUrl",
        "DeadLetterQueueUrl",
    } <= set(template["Outputs"])
