"""The scheduled plan evaluation in template.yaml: the schedule parameter, the function, its alarm and the dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from failoverctl.template import ROOT, Resolver, functions, load_template


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_the_evaluation_runs_every_30_minutes_by_default_from_a_parameter(template: dict[str, Any]) -> None:
    assert template["Parameters"]["EvaluationSchedule"]["Default"] == "rate(30 minutes)"
    function = template["Resources"]["EvaluateFunction"]["Properties"]
    [event] = function["Events"].values()
    assert event["Type"] == "Schedule"
    assert event["Properties"]["Schedule"] == {"Ref": "EvaluationSchedule"}
    assert json.loads(event["Properties"]["Input"]) == json.loads(
        (ROOT / "events" / "function_evaluate_input.json").read_text()
    )


def test_the_function_knows_the_execute_role_it_simulates(template: dict[str, Any]) -> None:
    evaluate = next(f for f in functions(template) if f.logical_id == "EvaluateFunction")
    assert evaluate.environment["EXECUTE_ROLE_ARN"] == {"Fn::GetAtt": ["ExecuteFunctionRole", "Arn"]}
    resolved = Resolver(template).resolve(evaluate.environment["READINESS_ALARM_PREFIX"])
    assert resolved == "failover-drill-readiness"
    assert (evaluate.code_uri / "app.py").is_file()


def test_findings_raise_an_alarm_that_notifies_and_show_on_the_dashboard(template: dict[str, Any]) -> None:
    alarm = template["Resources"]["ReadinessFindingsAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("Failover", "ReadinessFindings")
    assert alarm["Dimensions"] == [{"Name": "Group", "Value": "(all)"}]
    assert alarm["AlarmActions"] == [{"Ref": "FailoverTopic"}]
    body = template["Resources"]["FailoverDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "${ReadinessFindingsAlarm.Arn}" in body
    assert "ReadinessFindings" in body and "${EvaluateFunction}" in body


def test_the_function_metric_and_alarm_names_match_the_library(template: dict[str, Any]) -> None:
    from failover.readiness.publish import ALL_GROUPS, METRIC

    alarm = template["Resources"]["ReadinessFindingsAlarm"]["Properties"]
    assert alarm["MetricName"] == METRIC
    assert alarm["Dimensions"][0]["Value"] == ALL_GROUPS
    put_alarm = next(
        s
        for s in template["Resources"]["EvaluateFunction"]["Properties"]["Policies"][0]["Statement"]
        if isinstance(s, dict) and s.get("Action") == "cloudwatch:PutMetricAlarm"
    )
    assert put_alarm["Resource"]["Fn::Sub"].endswith("alarm:${AWS::StackName}-readiness-*")
