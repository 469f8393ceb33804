"""The failover stack as ``sam deploy`` creates it in one region of the simulated AWS, and the lease tables.

A drill usually runs one stack, in the region its group fails over to. A plan with
``settings.symmetric`` runs the same stack in the region of every side (one ``sam deploy`` per
region); each has its own table, topic, state machine and functions' environment, so that a
function invoked by one stack's state machine acts as that stack's. A plan with ``settings.lease``
gets its lock tables, created with the key schema of ``templates/lease-table.yaml``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from failover.infra.clients import Clients
from failover.infra.store import Store
from failover.plan import Plan
from failoverctl.sim.aws import SimAWS, SimClientError
from failoverctl.sim.iam import current_stack_region
from failoverctl.template import (
    ACCOUNT,
    ROOT,
    Resolver,
    functions,
    load_template,
    state_machine_definition,
    table_key_schema,
)

STACK = "failover-drill"
LEASE_TEMPLATE = ROOT / "templates" / "lease-table.yaml"


@dataclass
class StackSite:
    """One deployed copy of the stack: its region, resolved names and its functions' environment."""

    region: str
    resolver: Resolver
    store: Store
    state_machine_arn: str
    queue_url: str
    env: dict[str, str] = field(default_factory=dict)


def deploy_stack(
    template: dict[str, Any], resolver: Resolver, clients: Clients, slack_url: str | None, *, home: bool = True
) -> tuple[StackSite, dict[str, str]]:
    """Create what the template deploys in ``resolver.region``; returns the site and its functions' ARNs.

    ``home`` is the drill's first stack; another region's copy names its report bucket after its region
    (bucket names are global).
    """
    region = resolver.region
    table = f"{STACK}-IncidentTable"
    create_incident_table(clients.get("dynamodb", region), table, template)
    sns = clients.get("sns", region)
    topic = sns.create_topic(Name=f"{STACK}-FailoverTopic")["TopicArn"]
    sqs = clients.get("sqs", region)
    queue_url = sqs.create_queue(QueueName=f"{STACK}-topic-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"})
    report_bucket = f"{STACK}-reports" if home else f"{STACK}-reports-{region}"
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    clients.get("s3", region).create_bucket(Bucket=report_bucket, **location)
    sm = clients.get("secretsmanager", region)
    approval_secret = sm.create_secret(Name=f"{STACK}-approval-key", SecretString=secrets.token_hex(32))["ARN"]
    slack_secret = ""
    if slack_url:
        slack_secret = sm.create_secret(Name=f"{STACK}-slack-webhook", SecretString=json.dumps({"url": slack_url}))[
            "ARN"
        ]
    resolver.parameters["SlackWebhookSecretArn"] = slack_secret
    fn_arn = {f.logical_id: f"arn:aws:lambda:{region}:{ACCOUNT}:function:{f.logical_id}" for f in functions(template)}
    substitutions = {
        "ValidateFunctionArn": fn_arn["ValidateFunction"],
        "ExecuteFunctionArn": fn_arn["ExecuteFunction"],
        "VerifyFunctionArn": fn_arn["VerifyFunction"],
        "NotifyFunctionArn": fn_arn["NotifyFunction"],
        "FinalizeFunctionArn": fn_arn["FinalizeFunction"],
    }
    definition = state_machine_definition(template, substitutions)
    state_machine_arn = clients.get("stepfunctions", region).create_state_machine(
        name=resolver.resolve(template["Resources"]["FailoverStateMachine"]["Properties"]["Name"]),
        definition=definition,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{STACK}-StateMachineRole",
        type="STANDARD",
    )["stateMachineArn"]
    resolver.physical.update(
        {
            "IncidentTable": table,
            "FailoverTopic": topic,
            "ApprovalSigningSecret": approval_secret,
            "FailoverStateMachine": state_machine_arn,
            "ReportBucket": report_bucket,
            "TriggerDeadLetterQueue": f"https://sqs.{region}.amazonaws.com/{ACCOUNT}/{STACK}-dlq",
        }
    )
    for logical, arn in fn_arn.items():
        resolver.attributes[f"{logical}.Arn"] = arn
    resolver.attributes["ApproveFunctionUrl.FunctionUrl"] = f"https://approve.{region}.sim.local/"
    site = StackSite(region, resolver, Store(table, clients, region), state_machine_arn, queue_url)
    return site, fn_arn


def function_env(template: dict[str, Any], resolver: Resolver) -> dict[str, str]:
    """The union of the template's function environments, resolved for one stack."""
    env: dict[str, str] = {}
    for definition in functions(template):
        for key, value in definition.environment.items():
            resolved = resolver.resolve(value)
            env[key] = "" if resolved is None else str(resolved)
    return env | {"AWS_REGION": resolver.region, "AWS_DEFAULT_REGION": resolver.region}


def stack_regions(plan: Plan, home: str) -> list[str]:
    """The regions a plan's stacks run in: ``home`` first, then every side's region when it is symmetric."""
    from failoverctl.regions import plan_stack_regions

    if not plan.settings.symmetric:
        return [home]
    return list(dict.fromkeys([home, *plan_stack_regions(plan)]))


def create_incident_table(ddb: Any, name: str, template: dict[str, Any] | None = None) -> None:
    """The stack's table (locks, active sides, incidents) as ``template.yaml`` creates it, with its TTL."""
    schema = table_key_schema(template or load_template())
    ddb.create_table(
        TableName=name,
        KeySchema=schema["KeySchema"],
        AttributeDefinitions=schema["AttributeDefinitions"],
        BillingMode=schema["BillingMode"],
    )
    if schema["ttl"]:
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": schema["ttl"], "Enabled": True}
        )


def create_lease_table(ddb: Any, name: str) -> None:
    """One lock table of the group lease, as ``templates/lease-table.yaml`` creates it."""
    props = load_template(LEASE_TEMPLATE)["Resources"]["LeaseTable"]["Properties"]
    ddb.create_table(
        TableName=name,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )


def create_lease_tables(plan: Plan, clients: Clients) -> None:
    """The plan's lock tables, each in its region."""
    if plan.settings.lease is None:
        return
    for table in plan.settings.lease.tables:
        create_lease_table(clients.get("dynamodb", table.region), table.name)


def cut_off(sim: SimAWS, unreachable: dict[str | None, set[str]]) -> None:
    """Make regions unreachable: ``unreachable[stack_region]`` for the functions of the stack there, and
    ``unreachable[None]`` for every caller (a region that is gone). The call fails as a region that does
    not answer does: a 503 the SDK retries, then an error. Global APIs are cut with the region their
    client calls (Route 53's control plane with us-east-1), as strict as an outage can be."""

    def guard(api: str, params: dict[str, Any], region: str) -> None:
        caller = current_stack_region()
        if region in unreachable.get(None, set()) or region in unreachable.get(caller, set()):
            raise SimClientError("ServiceUnavailable", f"{region} cannot be reached from {caller or 'here'}", 503)

    sim.guards.insert(0, guard)
