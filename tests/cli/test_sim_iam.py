"""IAM in drills: each function's calls are evaluated against the policy template.yaml gives it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from failoverctl.drill import run_scenario
from failoverctl.scenarios import SCENARIOS
from failoverctl.sim.iam import (
    UnknownPolicy,
    acting_as,
    current_function,
    evaluate,
    expand_policies,
    request_for,
    resource_policies,
)
from failoverctl.sim.world import World
from failoverctl.template import ROOT, Resolver, load_template

PLAN = ROOT / "tests" / "plans" / "web.yaml"
ZONE_STATEMENT = {
    "Effect": "Allow",
    "Action": "route53:ChangeResourceRecordSets",
    "Resource": "arn:aws:route53:::hostedzone/Z1",
    "Condition": {
        "ForAllValues:StringEquals": {"route53:ChangeResourceRecordSetsNormalizedRecordNames": ["a.example.com"]}
    },
}


def change(*names: str) -> dict[str, Any]:
    return {
        "HostedZoneId": "/hostedzone/Z1",
        "ChangeBatch": {
            "Changes": [
                {"Action": "UPSERT", "ResourceRecordSet": {"Name": n, "Type": "CNAME", "TTL": 60}} for n in names
            ]
        },
    }


# ------------------------------------------------------------------ the evaluator


def test_a_record_change_is_allowed_only_for_the_zone_and_the_names_the_policy_names() -> None:
    # Given a policy scoped to one zone and one record name
    ok = request_for("route53.ChangeResourceRecordSets", change("A.example.com."), "us-east-1", "123456789012")
    other_name = request_for(
        "route53.ChangeResourceRecordSets", change("a.example.com", "b.example.com"), "us-east-1", "1"
    )
    # Then the record's normalized name is allowed, a batch with another name is not
    assert ok.action == "route53:ChangeResourceRecordSets"
    assert ok.resources == ["arn:aws:route53:::hostedzone/Z1"]
    assert evaluate([ZONE_STATEMENT], ok.action, ok.resources[0], ok.context) == "allow"
    assert evaluate([ZONE_STATEMENT], other_name.action, other_name.resources[0], other_name.context) == "implicit-deny"
    # and another zone is not
    assert evaluate([ZONE_STATEMENT], ok.action, "arn:aws:route53:::hostedzone/Z2", ok.context) == "implicit-deny"


def test_wildcards_follow_iam_rules_and_an_explicit_deny_wins() -> None:
    allow = {"Effect": "Allow", "Action": "RDS:Describe*", "Resource": "arn:aws:rds:*:1:cluster:db-?"}
    deny = {"Effect": "Deny", "Action": "rds:DescribeDBClusters", "Resource": "arn:aws:rds:*:1:cluster:db-2"}
    assert evaluate([allow], "rds:DescribeDBClusters", "arn:aws:rds:us-east-1:1:cluster:db-1", {}) == "allow"
    assert evaluate([allow], "rds:DescribeDBClusters", "arn:aws:rds:us-east-1:1:cluster:db-10", {}) == "implicit-deny"
    # a dot in a pattern is a dot, not any character
    dotted = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::a.b/*"}
    assert evaluate([dotted], "s3:PutObject", "arn:aws:s3:::axb/k", {}) == "implicit-deny"
    assert evaluate([allow, deny], "rds:DescribeDBClusters", "arn:aws:rds:us-east-1:1:cluster:db-2", {}) == (
        "explicit-deny"
    )


def test_a_condition_key_the_request_lacks_fails_a_plain_operator_and_passes_if_exists() -> None:
    plain = {
        "Effect": "Allow",
        "Action": "cloudwatch:PutMetricData",
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": ["Failover/web"]}},
    }
    if_exists = {**plain, "Condition": {"StringEqualsIfExists": {"cloudwatch:namespace": ["Failover/web"]}}}
    assert evaluate([plain], "cloudwatch:PutMetricData", "*", {}) == "implicit-deny"
    assert evaluate([if_exists], "cloudwatch:PutMetricData", "*", {}) == "allow"
    assert evaluate([plain], "cloudwatch:PutMetricData", "*", {"cloudwatch:namespace": ["Other"]}) == "implicit-deny"


def test_global_cluster_switchover_needs_both_the_global_cluster_and_the_target_cluster() -> None:
    req = request_for(
        "rds.SwitchoverGlobalCluster",
        {"GlobalClusterIdentifier": "orders", "TargetDbClusterIdentifier": "arn:aws:rds:us-west-2:1:cluster:orders-w"},
        "us-east-1",
        "1",
    )
    assert req.resources == ["arn:aws:rds::1:global-cluster:orders", "arn:aws:rds:us-west-2:1:cluster:orders-w"]


def test_sam_policy_templates_are_expanded_and_unknown_ones_refused() -> None:
    statements = expand_policies([{"S3WritePolicy": {"BucketName": {"Ref": "ReportBucket"}}}])
    resolved = Resolver(load_template(), physical={"ReportBucket": "reports"}).resolve(statements)
    assert resolved[0]["Resource"] == ["arn:aws:s3:::reports", "arn:aws:s3:::reports/*"]
    with pytest.raises(UnknownPolicy):
        expand_policies([{"DynamoDBCrudPolicy": {"TableName": "t"}}])
    with pytest.raises(UnknownPolicy):
        expand_policies(["arn:aws:iam::aws:policy/AdministratorAccess"])


def test_the_templates_policies_resolve_with_the_plans_parameters() -> None:
    resolver = Resolver(load_template(), parameters={"HostedZoneIds": ["Z1", "Z2"], "RecordNames": ["a.example.com"]})
    policies = resource_policies(resolver.template, resolver.resolve)
    assert set(policies) >= {"TriggerFunction", "ExecuteFunction", "VerifyFunction", "FinalizeFunction"}
    change_stmt = next(s for s in policies["ExecuteFunction"] if s.get("Sid") == "Route53ChangeOnlyThePlansRecords")
    assert change_stmt["Resource"] == ["arn:aws:route53:::hostedzone/Z1", "arn:aws:route53:::hostedzone/Z2"]
    # statements behind a false condition (no health checks in the plan) are gone, not granted
    assert not any(s.get("Sid") == "InvertThePlansHealthChecks" for s in policies["ExecuteFunction"])


def test_the_caller_is_the_innermost_running_function() -> None:
    assert current_function() is None
    with acting_as("ExecuteFunction"):
        with acting_as("HookStandIn"):
            assert current_function() == "HookStandIn"
        assert current_function() == "ExecuteFunction"
    assert current_function() is None


# ------------------------------------------------------------------ in a world


@pytest.fixture
def world() -> Iterator[World]:
    with World(PLAN) as w:
        yield w


def test_a_call_outside_the_functions_policy_fails_as_aws_fails_it(world: World) -> None:
    assert world.iam is not None
    zone = world.plan.groups[0].stages[0].actions[0].hosted_zone_id  # type: ignore[union-attr]
    r53 = world.clients.get("route53")
    # Given the validate function, which may read records but not change them
    with acting_as("ValidateFunction"), pytest.raises(ClientError) as caught:
        r53.change_resource_record_sets(
            HostedZoneId=zone,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": "app.example.com",
                            "Type": "CNAME",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "x.example.com"}],
                        },
                    }
                ]
            },
        )
    error = caught.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert "route53:ChangeResourceRecordSets" in error["Message"]
    assert f"arn:aws:route53:::hostedzone/{zone}" in error["Message"]
    assert "ValidateFunction" in error["Message"]
    denial = world.iam.denials[-1]
    assert (denial.function, denial.action) == ("ValidateFunction", "route53:ChangeResourceRecordSets")
    # and the drill harness itself (no function running) is not a function and is not restricted
    assert r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]


def test_json_apis_answer_access_denied_exception(world: World) -> None:
    ddb = world.clients.get("dynamodb")
    with acting_as("VerifyFunction"), pytest.raises(ClientError) as caught:  # verify may only PutItem
        ddb.delete_item(TableName=world.store.table_name, Key={"pk": {"S": "x"}, "sk": {"S": "y"}})
    assert caught.value.response["Error"]["Code"] == "AccessDeniedException"
    with acting_as("NotifyFunction"), pytest.raises(ClientError) as sns_caught:  # notify may publish to its topic only
        world.clients.get("sns").publish(TopicArn="arn:aws:sns:us-east-1:123456789012:other", Message="m")
    assert sns_caught.value.response["Error"]["Code"] == "AuthorizationError"


def test_calls_served_by_the_simulators_own_extensions_are_authorized_too(world: World) -> None:
    # TestDNSAnswer is served by the extension, not moto; execute's policy does not grant it
    with acting_as("ExecuteFunction"), pytest.raises(ClientError) as caught:
        world.clients.get("route53").test_dns_answer(HostedZoneId="Z1", RecordName="app.example.com", RecordType="A")
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    assert "route53:TestDNSAnswer" in caught.value.response["Error"]["Message"]


@pytest.mark.slow
def test_a_drill_on_a_template_missing_a_permission_fails_naming_function_action_and_resource(tmp_path: Path) -> None:
    # Given a copy of the template whose execute function may no longer change record sets
    text = (ROOT / "template.yaml").read_text()
    assert text.count("Action: route53:ChangeResourceRecordSets\n") == 1
    copy = tmp_path / "template.yaml"
    copy.write_text(text.replace("Action: route53:ChangeResourceRecordSets\n", "Action: route53:GetChange\n"))
    # When the primary-outage drill runs on it
    report = run_scenario(SCENARIOS["primary-outage"], plan=PLAN, template=copy, slack=False)
    # Then it fails, and says which function was refused which action on which resource
    assert not report.passed
    denied = [p for p in report.problems if p.startswith("IAM:")]
    assert len(denied) == 1
    assert "ExecuteFunction" in denied[0]
    assert "route53:ChangeResourceRecordSets" in denied[0]
    assert "arn:aws:route53:::hostedzone/" in denied[0]
    failed = [a for a in report.to_json()["actions"] if a["status"] == "failed"]
    assert failed and "AccessDenied" in str(failed[0]["detail"])
    assert report.active_after == "primary"
