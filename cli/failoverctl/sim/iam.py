"""IAM in drills: every AWS call a function makes is evaluated against the policy ``template.yaml`` gives it.

The functions run in-process; the Lambda runner says which one is running (``acting_as``), and the
simulated AWS asks ``IamEnforcer.authorize`` before it answers any call, whether moto or one of the
simulator's own extensions serves it. The policy is the function's ``Policies`` from the template:
inline statements and SAM policy templates, expanded and resolved (conditions, ``!Sub``, ``!Split``,
parameters) with the parameters ``failoverctl plan params`` derives from the plan and the physical
ids of the drill's stack. A call no statement allows, or one a ``Deny`` matches, fails with the
error AWS returns for that service (``AccessDeniedException`` for JSON APIs, ``AccessDenied`` for
query and REST-XML APIs, SNS's ``AuthorizationError``), and the denial is recorded with the
function, the action and the resource.

Matching of actions and resources reuses moto's ``IAMPolicyStatement``; moto checks most services
against resource ``*`` only and evaluates only ``StringEquals`` conditions, so the request's
resource ARNs and condition keys are derived here, per API, and the condition operators the
template uses are evaluated here (see ``docs/simulator.md``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from moto.iam.access_control import IAMPolicyStatement

from failoverctl.sim import accounts
from failoverctl.sim.aws import SimClientError, caller_access_key

# ------------------------------------------------------------------ who is calling

_LOCAL = threading.local()


@contextlib.contextmanager
def acting_as(function: str, stack_region: str | None = None) -> Iterator[None]:
    """Calls made by this thread inside the block are the function's (its execution role's), of the
    stack deployed in ``stack_region`` when the drill runs stacks in several regions."""
    stack: list[tuple[str, str | None]] = _LOCAL.__dict__.setdefault("stack", [])
    stack.append((function, stack_region))
    try:
        yield
    finally:
        stack.pop()


def current_function() -> str | None:
    stack: list[tuple[str, str | None]] = _LOCAL.__dict__.get("stack", [])
    return stack[-1][0] if stack else None


def current_stack_region() -> str | None:
    stack: list[tuple[str, str | None]] = _LOCAL.__dict__.get("stack", [])
    return stack[-1][1] if stack else None


# ------------------------------------------------------------------ SAM policy templates

#: The SAM policy templates the template uses, as AWS SAM defines them
#: (samtranslator/policy_templates_data/policy_templates.json). A template not listed here is refused
#: with an error, never ignored.
SAM_POLICY_TEMPLATES: dict[str, dict[str, Any]] = {
    "S3WritePolicy": {
        "Statement": [
            {
                "Action": ["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
                "Effect": "Allow",
                "Resource": [
                    {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}", {"bucketName": {"Ref": "BucketName"}}]},
                    {"Fn::Sub": ["arn:${AWS::Partition}:s3:::${bucketName}/*", {"bucketName": {"Ref": "BucketName"}}]},
                ],
            }
        ]
    },
    "LambdaInvokePolicy": {
        "Statement": [
            {
                "Action": ["lambda:InvokeFunction"],
                "Effect": "Allow",
                "Resource": {
                    "Fn::Sub": [
                        "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${functionName}*",
                        {"functionName": {"Ref": "FunctionName"}},
                    ]
                },
            }
        ]
    },
}


class UnknownPolicy(ValueError):
    """A policy entry the simulated AWS cannot expand (a managed policy or an unknown SAM template)."""


def _bind(value: Any, arguments: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"Ref"} and value["Ref"] in arguments:
            return arguments[value["Ref"]]
        return {k: _bind(v, arguments) for k, v in value.items()}
    if isinstance(value, list):
        return [_bind(v, arguments) for v in value]
    return value


def expand_policies(policies: list[Any]) -> list[dict[str, Any]]:
    """The statements of a SAM resource's ``Policies`` (unresolved intrinsics kept)."""
    out: list[dict[str, Any]] = []
    for entry in policies:
        if isinstance(entry, dict) and "Statement" in entry:
            statements = entry["Statement"]
            out.extend(statements if isinstance(statements, list) else [statements])
        elif isinstance(entry, dict) and len(entry) == 1 and next(iter(entry)) in SAM_POLICY_TEMPLATES:
            name, arguments = next(iter(entry.items()))
            out.extend(_bind(SAM_POLICY_TEMPLATES[name], arguments or {})["Statement"])
        else:
            raise UnknownPolicy(f"policy entry {entry!r} is not an inline statement or a known SAM policy template")
    return out


def resource_policies(template: dict[str, Any], resolve: Callable[[Any], Any]) -> dict[str, list[dict[str, Any]]]:
    """Every function's and state machine's statements, with intrinsic functions resolved."""
    out: dict[str, list[dict[str, Any]]] = {}
    for logical, res in template.get("Resources", {}).items():
        if res.get("Type") not in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
            continue
        statements = [resolve(s) for s in expand_policies(res.get("Properties", {}).get("Policies", []))]
        out[logical] = [s for s in statements if isinstance(s, dict)]
    return out


# ------------------------------------------------------------------ evaluation


class _Statement(IAMPolicyStatement):
    """moto's statement matcher with IAM's wildcard rules: ``*`` and ``?``, other characters literal,
    actions case-insensitive."""

    def _check_element_matches(self, statement_element: Any, value: str) -> bool:
        patterns = self._statement[statement_element]
        patterns = patterns if isinstance(patterns, list) else [patterns]
        fold = statement_element in ("Action", "NotAction")
        return any(_wildcard(str(p), value, fold) for p in patterns)


def _wildcard(pattern: str, value: str, fold: bool = False) -> bool:
    """IAM's wildcards: ``*`` any run of characters, ``?`` one character, everything else literal."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if fold else 0)) is not None


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringEquals": lambda want, got: want == got,
    "StringEqualsIgnoreCase": lambda want, got: want.lower() == got.lower(),
    "StringLike": _wildcard,
    "ArnEquals": lambda want, got: want == got,
    "ArnLike": _wildcard,
    "Bool": lambda want, got: want.lower() == got.lower(),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
}


def condition_holds(operator: str, key_values: dict[str, Any], context: dict[str, list[str]]) -> bool:
    """One condition block (``{"ForAllValues:StringEquals": {key: values}}``) against the request's keys."""
    qualifier, _, op = operator.rpartition(":")
    if_exists = op.endswith("IfExists")
    op = op.removesuffix("IfExists")
    negate = op in _NEGATED
    compare = _OPERATORS.get(_NEGATED.get(op, op))
    if compare is None:
        raise UnknownPolicy(f"condition operator {operator} is not evaluated by the simulated AWS")
    for key, wanted in key_values.items():
        present = next((v for k, v in context.items() if k.lower() == key.lower()), None)
        wanted_values = _values(wanted)

        def matches(got: str) -> bool:
            hit = any(compare(w, got) for w in wanted_values)  # noqa: B023 - evaluated inside the loop
            return not hit if negate else hit

        if qualifier == "ForAllValues":
            ok = present is None or all(matches(g) for g in present)
        elif qualifier == "ForAnyValue":
            ok = present is not None and any(matches(g) for g in present)
        elif present is None:
            ok = if_exists or negate
        else:
            ok = any(matches(g) for g in present)
        if not ok:
            return False
    return True


def evaluate(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]]) -> str:
    """``allow``, ``explicit-deny`` or ``implicit-deny``, by IAM's evaluation logic for one identity policy."""
    allowed = False
    for raw in statements:
        statement = _Statement(raw)
        if "NotAction" in raw:
            concerned = not statement._check_element_matches("NotAction", action)
        else:
            concerned = statement._check_element_matches("Action", action)
        if not concerned:
            continue
        if "NotResource" in raw:
            on_resource = not statement._check_element_matches("NotResource", resource)
        else:
            on_resource = statement._check_element_matches("Resource", resource)
        if not on_resource:
            continue
        conditions = raw.get("Condition") or {}
        if not all(condition_holds(op, kv, context) for op, kv in conditions.items()):
            continue
        if raw.get("Effect") == "Deny":
            return "explicit-deny"
        allowed = True
    return "allow" if allowed else "implicit-deny"


# ------------------------------------------------------------------ requests: action, resources, condition keys


@dataclass(frozen=True)
class Request:
    action: str
    resources: list[str]
    context: dict[str, list[str]] = field(default_factory=dict)


_PREFIX = {
    "stepfunctions": "states",
    "elbv2": "elasticloadbalancing",
    "s3control": "s3",
    "secretsmanager": "secretsmanager",
    # DocumentDB and Neptune management APIs are authorised as rds: actions on rds ARNs
    "docdb": "rds",
    "neptune": "rds",
    "service-quotas": "servicequotas",
}
_ACTION = {"lambda.Invoke": "lambda:InvokeFunction", "lambda.InvokeAsync": "lambda:InvokeFunction"}


def _hosted_zone(value: str) -> str:
    return f"arn:aws:route53:::hostedzone/{value.rsplit('/', 1)[-1]}"


def _function_arn(name: str, region: str, account: str) -> str:
    if name.startswith("arn:"):
        return name
    if ":" in name:  # partial ARN: 123456789012:function:name
        return f"arn:aws:lambda:{region}:{name}"
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def _queue_arn(url: str, region: str, account: str) -> str:
    parts = url.rstrip("/").split("/")
    return f"arn:aws:sqs:{region}:{parts[-2] if len(parts) >= 2 else account}:{parts[-1]}"


def _secret_arn(secret_id: str, region: str, account: str) -> str:
    return (
        secret_id if secret_id.startswith("arn:") else f"arn:aws:secretsmanager:{region}:{account}:secret:{secret_id}"
    )


def _record_names(params: dict[str, Any]) -> dict[str, list[str]]:
    changes = (params.get("ChangeBatch") or {}).get("Changes") or []
    names = sorted({str(c["ResourceRecordSet"]["Name"]).rstrip(".").lower() for c in changes})
    types = sorted({str(c["ResourceRecordSet"]["Type"]) for c in changes})
    actions = sorted({str(c["Action"]) for c in changes})
    return {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": names,
        "route53:ChangeResourceRecordSetsRecordTypes": types,
        "route53:ChangeResourceRecordSetsActions": actions,
    }


def _rds_resources(op: str, p: dict[str, Any], region: str, account: str) -> list[str]:
    def arn(kind: str, ident: str | None) -> str:
        if not ident:
            return "*"
        if ident.startswith("arn:"):
            return ident
        if kind == "global-cluster":
            return f"arn:aws:rds::{account}:global-cluster:{ident}"
        return f"arn:aws:rds:{region}:{account}:{kind}:{ident}"

    if op == "DescribeDBInstances":
        return [arn("db", p.get("DBInstanceIdentifier"))]
    if op == "DescribeDBClusters":
        return [arn("cluster", p.get("DBClusterIdentifier"))]
    if op == "DescribeGlobalClusters":
        return [arn("global-cluster", p.get("GlobalClusterIdentifier"))]
    if op in ("RebootDBInstance", "PromoteReadReplica"):
        return [arn("db", p.get("DBInstanceIdentifier"))]
    if op == "ModifyDBInstance":
        return [arn("db", p.get("DBInstanceIdentifier"))]
    if op == "CreateDBInstance":  # the new instance, and the cluster it joins
        made = [arn("db", p.get("DBInstanceIdentifier"))]
        return made + ([arn("cluster", p["DBClusterIdentifier"])] if p.get("DBClusterIdentifier") else [])
    if op in ("FailoverDBCluster", "PromoteReadReplicaDBCluster", "ModifyDBCluster"):
        return [arn("cluster", p.get("DBClusterIdentifier"))]
    if op in ("SwitchoverGlobalCluster", "FailoverGlobalCluster"):
        return [
            arn("global-cluster", p.get("GlobalClusterIdentifier")),
            arn("cluster", p.get("TargetDbClusterIdentifier")),
        ]
    return ["*"]


def _route53_resources(op: str, p: dict[str, Any]) -> list[str]:
    if "HostedZoneId" in p and op != "TestDNSAnswer":
        return [_hosted_zone(str(p["HostedZoneId"]))]
    if "HealthCheckId" in p:
        return [f"arn:aws:route53:::healthcheck/{p['HealthCheckId']}"]
    if op == "GetChange":
        return [f"arn:aws:route53:::change/{str(p['Id']).rsplit('/', 1)[-1]}"]
    return ["*"]


def _ecs_service_arn(cluster: str, service: str, region: str, account: str) -> str:
    if service.startswith("arn:"):
        return service
    cluster_name = cluster.rsplit("/", 1)[-1]
    return f"arn:aws:ecs:{region}:{account}:service/{cluster_name}/{service}"


def _mapping_function(uuid: str, region: str, account: str) -> str | None:
    """The function an event source mapping feeds (the lambda:FunctionArn condition key of its calls)."""
    from moto.awslambda.models import lambda_backends

    try:
        mapping = lambda_backends[account][region].get_event_source_mapping(uuid)
    except Exception:  # an unknown mapping: the call itself answers ResourceNotFoundException
        return None
    arn = getattr(mapping, "function_arn", None)
    return str(arn) if arn else None


def request_for(api: str, params: dict[str, Any], region: str, account: str) -> Request:
    """The IAM action, resource ARNs and condition keys of one API call (AWS Service Authorization Reference)."""
    service, _, op = api.partition(".")
    service = "rds" if service in ("docdb", "neptune") else service
    action = _ACTION.get(api) or f"{_PREFIX.get(service, service)}:{op}"
    p = params
    context: dict[str, list[str]] = {}
    resources: list[str]
    if service == "dynamodb":
        # BatchGetItem / BatchWriteItem / TransactGetItems name their tables in the request items
        tables = [p["TableName"]] if "TableName" in p else sorted(p.get("RequestItems") or {})
        tables += [
            str(op_item.get("TableName"))
            for item in p.get("TransactItems") or []
            for op_item in item.values()
            if isinstance(op_item, dict) and op_item.get("TableName")
        ]
        resources = [f"arn:aws:dynamodb:{region}:{account}:table/{t}" for t in tables] or ["*"]
    elif service == "stepfunctions":
        target = p.get("stateMachineArn") or p.get("executionArn") or p.get("_stateMachineArn")
        resources = [str(target)] if target else ["*"]
    elif service == "iam" and p.get("PolicySourceArn"):
        resources = [str(p["PolicySourceArn"])]
    elif service == "service-quotas" and p.get("ServiceCode") and p.get("QuotaCode"):
        resources = [f"arn:aws:servicequotas:{region}:{account}:{p['ServiceCode']}/{p['QuotaCode']}"]
    elif service == "ecs" and p.get("service"):
        resources = [_ecs_service_arn(str(p.get("cluster") or "default"), str(p["service"]), region, account)]
    elif service == "elasticache" and op == "FailoverGlobalReplicationGroup":
        resources = [
            f"arn:aws:elasticache::{account}:globalreplicationgroup:{p.get('GlobalReplicationGroupId')}",
            f"arn:aws:elasticache:{p.get('PrimaryRegion') or region}:{account}:replicationgroup:"
            f"{p.get('PrimaryReplicationGroupId')}",
        ]
    elif service == "lambda" and op in ("UpdateEventSourceMapping", "GetEventSourceMapping") and p.get("UUID"):
        resources = [f"arn:aws:lambda:{region}:{account}:event-source-mapping:{p['UUID']}"]
        function_arn = _mapping_function(str(p["UUID"]), region, account)
        if function_arn:
            context["lambda:FunctionArn"] = [function_arn]
    elif service == "application-autoscaling" and p.get("ResourceId"):
        # AWS names a scalable target by an id it generates; the simulated one is derived from the target
        import hashlib

        ident = hashlib.sha256(f"{p.get('ServiceNamespace')}|{p['ResourceId']}|{p.get('ScalableDimension')}".encode())
        resources = [f"arn:aws:application-autoscaling:{region}:{account}:scalable-target/{ident.hexdigest()[:28]}"]
    elif service == "sns":
        resources = [str(p.get("TopicArn") or p.get("TargetArn") or "*")]
    elif service == "sqs":
        resources = [_queue_arn(str(p["QueueUrl"]), region, account)] if "QueueUrl" in p else ["*"]
    elif service == "secretsmanager":
        resources = [_secret_arn(str(p["SecretId"]), region, account)] if "SecretId" in p else ["*"]
    elif service == "lambda":
        resources = [_function_arn(str(p["FunctionName"]), region, account)] if "FunctionName" in p else ["*"]
    elif service == "s3":
        bucket, key = p.get("Bucket"), p.get("Key")
        resources = [f"arn:aws:s3:::{bucket}/{key}" if key else f"arn:aws:s3:::{bucket}"] if bucket else ["*"]
    elif service == "s3control":
        resources = [str(p["Mrap"])] if "Mrap" in p else ["*"]
    elif service == "cloudwatch":
        if op == "DescribeAlarms":
            names = p.get("AlarmNames") or ["*"]
            resources = [f"arn:aws:cloudwatch:{region}:{account}:alarm:{n}" for n in names]
        elif op in ("SetAlarmState", "PutMetricAlarm", "DescribeAlarmHistory"):
            resources = [f"arn:aws:cloudwatch:{region}:{account}:alarm:{p.get('AlarmName', '*')}"]
        else:
            resources = ["*"]
        if "Namespace" in p:
            context["cloudwatch:namespace"] = [str(p["Namespace"])]
    elif service == "route53":
        resources = _route53_resources(op, p)
        if op == "ChangeResourceRecordSets":
            context.update(_record_names(p))
    elif service == "route53-recovery-cluster":
        if op == "UpdateRoutingControlStates":
            resources = [str(e["RoutingControlArn"]) for e in p.get("UpdateRoutingControlStateEntries", [])]
        else:
            resources = [str(p.get("RoutingControlArn") or "*")]
    elif service == "rds":
        resources = _rds_resources(op, p, region, account)
    elif service == "sts":
        resources = [str(p["RoleArn"])] if "RoleArn" in p else ["*"]
    elif service == "elbv2":
        target = p.get("RuleArn") if op == "ModifyRule" else p.get("ListenerArn") if op == "ModifyListener" else None
        resources = [str(target)] if target else ["*"]
    elif service == "health":
        # DescribeEvents and DescribeEventAggregates have no resource type; the others name events by ARN
        arns = p.get("eventArns") or ([p["eventArn"]] if p.get("eventArn") else [])
        resources = [str(a) for a in arns] or ["*"]
    elif service == "autoscaling":
        name = p.get("AutoScalingGroupName")
        resources = (
            [
                f"arn:aws:autoscaling:{region}:{account}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/{name}"
            ]
            if name and op != "DescribeAutoScalingGroups"
            else ["*"]
        )
    else:
        resources = ["*"]
    return Request(action=action, resources=resources, context=context)


# ------------------------------------------------------------------ the enforcer

#: error code and HTTP status of an access denial, per service (as each service's API reference documents)
_DENIAL = {
    "sns": ("AuthorizationError", 403),
    "dynamodb": ("AccessDeniedException", 400),
    "stepfunctions": ("AccessDeniedException", 400),
    "lambda": ("AccessDeniedException", 403),
    "secretsmanager": ("AccessDeniedException", 400),
    "route53-recovery-cluster": ("AccessDeniedException", 403),
    "kms": ("AccessDeniedException", 400),
    "events": ("AccessDeniedException", 400),
    "health": ("AccessDeniedException", 400),
}


@dataclass(frozen=True)
class Denial:
    function: str
    action: str
    resource: str
    api: str
    region: str
    code: str
    explicit: bool

    def describe(self) -> str:
        why = "an explicit deny in its policy" if self.explicit else "no statement of its policy allows it"
        return f"IAM: {self.function} may not call {self.action} on {self.resource} ({self.code}: {why})"


class IamEnforcer:
    """Authorizes each call of a running function against that function's policy."""

    def __init__(self, policies: dict[str, list[dict[str, Any]]], account: str, stack: str = "failover-drill") -> None:
        self.policies = policies
        #: the policies of the stack in each other region (symmetric stacks), resolved for that stack
        self.by_region: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self.account = account
        self.stack = stack
        self.denials: list[Denial] = []
        self.resolvers: dict[str, Callable[[dict[str, Any], str], list[str]]] = {}
        self._lock = threading.Lock()

    def role_arn(self, function: str) -> str:
        """The execution role of a function of the drill's stack."""
        return f"arn:aws:iam::{self.account}:role/{self.stack}-{function}Role"

    def authorize(self, api: str, params: dict[str, Any], region: str) -> None:
        function = current_function()
        policies = self.by_region.get(current_stack_region() or "", self.policies)
        if function is None or function not in policies:
            return  # the drill itself, moto's interpreter, or a team's hook stand-in
        assumed = accounts.assumed_role(caller_access_key())
        if assumed is None:  # the function's own role
            account, statements = self.account, policies[function]
            user = f"arn:aws:sts::{self.account}:assumed-role/{self.stack}-{function}Role/{self.stack}-{function}"
        else:  # a role in another account the function assumed: that role's policies decide
            account, statements = assumed.split(":")[4], accounts.role_statements(assumed)
            user = f"arn:aws:sts::{account}:assumed-role/{assumed.rsplit('/', 1)[-1]}/{function}"
        request = request_for(api, params, region, account)
        resources = self.resolvers[api](params, region) if api in self.resolvers else request.resources
        for resource in resources:
            verdict = evaluate(statements, request.action, resource, request.context)
            if verdict != "allow":
                self._deny(function, api, region, request, resource, user, explicit=verdict == "explicit-deny")
        if api == "sts.AssumeRole" and assumed is None:
            target = str(params.get("RoleArn"))
            refusal = accounts.trust_refusal(target, self.role_arn(function), params)
            if refusal is not None:
                with self._lock:
                    self.denials.append(Denial(function, "sts:AssumeRole", target, api, region, "AccessDenied", False))
                raise SimClientError(
                    "AccessDenied",
                    f"User: {user} is not authorized to perform: sts:AssumeRole on resource: {target} ({refusal})",
                    403,
                )

    def _deny(
        self, function: str, api: str, region: str, request: Request, resource: str, user: str, *, explicit: bool
    ) -> None:
        service = api.split(".", 1)[0]
        code, status = _DENIAL.get(service, ("AccessDenied", 403))
        denial = Denial(function, request.action, resource, api, region, code, explicit)
        with self._lock:
            self.denials.append(denial)
        kind = "an explicit deny in an identity-based policy" if explicit else "no identity-based policy allows"
        raise SimClientError(
            code,
            f"User: {user} is not authorized to perform: {request.action} on resource: {resource} "
            f"because {kind} the {request.action} action",
            status,
        )


def enforce(world: Any) -> IamEnforcer:
    """Evaluate every function's calls in ``world`` against its policy from the template (``World`` calls this)."""
    from failoverctl.template import ACCOUNT

    def policies(resolver: Any) -> dict[str, list[dict[str, Any]]]:
        region = resolver.region
        table = resolver.physical.get("IncidentTable", "")
        resolver.attributes.setdefault("IncidentTable.Arn", f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{table}")
        resolver.attributes.setdefault(
            "TriggerDeadLetterQueue.Arn", f"arn:aws:sqs:{region}:{ACCOUNT}:{world_stack(world)}-dlq"
        )
        resolver.attributes.setdefault(
            "FailoverKey.Arn", f"arn:aws:kms:{region}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
        )
        return resource_policies(world.template, resolver.resolve)

    enforcer = IamEnforcer(policies(world.resolver), ACCOUNT, world_stack(world))
    for region, site in getattr(world, "sites", {}).items():
        if site.resolver is not world.resolver:
            enforcer.by_region[region] = policies(site.resolver)
    for op in ("SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"):
        # a task token names no ARN: it belongs to the state machine of the stack in the caller's region
        enforcer.resolvers[f"stepfunctions.{op}"] = lambda _p, r: [
            getattr(world, "sites", {}).get(r, world).state_machine_arn
        ]
    world.sim.guards.append(enforcer.authorize)
    return enforcer


def world_stack(world: Any) -> str:
    return str(world.resolver.resolve({"Ref": "AWS::StackName"}))
