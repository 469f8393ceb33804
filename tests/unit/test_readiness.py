"""Plan evaluation, the library: findings and their changes, the IAM each action needs, and publishing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from failover.infra.clients import Clients
from failover.plan import load_plan
from failover.readiness.findings import KINDS, STACK, Evaluation, Finding, compare
from failover.readiness.permissions import requirements, simulate
from failover.readiness.publish import ALL_GROUPS, METRIC, ReadinessEnv, ReadinessHistory, message, publish
from failoverctl.sim.extensions.inventory import decide, set_principal_statements
from failoverctl.sim.stacks import create_incident_table
from failoverctl.sim.world import plan_parameters
from failoverctl.template import Resolver, load_template

ROOT = Path(__file__).resolve().parents[2]
ROLE = "arn:aws:iam::123456789012:role/failover-ExecuteFunctionRole-ABC"
PLANS = sorted((ROOT / "plans").glob("*.yaml"))


def _finding(group: str = "web", kind: Any = "missing", resource: str = "alarm a") -> Finding:
    return Finding(group=group, kind=kind, resource=resource, detail="gone")


def _evaluation(*findings: Finding) -> Evaluation:
    return Evaluation(evaluated_at="2026-01-01T00:00:00Z", groups=["web", "api"], checks=5, findings=list(findings))


def test_a_first_clean_evaluation_is_not_a_change_and_a_first_finding_is() -> None:
    assert not compare(None, _evaluation()).changed
    first = compare(None, _evaluation(_finding()))
    assert first.changed
    assert first.new == ["web|missing|alarm a"]


def test_the_same_findings_again_are_no_change_and_new_or_resolved_ones_are() -> None:
    before = _evaluation(_finding(), _finding(kind="rpo", resource="lag")).keys()
    assert not compare(before, _evaluation(_finding(kind="rpo", resource="lag"), _finding())).changed
    change = compare(before, _evaluation(_finding(), _finding(group=STACK, kind="sns_topic", resource="topic")))
    assert change.changed
    assert change.new == ["(stack)|sns_topic|topic"]
    assert change.resolved == ["web|rpo|lag"]


def test_the_message_marks_new_and_resolved_findings() -> None:
    evaluation = _evaluation(_finding())
    change = compare(["web|rpo|lag"], evaluation)
    subject, text = message(evaluation, change)
    assert subject == "Failover readiness: 1 finding(s) in web"
    assert "- NEW [web] missing alarm a: gone" in text
    assert "- RESOLVED [web] rpo lag" in text
    assert message(_evaluation(), compare(["web|rpo|lag"], _evaluation()))[0].endswith("every check passes again")


def test_every_kind_is_a_literal_of_the_model() -> None:
    assert len(KINDS) == 9
    for kind in KINDS:
        assert _finding(kind=kind).kind == kind
    with pytest.raises(ValueError, match="kind"):
        _finding(kind="something-else")


# ---------------------------------------------------------------------- IAM


def test_the_simulation_denies_unless_an_allow_matches_and_an_explicit_deny_wins() -> None:
    allow = {"Effect": "Allow", "Action": ["rds:RebootDBInstance"], "Resource": "arn:aws:rds:*:1:db:*"}
    deny = {"Effect": "Deny", "Action": "rds:*", "Resource": "arn:aws:rds:us-east-1:1:db:orders"}
    assert decide([allow], "rds:RebootDBInstance", "arn:aws:rds:us-west-2:1:db:orders", {}) == "allowed"
    assert decide([allow], "rds:FailoverDBCluster", "arn:aws:rds:us-west-2:1:db:orders", {}) == "implicitDeny"
    assert decide([allow, deny], "rds:RebootDBInstance", "arn:aws:rds:us-east-1:1:db:orders", {}) == "explicitDeny"
    conditioned = {**allow, "Condition": {"StringEquals": {"rds:DatabaseEngine": ["postgres"]}}}
    assert decide([conditioned], "rds:RebootDBInstance", "arn:aws:rds:x:1:db:o", {}) == "implicitDeny"
    ok = {"rds:databaseengine": ["postgres"]}
    assert decide([conditioned], "rds:RebootDBInstance", "arn:aws:rds:x:1:db:o", ok) == "allowed"


def _execute_role_statements(parameters: dict[str, Any]) -> list[dict[str, Any]]:
    template = load_template()
    resolver = Resolver(template, parameters=dict(parameters))
    out: list[dict[str, Any]] = []
    for policy in template["Resources"]["ExecuteFunction"]["Properties"]["Policies"]:
        out.extend(s for s in resolver.resolve(policy["Statement"]) if isinstance(s, dict))
    return out


@pytest.mark.parametrize("path", PLANS, ids=[p.name for p in PLANS])
def test_the_deployed_execute_role_allows_every_call_of_each_plan(path: Path, sim: Any) -> None:
    """Given the execute role as the template deploys it with the plan's parameters,
    When every call of every action is simulated, Then none is denied."""
    plan = load_plan(path)
    set_principal_statements(sim, ROLE, _execute_role_statements(plan_parameters(plan)))
    findings, checked = simulate(plan, ROLE, Clients())
    assert checked >= len(requirements(plan, "123456789012"))
    assert findings == []


def test_a_plan_changed_after_deploy_is_denied_where_the_role_falls_short(sim: Any) -> None:
    plan = load_plan(ROOT / "plans" / "region-evacuation.yaml")
    parameters = plan_parameters(plan)
    routing = next(spec for _s, _n, spec in plan.group("checkout").iter_actions() if spec.type == "arc_routing_control")
    parameters["RoutingControlArns"] = [routing.primary.routing_control_arn]  # deployed before the standby's was added
    set_principal_statements(sim, ROLE, _execute_role_statements(parameters))
    findings, _ = simulate(plan, ROLE, Clients())
    assert {f.kind for f in findings} == {"iam"}
    assert {f.resource for f in findings} == {routing.secondary.routing_control_arn}
    assert any("UpdateRoutingControlStates" in f.detail for f in findings)


def test_route53_changes_are_simulated_with_the_record_names_the_policy_tests(sim: Any) -> None:
    plan = load_plan(ROOT / "plans" / "example.yaml")
    parameters = plan_parameters(plan)
    parameters["RecordNames"] = ["app.example.com"]  # api and admin were added to the plan later
    set_principal_statements(sim, ROLE, _execute_role_statements(parameters))
    findings, _ = simulate(plan, ROLE, Clients())
    assert sorted({f.group for f in findings}) == ["admin", "api"]
    assert all("ChangeResourceRecordSets" in f.detail for f in findings)


# ---------------------------------------------------------------------- publishing


@pytest.fixture
def stack(sim: Any) -> dict[str, Any]:
    clients = Clients()
    create_incident_table(clients.get("dynamodb"), "incidents")
    topic = clients.get("sns").create_topic(Name="failover")["TopicArn"]
    return {"clients": clients, "topic": topic, "history": ReadinessHistory("incidents", clients)}


def _publish(stack: dict[str, Any], evaluation: Evaluation) -> Any:
    return publish(
        evaluation,
        clients=stack["clients"],
        history=stack["history"],
        env=ReadinessEnv.model_validate({"READINESS_ALARM_PREFIX": "failover-readiness"}),
        topic_arn=stack["topic"],
        slack_secret_arn=None,
    )


def test_findings_notify_once_and_every_run_puts_a_metric_per_group(stack: dict[str, Any]) -> None:
    evaluation = _evaluation(_finding(), _finding(kind="standby_capacity", resource="asg"))
    first = _publish(stack, evaluation)
    assert first.change.changed
    assert first.notified == {"sns": "published"}
    assert sorted(first.alarms_created) == [
        "failover-readiness-api",
        "failover-readiness-stack",
        "failover-readiness-web",
    ]
    again = _publish(stack, evaluation)
    assert not again.change.changed
    assert again.notified == {}
    assert again.alarms_created == []
    assert stack["history"].last() == evaluation.keys()

    cw = stack["clients"].get("cloudwatch")
    metrics = cw.list_metrics(Namespace="Failover", MetricName=METRIC)["Metrics"]
    groups = {d["Value"] for m in metrics for d in m["Dimensions"] if d["Name"] == "Group"}
    assert groups == {"web", "api", STACK, ALL_GROUPS}
    alarm = cw.describe_alarms(AlarmNames=["failover-readiness-web"])["MetricAlarms"][0]
    assert alarm["Dimensions"] == [{"Name": "Group", "Value": "web"}]
    assert alarm["AlarmActions"] == [stack["topic"]]


def test_a_resolved_finding_notifies_again(stack: dict[str, Any]) -> None:
    _publish(stack, _evaluation(_finding()))
    resolved = _publish(stack, _evaluation())
    assert resolved.change.resolved == ["web|missing|alarm a"]
    assert resolved.notified == {"sns": "published"}
