"""Least privilege in template.yaml: no write on "*", no wildcard actions, Route 53 and secrets scoped.

Every IAM statement the template deploys is read from the template itself (inline ``Policies`` of
functions and the state machine, IAM roles and policies, and both branches of every ``!If``), so
what is checked is what deploys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from failoverctl.template import Resolver, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [ROOT / "template.yaml", *sorted((ROOT / "templates").glob("*.yaml"))]

#: prefixes of actions that only read, and reads whose names do not say so (IAM access level "Read")
READ_VERBS = ("Describe", "Get", "List", "BatchGet", "Query", "Scan")
READ_ACTIONS = {"route53:TestDNSAnswer"}

#: APIs that have no resource-level permissions: "*" is the only resource IAM accepts for them.
#: Each entry: the reason, and the condition key the statement must use where AWS offers one.
NO_RESOURCE_LEVEL: dict[str, tuple[str, str | None]] = {
    "cloudwatch:PutMetricData": ("no resource-level permissions; scoped by namespace", "cloudwatch:namespace"),
    "route53:TestDNSAnswer": ("no resource-level permissions (IAM access level Read): answers one DNS query", None),
    "logs:CreateLogDelivery": ("Step Functions log delivery: vended-log APIs require Resource *", None),
    "logs:UpdateLogDelivery": ("Step Functions log delivery: vended-log APIs require Resource *", None),
    "logs:DeleteLogDelivery": ("Step Functions log delivery: vended-log APIs require Resource *", None),
    "logs:PutResourcePolicy": ("Step Functions log delivery: the log group's resource policy, Resource *", None),
}

#: SAM policy templates that scope themselves to one named resource (their parameter)
SCOPED_POLICY_TEMPLATES = {"LambdaInvokePolicy": "FunctionName", "S3WritePolicy": "BucketName"}

#: resource types whose policy is the resource's own (Resource "*" there means this resource)
RESOURCE_POLICIES = {
    "AWS::KMS::Key": "KeyPolicy",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
}


@dataclass(frozen=True)
class Statement:
    file: str
    owner: str
    kind: str  # identity | resource
    body: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.file}:{self.owner}:{self.body.get('Sid', '?')}"

    @property
    def actions(self) -> list[str]:
        action = self.body.get("Action", [])
        return [action] if isinstance(action, str) else list(action)

    @property
    def allows(self) -> bool:
        return self.body.get("Effect") == "Allow"

    @property
    def on_everything(self) -> bool:
        resource = self.body.get("Resource")
        return resource == "*" or (isinstance(resource, list) and "*" in resource)


def _branches(value: Any) -> Iterator[dict[str, Any]]:
    """Statements, with both branches of ``Fn::If`` and without ``AWS::NoValue``."""
    if isinstance(value, list):
        for item in value:
            yield from _branches(item)
    elif isinstance(value, dict):
        if "Fn::If" in value:
            _cond, yes, no = value["Fn::If"]
            yield from _branches(yes)
            yield from _branches(no)
        elif value.get("Ref") != "AWS::NoValue":
            yield value


def statements(path: Path) -> list[Statement]:
    template = load_template(path)
    out: list[Statement] = []
    for logical, resource in (template.get("Resources") or {}).items():
        kind, props = resource.get("Type", ""), resource.get("Properties") or {}
        docs: list[tuple[str, Any]] = []
        if kind in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            policies = props.get("Policies") or []
            for policy in policies if isinstance(policies, list) else [policies]:
                if isinstance(policy, dict) and "Statement" in policy:
                    docs.append(("identity", policy["Statement"]))
        elif kind == "AWS::IAM::Role":
            docs.extend(("identity", p["PolicyDocument"]["Statement"]) for p in props.get("Policies") or [])
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            docs.append(("identity", props["PolicyDocument"]["Statement"]))
        elif kind in RESOURCE_POLICIES:
            docs.append(("resource", props[RESOURCE_POLICIES[kind]]["Statement"]))
        for doc_kind, body in docs:
            out.extend(Statement(path.name, logical, doc_kind, s) for s in _branches(body))
    return out


ALL = [s for path in TEMPLATES for s in statements(path)]
IDENTITY = [s for s in ALL if s.kind == "identity" and s.allows]


def _ids(items: list[Statement]) -> list[str]:
    return [s.name for s in items]


def is_write(action: str) -> bool:
    verb = action.split(":", 1)[1]
    return action not in READ_ACTIONS and not verb.startswith(READ_VERBS)


def test_the_templates_have_iam_statements() -> None:
    assert len(IDENTITY) > 20
    assert {s.owner for s in IDENTITY} >= {"TriggerFunction", "ExecuteFunction", "FailoverStateMachine"}


@pytest.mark.parametrize("statement", [s for s in ALL if s.allows], ids=_ids([s for s in ALL if s.allows]))
def test_no_allow_statement_uses_a_wildcard_action(statement: Statement) -> None:
    for action in statement.actions:
        assert action != "*", statement.name
        assert not action.endswith(":*"), f"{statement.name}: service wildcard {action}"


@pytest.mark.parametrize(
    "statement", [s for s in IDENTITY if s.on_everything], ids=_ids([s for s in IDENTITY if s.on_everything])
)
def test_no_write_action_on_every_resource(statement: Statement) -> None:
    for action in statement.actions:
        assert "*" not in action, f"{statement.name}: {action} with Resource *"
        if not is_write(action):
            continue
        assert action in NO_RESOURCE_LEVEL, f"{statement.name}: write action {action} on Resource *"
        _reason, condition_key = NO_RESOURCE_LEVEL[action]
        if condition_key is not None:
            conditions = statement.body.get("Condition") or {}
            keys = {key for operator in conditions.values() for key in operator}
            assert condition_key in keys, f"{statement.name}: {action} on * needs a {condition_key} condition"


def test_sam_policy_templates_are_scoped_to_one_resource() -> None:
    for path in TEMPLATES:
        for logical, resource in (load_template(path).get("Resources") or {}).items():
            if not str(resource.get("Type", "")).startswith("AWS::Serverless::"):
                continue  # IAM roles list inline policies (PolicyName, PolicyDocument), checked above
            policies = (resource.get("Properties") or {}).get("Policies") or []
            for policy in policies if isinstance(policies, list) else [policies]:
                if not isinstance(policy, dict) or "Statement" in policy:
                    continue
                assert not isinstance(policy, str), f"{logical}: managed policy {policy}"
                [(name, args)] = policy.items()
                assert name in SCOPED_POLICY_TEMPLATES, f"{logical}: policy template {name} is not known to be scoped"
                target = args[SCOPED_POLICY_TEMPLATES[name]]
                assert target not in ("*", ""), f"{logical}: {name} on {target}"


def _writes(prefix: str) -> list[Statement]:
    return [s for s in IDENTITY if any(a.startswith(prefix) and is_write(a) for a in s.actions)]


def test_route53_record_changes_are_limited_to_the_plans_zones_and_names() -> None:
    changes = [s for s in IDENTITY if "route53:ChangeResourceRecordSets" in s.actions]
    assert changes, "the execute function changes records"
    template = load_template(ROOT / "template.yaml")
    resolver = Resolver(
        template,
        parameters={"HostedZoneIds": ["ZONEA", "ZONEB"], "RecordNames": ["app.example.com", "api.example.com"]},
    )
    for statement in changes:
        assert statement.actions == ["route53:ChangeResourceRecordSets"], statement.name
        resources = resolver.resolve(statement.body["Resource"])
        assert sorted(resources) == ["arn:aws:route53:::hostedzone/ZONEA", "arn:aws:route53:::hostedzone/ZONEB"]
        condition = resolver.resolve(statement.body["Condition"])
        assert condition == {
            "ForAllValues:StringEquals": {
                "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["app.example.com", "api.example.com"]
            }
        }


def test_every_route53_write_names_its_resources() -> None:
    for statement in _writes("route53:"):
        resource = statement.body.get("Resource")
        assert not statement.on_everything, statement.name
        text = str(resource)
        assert "hostedzone/*" not in text, f"{statement.name}: every hosted zone"
        assert "healthcheck/*" not in text, f"{statement.name}: every health check"
        assert "HostedZoneIds" in text or "HealthCheckIds" in text, f"{statement.name}: not from the plan's ids"


def test_secrets_manager_reads_only_the_projects_secrets() -> None:
    grants = [s for s in IDENTITY if any(a.startswith("secretsmanager:") for a in s.actions)]
    assert grants
    allowed = [{"Ref": "ApprovalSigningSecret"}, {"Ref": "SlackWebhookSecretArn"}]
    for statement in grants:
        assert statement.actions == ["secretsmanager:GetSecretValue"], statement.name
        resources = statement.body["Resource"]
        for resource in resources if isinstance(resources, list) else [resources]:
            assert resource in allowed, f"{statement.name}: reads {resource}"


def test_the_allowlist_has_a_reason_for_every_entry() -> None:
    for action, (reason, _condition) in NO_RESOURCE_LEVEL.items():
        assert reason, action
    used = {a for s in IDENTITY if s.on_everything for a in s.actions if is_write(a)}
    assert used <= set(NO_RESOURCE_LEVEL)


def test_checkov_scans_every_template() -> None:
    import yaml

    config = yaml.safe_load((ROOT / ".checkov.yaml").read_text())
    scanned = {ROOT / f for f in config["file"]}
    assert set(TEMPLATES) <= scanned, "list every template in .checkov.yaml"
    assert config["framework"] == ["cloudformation"]


# ---------------------------------------------------------------- containers, caches, document databases, consumers

NEW_LAYER_TYPES = (
    "ecs_service_capacity",
    "aurora_capacity",
    "docdb_global_cluster",
    "elasticache_global_datastore",
    "lambda_event_source_mappings",
)


def _granted(owner: str) -> set[str]:
    return {a for s in IDENTITY if s.owner == owner and s.file == "template.yaml" for a in s.actions}


@pytest.mark.parametrize("type_name", NEW_LAYER_TYPES)
def test_the_execute_function_may_do_what_each_new_action_type_calls(type_name: str) -> None:
    from failover.actions import action_class

    needed = set(action_class(type_name).iam_actions)
    assert needed, type_name
    assert needed <= _granted("ExecuteFunction"), needed - _granted("ExecuteFunction")
    reads = {a for a in needed if not is_write(a)}
    for owner in ("ValidateFunction", "VerifyFunction"):  # observe (the gate) and verify only read
        assert reads <= _granted(owner), (owner, reads - _granted(owner))


def _execute_statement(sid: str) -> Statement:
    [statement] = [s for s in IDENTITY if s.owner == "ExecuteFunction" and s.body.get("Sid") == sid]
    return statement


def _containers_params() -> dict[str, list[str]]:
    from failover.plan import load_plan
    from failoverctl.planning.params import template_parameters

    return template_parameters(load_plan(ROOT / "plans" / "region-evacuation-containers.yaml"), account="123456789012")


@pytest.mark.parametrize(
    ("sid", "actions", "parameter"),
    [
        ("ScaleEcsServices", ["ecs:UpdateService"], "EcsServiceArns"),
        (
            "RaiseAuroraCapacity",
            ["rds:ModifyDBCluster", "rds:CreateDBInstance", "rds:ModifyDBInstance"],
            "AuroraCapacityArns",
        ),
        ("PromoteGlobalDatastores", ["elasticache:FailoverGlobalReplicationGroup"], "GlobalDatastoreArns"),
        ("SwitchGlobalClusters", ["rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"], "GlobalClusterArns"),
    ],
)
def test_each_new_write_is_limited_to_the_plans_resources(sid: str, actions: list[str], parameter: str) -> None:
    statement = _execute_statement(sid)
    assert statement.actions == actions
    params = _containers_params()
    resolved = Resolver(load_template(ROOT / "template.yaml"), parameters=params).resolve(statement.body["Resource"])
    assert resolved == params[parameter]
    assert all(":123456789012:" in arn or "::123456789012:" in arn for arn in resolved), resolved


def test_aurora_capacity_may_create_and_resize_only_the_readers_it_names() -> None:
    arns = _containers_params()["AuroraCapacityArns"]
    instances = [a for a in arns if ":db:" in a]
    assert instances == ["arn:aws:rds:us-west-2:123456789012:db:orders-usw2-failover-*"]


def test_consumer_mappings_are_toggled_only_for_the_plans_functions() -> None:
    statement = _execute_statement("ToggleConsumerMappings")
    assert statement.actions == ["lambda:UpdateEventSourceMapping"]
    assert not statement.on_everything
    params = _containers_params()
    resolver = Resolver(load_template(ROOT / "template.yaml"), parameters=params)
    assert resolver.resolve(statement.body["Resource"]) == "arn:aws:lambda:*:123456789012:event-source-mapping:*"
    assert resolver.resolve(statement.body["Condition"]) == {
        "ArnLike": {"lambda:FunctionArn": params["ConsumerFunctionArns"]}
    }
    assert len(params["ConsumerFunctionArns"]) == 4


def test_scalable_targets_are_limited_to_this_account() -> None:
    statement = _execute_statement("RaiseEcsScalableTargetMinimum")
    assert statement.actions == ["application-autoscaling:RegisterScalableTarget"]
    resource = Resolver(load_template(ROOT / "template.yaml")).resolve(statement.body["Resource"])
    assert resource == "arn:aws:application-autoscaling:*:123456789012:scalable-target/*"


@pytest.mark.parametrize(
    ("parameter", "sids"),
    [
        ("EcsServiceArns", {"ScaleEcsServices", "RaiseEcsScalableTargetMinimum"}),
        ("AuroraCapacityArns", {"RaiseAuroraCapacity"}),
        ("GlobalDatastoreArns", {"PromoteGlobalDatastores"}),
        ("ConsumerFunctionArns", {"ToggleConsumerMappings"}),
    ],
)
def test_a_plan_without_the_layer_deploys_none_of_its_writes(parameter: str, sids: set[str]) -> None:
    template = load_template(ROOT / "template.yaml")
    policies = template["Resources"]["ExecuteFunction"]["Properties"]["Policies"]

    def deployed(parameters: dict[str, list[str]]) -> set[str]:
        resolved = Resolver(template, parameters=parameters).resolve(policies)
        return {s.get("Sid") for p in resolved for s in p["Statement"] if isinstance(s, dict)}

    assert sids <= deployed(_containers_params())
    assert not sids & deployed({parameter: ["none"]})
    assert template["Parameters"][parameter]["Default"] == "none"


# ---------------------------------------------------------------------- the scheduled plan evaluation

#: the only calls of the evaluate function that change anything, and what each may change
EVALUATE_WRITES = {
    "dynamodb:PutItem": {"Fn::GetAtt": ["IncidentTable", "Arn"]},
    "sns:Publish": {"Ref": "FailoverTopic"},
    "iam:SimulatePrincipalPolicy": {"Fn::GetAtt": ["ExecuteFunctionRole", "Arn"]},
    "kms:GenerateDataKey": {"Fn::GetAtt": ["FailoverKey", "Arn"]},
    "kms:Decrypt": {"Fn::GetAtt": ["FailoverKey", "Arn"]},
    "cloudwatch:PutMetricData": "*",
    "sts:AssumeRole": {"Ref": "CrossAccountRoleArns"},
    "cloudwatch:PutMetricAlarm": {
        "Fn::Sub": "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}"
        ":alarm:${AWS::StackName}-readiness-*"
    },
}


def test_roles_in_other_accounts_are_assumed_only_where_the_plan_names_them() -> None:
    """Given every statement granting sts:AssumeRole, each names exactly the plan's roles of other accounts,
    and only the functions that make an action's calls have one."""
    assuming = [s for s in IDENTITY if "sts:AssumeRole" in s.actions]
    assert {s.owner for s in assuming} == {"ValidateFunction", "ExecuteFunction", "VerifyFunction", "EvaluateFunction"}
    for statement in assuming:
        assert statement.actions == ["sts:AssumeRole"], statement.name
        assert statement.body["Resource"] == {"Ref": "CrossAccountRoleArns"}, statement.name


def test_the_evaluate_function_reads_and_writes_only_its_own_records() -> None:
    """Given the evaluate function's statements, every write is one of its own (findings, notification,
    metric, its alarms, the simulation of the execute role) on exactly that resource; the rest only reads."""
    own = [s for s in IDENTITY if s.owner == "EvaluateFunction"]
    assert own, "the evaluate function has a policy"
    writes: set[str] = set()
    for statement in own:
        for action in statement.actions:
            if not is_write(action):
                continue
            writes.add(action)
            assert action in EVALUATE_WRITES, f"{statement.name}: unexpected write {action}"
            assert statement.body["Resource"] == EVALUATE_WRITES[action], statement.name
    assert writes >= {"sns:Publish", "iam:SimulatePrincipalPolicy", "cloudwatch:PutMetricAlarm", "dynamodb:PutItem"}
    metric = next(s for s in own if "cloudwatch:PutMetricData" in s.actions)
    assert metric.body["Condition"] == {"StringEquals": {"cloudwatch:namespace": "Failover"}}


def test_the_evaluate_function_reads_scoped_where_aws_allows() -> None:
    """Reads on every resource are only the ones AWS cannot scope (Describe of ELB, Auto Scaling, EC2; metric reads)."""
    unscoped_reads = {
        "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeRules",
        "autoscaling:DescribeAutoScalingGroups",
        "autoscaling:DescribeLaunchConfigurations",
        "ec2:DescribeLaunchTemplateVersions",
        "ec2:DescribeInstanceTypes",
        "cloudwatch:GetMetricStatistics",
        "cloudwatch:PutMetricData",
    }
    for statement in (s for s in IDENTITY if s.owner == "EvaluateFunction" and s.on_everything):
        assert set(statement.actions) <= unscoped_reads, statement.name
    scoped = {a for s in IDENTITY if s.owner == "EvaluateFunction" and not s.on_everything for a in s.actions}
    assert {
        "rds:DescribeDBInstances",
        "dynamodb:DescribeTable",
        "route53-recovery-cluster:GetRoutingControlState",
        "servicequotas:GetServiceQuota",
        "s3:GetMultiRegionAccessPointRoutes",
    } <= scoped
