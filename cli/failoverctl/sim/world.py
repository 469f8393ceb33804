"""A simulated AWS account built from a plan and the template: the world a drill runs in.

``World`` starts moto (with Step Functions executing definitions for real) and the extension,
creates what the template deploys (table with the template's key schema, topic, secrets, the
state machine from ``statemachine/`` with the template's substitutions, the functions run
in-process) and what the plan names (hosted zone and records, health checks, alarms, databases,
capacity), rewrites the plan with the ids moto generated, and routes events with the template's
own rule patterns.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from failover.actions import ActionContext, build_action
from failover.errors import FailoverError
from failover.infra.clients import Clients
from failover.models import Direction
from failover.plan import Group, Plan, load_plan_text
from failoverctl.regions import Forwarder, default_forwarders
from failoverctl.sim.aws import SIM, SimAWS
from failoverctl.sim.extensions import register_all
from failoverctl.sim.extensions.route53 import set_health
from failoverctl.sim.iam import IamEnforcer
from failoverctl.sim.iam import enforce as enforce_iam
from failoverctl.sim.lambdas import LocalLambdas
from failoverctl.sim.limits import enforce as enforce_limits
from failoverctl.template import (
    ACCOUNT,
    Resolver,
    RuleDef,
    functions,
    load_template,
    matches,
    rules,
    state_machine_definition,
    table_key_schema,
)

REGION = "us-east-1"  # the stack's region when none is given (plans and groups choose their own)
STACK = "failover-drill"
#: an account id in an ARN of the plan, or in an ``account_id`` field
_ACCOUNT_RE = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(?=[:/])|(account_id:\s*[\"']?)(\d{12})")


class SeedError(FailoverError):
    """A group's resources could not be created in the simulated AWS (the plan names something AWS would refuse)."""


def simulated_account(text: str) -> tuple[str, dict[str, str]]:
    """``text`` (a plan) with every account id it names mapped to the simulated account, and the mapping.

    The drill runs in one simulated account; a team's plan may name any 12-digit account.
    """
    found: dict[str, str] = {}

    def swap(m: re.Match[str]) -> str:
        prefix, account = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if account != ACCOUNT:
            found[account] = ACCOUNT
        return prefix + ACCOUNT

    return _ACCOUNT_RE.sub(swap, text), found


def plan_parameters(plan: Plan) -> dict[str, Any]:
    """The template parameters a plan implies (``failoverctl plan params`` prints the same)."""
    from failoverctl.planning.params import template_parameters

    return dict(template_parameters(plan, account=ACCOUNT))


@dataclass
class RouteResult:
    event: dict[str, Any]
    rules: list[str]
    results: list[dict[str, Any]] = field(default_factory=list)
    forwarded_by: str | None = None  # the forwarder that brought the event from its region
    undelivered: str | None = None  # why an event that a rule of the stack matches never reached it


class World:
    """Use as a context manager: ``with World(plan_path) as world: ...``."""

    def __init__(
        self,
        plan_path: str | Path,
        *,
        slack_url: str | None = None,
        wait_scale: float = 0.0,
        sim: SimAWS = SIM,
        iam: bool = True,
        template: Path | None = None,
        region: str = REGION,
        forwarders: list[Forwarder] | None = None,
    ) -> None:
        self.plan_path = Path(plan_path)
        self.slack_url = slack_url
        self.wait_scale = wait_scale
        self.sim = sim
        self.enforce_iam = iam
        self.iam: IamEnforcer | None = None
        self.region = region
        self._forwarders = forwarders
        self.forwarders: list[Forwarder] = []
        self.seed_problems: dict[str, str] = {}
        self.accounts: dict[str, str] = {}
        self.template = load_template(template) if template is not None else load_template()
        self.resolver = Resolver(self.template, region=region)
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._saved_env: dict[str, str | None] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="failover-drill-")
        self.replacements: dict[str, str] = {}
        self.plan: Plan
        self.plan_file: Path
        self.lambdas: LocalLambdas
        self.clients: Clients
        self.queue_url: str = ""
        self.state_machine_arn: str = ""

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> World:
        self._set_env(
            {
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_SESSION_TOKEN": "testing",
                "AWS_DEFAULT_REGION": self.region,
                "AWS_REGION": self.region,
            }
        )
        # moto's Step Functions interpreter logs every failed state at ERROR; the drill reports them itself
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        self._mock.start()
        self.sim.install()
        self.sim.reset()
        register_all(self.sim)
        self.sim.enabled = True
        boto3.setup_default_session(region_name=self.region)
        self.clients = Clients(default_region=self.region)
        try:
            self.build()
            enforce_limits(self.sim, self.lambdas, self._state_machine_functions())
            if self.enforce_iam:
                self.iam = enforce_iam(self)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "lambdas"):
            self.lambdas.release_stdout()
        self.sim.enabled = False
        self.sim.reset()
        try:
            self._mock.stop()
        finally:
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            self._saved_env.clear()
            self._tmp.cleanup()

    def _set_env(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._saved_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    # ------------------------------------------------------------------ building

    def build(self) -> None:
        text, self.accounts = simulated_account(self.plan_path.read_text())
        plan = load_plan_text(text, str(self.plan_path))
        self.forwarders = default_forwarders(plan, self.region) if self._forwarders is None else self._forwarders
        self._build_stack()
        self._build_plan_resources(plan)
        for placeholder, real in sorted(self.replacements.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(placeholder, real)
        self.plan_file = Path(self._tmp.name) / self.plan_path.name
        self.plan_file.write_text(text)
        self.plan = load_plan_text(text, str(self.plan_file))
        self.resolver.parameters.update(plan_parameters(self.plan))
        self._set_function_env()
        for group in self.plan.groups:
            self.store.set_active(group.name, "primary", None, failover=False)

    def check_seeded(self, group: str) -> None:
        """Raise ``SeedError`` when ``group``'s resources could not be created (other groups still drill)."""
        if group in self.seed_problems:
            raise SeedError(self.seed_problems[group], group=group)

    def _build_stack(self) -> None:
        schema = table_key_schema(self.template)
        ddb = self.clients.get("dynamodb")
        table = f"{STACK}-IncidentTable"
        ddb.create_table(
            TableName=table,
            KeySchema=schema["KeySchema"],
            AttributeDefinitions=schema["AttributeDefinitions"],
            BillingMode=schema["BillingMode"],
        )
        if schema["ttl"]:
            ddb.update_time_to_live(
                TableName=table, TimeToLiveSpecification={"AttributeName": schema["ttl"], "Enabled": True}
            )
        sns = self.clients.get("sns")
        topic = sns.create_topic(Name=f"{STACK}-FailoverTopic")["TopicArn"]
        sqs = self.clients.get("sqs")
        self.queue_url = sqs.create_queue(QueueName=f"{STACK}-topic-tap")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"})
        report_bucket = f"{STACK}-reports"
        location = (
            {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        )
        self.clients.get("s3").create_bucket(Bucket=report_bucket, **location)
        sm = self.clients.get("secretsmanager")
        approval_secret = sm.create_secret(Name=f"{STACK}-approval-key", SecretString=secrets.token_hex(32))["ARN"]
        slack_secret = ""
        if self.slack_url:
            slack_secret = sm.create_secret(
                Name=f"{STACK}-slack-webhook", SecretString=json.dumps({"url": self.slack_url})
            )["ARN"]
        self.resolver.parameters["SlackWebhookSecretArn"] = slack_secret
        fn_arn = {
            f.logical_id: f"arn:aws:lambda:{self.region}:{ACCOUNT}:function:{f.logical_id}"
            for f in functions(self.template)
        }
        substitutions = {
            "ValidateFunctionArn": fn_arn["ValidateFunction"],
            "ExecuteFunctionArn": fn_arn["ExecuteFunction"],
            "VerifyFunctionArn": fn_arn["VerifyFunction"],
            "NotifyFunctionArn": fn_arn["NotifyFunction"],
            "FinalizeFunctionArn": fn_arn["FinalizeFunction"],
        }
        definition = state_machine_definition(self.template, substitutions)
        self.state_machine_arn = self.clients.get("stepfunctions").create_state_machine(
            name=self.resolver.resolve(self.template["Resources"]["FailoverStateMachine"]["Properties"]["Name"]),
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/{STACK}-StateMachineRole",
            type="STANDARD",
        )["stateMachineArn"]
        self.resolver.physical.update(
            {
                "IncidentTable": table,
                "FailoverTopic": topic,
                "ApprovalSigningSecret": approval_secret,
                "FailoverStateMachine": self.state_machine_arn,
                "ReportBucket": report_bucket,
                "TriggerDeadLetterQueue": f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT}/{STACK}-dlq",
            }
        )
        for logical, arn in fn_arn.items():
            self.resolver.attributes[f"{logical}.Arn"] = arn
        self.resolver.attributes["ApproveFunctionUrl.FunctionUrl"] = "https://approve.sim.local/"
        self.lambdas = LocalLambdas(functions(self.template))
        self.lambdas.register(self.sim)
        from failover.infra.store import Store

        self.store = Store(table, self.clients)

    def _state_machine_functions(self) -> set[str]:
        subs = self.template["Resources"]["FailoverStateMachine"]["Properties"].get("DefinitionSubstitutions", {})
        return {v["Fn::GetAtt"][0] for v in subs.values() if isinstance(v, dict) and "Fn::GetAtt" in v}

    def _set_function_env(self) -> None:
        env: dict[str, str] = {}
        for definition in functions(self.template):
            for key, value in definition.environment.items():
                resolved = self.resolver.resolve(value)
                env[key] = "" if resolved is None else str(resolved)
        env["PLAN_FILE"] = str(self.plan_file)
        env.update(
            {
                "WAIT_SCALE": str(self.wait_scale),
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "INFO",
                "AWS_LAMBDA_FUNCTION_NAME": "failover-drill",
            }
        )
        self._set_env(env)
        import failover.observability  # noqa: F401 - create the logger before capturing its output

        self.lambdas.capture_logs()

    # ------------------------------------------------------------------ plan resources

    def _build_plan_resources(self, plan: Plan) -> None:
        r53 = self.clients.get("route53")
        zones: dict[str, str] = {}
        health_checks: dict[str, str] = {}
        for group in plan.groups:
            try:
                self._build_group(group, r53, zones, health_checks)
            except Exception as err:
                self.seed_problems[group.name] = self._seed_message(group, err)
        self.replacements.update(zones)
        self.replacements.update(health_checks)

    def _seed_message(self, group: Group, err: Exception) -> str:
        from botocore.exceptions import ClientError

        action = getattr(err, "failover_action", None) or "its sides (health checks, alarms, replication metric)"
        if isinstance(err, ClientError):
            e = err.response.get("Error", {})
            why = f"{e.get('Code')}: {e.get('Message')}"
        else:
            why = f"{type(err).__name__}: {err}"
        return f"group '{group.name}' cannot be drilled: {action} could not be created in the simulated AWS ({why})"

    def _build_group(self, group: Group, r53: Any, zones: dict[str, str], health_checks: dict[str, str]) -> None:
        for side in (group.primary, group.secondary):
            for hc in side.health_checks:
                if hc in health_checks:
                    continue
                real = r53.create_health_check(
                    CallerReference=f"{group.name}-{hc}",
                    HealthCheckConfig={
                        "Type": "HTTPS",
                        "FullyQualifiedDomainName": f"{side.name}.{group.name}.health.example.com",
                        "Port": 443,
                        "ResourcePath": "/health",
                        "RequestInterval": group.detection.health_check_interval_seconds,
                        "FailureThreshold": group.detection.health_check_failure_threshold,
                    },
                )["HealthCheck"]["Id"]
                health_checks[hc] = real
                set_health(self.sim, real, 100.0)
        for stage, name, spec in group.iter_actions():
            try:
                self._seed_action(group, spec, r53, zones, health_checks)
            except Exception as err:
                where = f"action '{name}' ({spec.type}) of stage '{getattr(stage, 'name', stage)}'"
                err.failover_action = where  # type: ignore[attr-defined]
                raise
        self._seed_alarms(group, health_checks)
        self._seed_replication(group)

    def _seed_action(
        self, group: Group, spec: Any, r53: Any, zones: dict[str, str], health_checks: dict[str, str]
    ) -> None:
        if spec.type == "route53_records":
            zone_id = zones.get(spec.hosted_zone_id)
            if zone_id is None:
                zone_name = spec.record_name.split(".", 1)[1]
                zone_id = r53.create_hosted_zone(Name=zone_name, CallerReference=f"{group.name}-{zone_name}")[
                    "HostedZone"
                ]["Id"].split("/")[-1]
                zones[spec.hosted_zone_id] = zone_id
            self._seed_records(r53, zone_id, spec)
        elif spec.type == "route53_health_check_invert":
            if spec.health_check_id not in health_checks:
                real = r53.create_health_check(
                    CallerReference=f"{group.name}-invert-{spec.health_check_id}",
                    HealthCheckConfig={
                        "Type": "HTTPS",
                        "FullyQualifiedDomainName": "primary.example.com",
                        "Port": 443,
                        "ResourcePath": "/",
                    },
                )["HealthCheck"]["Id"]
                health_checks[spec.health_check_id] = real
                set_health(self.sim, real, 100.0)
        else:
            from failoverctl.sim import seeders

            self.replacements.update(seeders.seed(spec, self.clients, self.sim, active="primary"))
            if spec.type == "lambda_hook":
                self._stand_in_hook(spec.function_arn)

    def _stand_in_hook(self, function_arn: str) -> None:
        """A team's hook function does not exist here: a stand-in answers its invokes, recording them."""
        name = function_arn.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
        calls = self.sim.state.setdefault("lambda.hook_calls", [])

        def hook(payload: Any) -> dict[str, Any]:
            calls.append({"function": name, "payload": payload})
            return {"ok": True, "hook": name, "stand_in": True}

        if name not in self.lambdas.definitions:
            self.lambdas.external.setdefault(name, hook)

    def _seed_records(self, r53: Any, zone_id: str, spec: Any) -> None:
        def rrset(target: Any, weight: int | None) -> dict[str, Any]:
            out: dict[str, Any] = {"Name": spec.record_name, "Type": spec.record_type}
            if target.alias is not None:
                out["AliasTarget"] = {
                    "HostedZoneId": target.alias.hosted_zone_id,
                    "DNSName": target.alias.dns_name,
                    "EvaluateTargetHealth": target.alias.evaluate_target_health,
                }
            else:
                out["TTL"] = spec.ttl
                out["ResourceRecords"] = [{"Value": v} for v in target.values]
            if weight is not None:
                out["SetIdentifier"] = target.set_identifier
                out["Weight"] = weight
            return out

        if spec.routing == "simple":
            changes = [{"Action": "UPSERT", "ResourceRecordSet": rrset(spec.primary, None)}]
        else:
            changes = [
                {"Action": "UPSERT", "ResourceRecordSet": rrset(spec.primary, spec.active_weight)},
                {"Action": "UPSERT", "ResourceRecordSet": rrset(spec.secondary, 0)},
            ]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})

    def _seed_alarms(self, group: Group, health_checks: dict[str, str]) -> None:
        primary_hc = health_checks.get(group.primary.health_checks[0]) if group.primary.health_checks else None
        for alarm in group.triggers.alarms:
            if primary_hc and alarm.region == "us-east-1" and "health" in alarm.name:
                metric = {
                    "Namespace": "AWS/Route53",
                    "MetricName": "HealthCheckStatus",
                    "Dimensions": [{"Name": "HealthCheckId", "Value": primary_hc}],
                    "Statistic": "Minimum",
                    "ComparisonOperator": "LessThanThreshold",
                    "Threshold": 1.0,
                }
            else:
                metric = {
                    "Namespace": f"Failover/{group.name}",
                    "MetricName": alarm.name,
                    "Dimensions": [{"Name": "Side", "Value": "primary"}],
                    "Statistic": "Average",
                    "ComparisonOperator": "GreaterThanThreshold",
                    "Threshold": 1.0,
                }
            self._alarm(alarm.name, alarm.region, metric)
        for side in (group.primary, group.secondary):
            for alarm in side.alarms:
                self._alarm(
                    alarm.name,
                    alarm.region,
                    {
                        "Namespace": f"Failover/{group.name}",
                        "MetricName": alarm.name,
                        "Dimensions": [{"Name": "Side", "Value": side.name}],
                        "Statistic": "Average",
                        "ComparisonOperator": "GreaterThanThreshold",
                        "Threshold": 5.0,
                    },
                )

    def _alarm(self, name: str, region: str, metric: dict[str, Any]) -> None:
        cw = self.clients.get("cloudwatch", region)
        cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, Period=60, ActionsEnabled=False, **metric)
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="drill world: healthy")

    def _seed_replication(self, group: Group, lag_seconds: float = 0.2) -> None:
        if group.replication is not None:
            self.set_replication_lag(group, lag_seconds)

    def publish_replication_lag(self) -> None:
        """Publish each group's replication lag again (the seeded lag, timestamped now), as AWS does
        every minute; a world that lives for minutes (the local AWS) calls it periodically."""
        for group in self.plan.groups:
            self._seed_replication(group)

    # ------------------------------------------------------------------ scenario controls

    def set_replication_lag(self, group: Group, lag_seconds: float) -> None:
        rep = group.replication
        if rep is None:
            return
        namespace, metric, unit = rep.resolved()
        self.clients.get("cloudwatch", rep.region).put_metric_data(
            Namespace=namespace,
            MetricData=[
                {
                    "MetricName": metric,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in rep.dimensions.items()],
                    "Value": lag_seconds / unit,
                }
            ],
        )

    def set_alarm(self, name: str, region: str, state: str, reason: str = "drill") -> None:
        self.clients.get("cloudwatch", region).set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    def set_side_health(self, group: Group, side: str, healthy_percent: float) -> None:
        for hc in group.side(side).health_checks:
            set_health(self.sim, hc, healthy_percent)

    def alarm_event(
        self,
        name: str,
        region: str,
        state: str = "ALARM",
        previous: str = "OK",
        reason: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """A ``CloudWatch Alarm State Change`` event shaped like EventBridge delivers it."""
        cw = self.clients.get("cloudwatch", region)
        found = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"]
        metrics_conf = []
        if found:
            a = found[0]
            metrics_conf = [
                {
                    "id": "m1",
                    "metricStat": {
                        "metric": {
                            "namespace": a["Namespace"],
                            "name": a["MetricName"],
                            "dimensions": {d["Name"]: d["Value"] for d in a.get("Dimensions", [])},
                        },
                        "period": a.get("Period", 60),
                        "stat": a.get("Statistic", "Average"),
                    },
                    "returnData": True,
                }
            ]
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        return {
            "version": "0",
            "id": event_id or secrets.token_hex(16),
            "detail-type": "CloudWatch Alarm State Change",
            "source": "aws.cloudwatch",
            "account": ACCOUNT,
            "time": now,
            "region": region,
            "resources": [f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"],
            "detail": {
                "alarmName": name,
                "state": {
                    "value": state,
                    "reason": reason or f"Threshold Crossed: drill set {name} to {state}",
                    "timestamp": now.replace("Z", ".000+0000"),
                },
                "previousState": {"value": previous, "reason": "previous", "timestamp": now.replace("Z", ".000+0000")},
                "configuration": {"description": f"drill alarm {name}", "metrics": metrics_conf},
            },
        }

    def rds_event(self, source_id: str, region: str, *, event_id: str | None = None) -> dict[str, Any]:
        """An ``RDS DB Cluster Event`` in the failure category, shaped like EventBridge delivers it."""
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        arn = f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{source_id}"
        return {
            "version": "0",
            "id": event_id or secrets.token_hex(16),
            "detail-type": "RDS DB Cluster Event",
            "source": "aws.rds",
            "account": ACCOUNT,
            "time": now,
            "region": region,
            "resources": [arn],
            "detail": {
                "EventCategories": ["failure"],
                "SourceType": "CLUSTER",
                "SourceArn": arn,
                "Date": now,
                "Message": "The DB cluster has failed (drill).",
                "SourceIdentifier": source_id,
                "EventID": "RDS-EVENT-0031",
            },
        }

    def request_event(
        self,
        group: str,
        direction: str = "failover",
        *,
        dry_run: bool | None = None,
        reason: str = "drill",
        requested_by: str = "drill@example.com",
        source: str = "failover.manual",
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "group": group,
            "direction": direction,
            "reason": reason,
            "requested_by": requested_by,
        }
        if dry_run is not None:
            detail["dry_run"] = dry_run
        return {
            "version": "0",
            "id": secrets.token_hex(16),
            "detail-type": "Failover Requested",
            "source": source,
            "account": ACCOUNT,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": self.region,
            "resources": [],
            "detail": detail,
        }

    # ------------------------------------------------------------------ running

    def rules(self) -> list[RuleDef]:
        return rules(self.template, self.resolver)

    def route(self, event: dict[str, Any]) -> RouteResult:
        """Deliver an event as EventBridge would: to every function whose rule pattern matches it.

        The stack's rules see only events of the stack's region; an event of another region arrives
        only through a forwarder deployed there whose pattern matches it and whose target is this region.
        """
        matched = [r for r in self.rules() if matches(r.pattern, event)]
        emitted_in = str(event.get("region") or self.region)
        forwarded_by: str | None = None
        if emitted_in != self.region:
            via = next((f for f in self.forwarders if f.forwards(event, self.region)), None)
            if via is None:
                result = RouteResult(event=event, rules=[])
                if matched:
                    result.undelivered = (
                        f"event {event.get('id')} ({event.get('detail-type')}) was emitted in {emitted_in}; the "
                        f"stack runs in {self.region} and no forwarder in {emitted_in} brings it there, so rule(s) "
                        f"{', '.join(r.name for r in matched)} never see it: nothing happens"
                    )
                return result
            forwarded_by = f"{via.name} ({via.region} -> {via.target_region})"
        result = RouteResult(event=event, rules=[r.name for r in matched], forwarded_by=forwarded_by)
        for rule in matched:
            inv = self.lambdas.invoke(rule.target, event)
            result.results.append(inv.result if inv.error is None else {"status": "error", **inv.error})
        return result

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        sfn = self.clients.get("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            desc: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING" or time.monotonic() > deadline:
                return desc
            time.sleep(0.05)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.clients.get("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            resp = sfn.get_execution_history(**kwargs)
            events.extend(resp["events"])
            if not resp.get("nextToken"):
                return events
            kwargs["nextToken"] = resp["nextToken"]

    def sns_messages(self) -> list[dict[str, Any]]:
        sqs = self.clients.get("sqs")
        out: list[dict[str, Any]] = []
        while True:
            resp = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            msgs = resp.get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                body = json.loads(m["Body"])
                out.append(
                    {
                        "subject": body.get("Subject"),
                        "message": body.get("Message"),
                        "attributes": {k: v.get("Value") for k, v in (body.get("MessageAttributes") or {}).items()},
                    }
                )
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def active_side(self, group: Group, direction: str = "failover") -> str:
        """Which side the group's resources serve now, read the way the actions' own verification reads it.

        Each action's observation says which side it serves; where that is neither side (a promoted
        replica and its old source both accept writes), the action's verification toward the direction's
        target decides, as it did when the stage was verified.
        """
        source, target = group.sides_for(direction)
        ctx = ActionContext(
            direction=Direction(direction),
            source=source,
            target=target,
            source_region=group.side(source).region,
            target_region=group.side(target).region,
            clients=self.clients,
        )
        sides = set()
        for _stage, name, spec in group.iter_actions():
            action = build_action(spec, name)
            try:
                side = action.observe(ctx).side
                if side not in ("n/a", source, target):
                    checks = action.verify(ctx)
                    if checks and all(c.ok for c in checks):
                        side = target
            except Exception:
                side = "unknown"
            if side != "n/a":
                sides.add(side)
        if len(sides) == 1:
            return sides.pop()
        return "mixed" if sides else "unknown"
