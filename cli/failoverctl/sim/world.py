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

from failover.actions import build_action
from failover.errors import FailoverError
from failover.infra.clients import Clients
from failover.plan import Group, Plan, load_plan_text
from failoverctl.regions import Forwarder, default_forwarders, plan_forwarders
from failoverctl.sim.aws import SIM, SimAWS, in_account
from failoverctl.sim.extensions import register_all
from failoverctl.sim.extensions.route53 import set_health
from failoverctl.sim.iam import IamEnforcer
from failoverctl.sim.iam import enforce as enforce_iam
from failoverctl.sim.lambdas import LocalLambdas
from failoverctl.sim.limits import enforce as enforce_limits
from failoverctl.sim.stacks import StackSite
from failoverctl.template import (
    ACCOUNT,
    Resolver,
    RuleDef,
    functions,
    load_template,
    matches,
    rules,
)

REGION = "us-east-1"  # the stack's region when none is given (plans and groups choose their own)
#: the functions that make an action's calls, and so assume the roles of other accounts
#: what the gate reads of a side in another account, as the side's role (alarms and metrics)
SIDE_READS = ("cloudwatch:DescribeAlarms", "cloudwatch:GetMetricStatistics")
ROLE_USERS = ("ValidateFunction", "ExecuteFunction", "VerifyFunction", "EvaluateFunction")
#: an account id in an ARN of the plan, or in an ``account_id`` field
_ACCOUNT_RE = re.compile(r"(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(?=[:/])|(account_id:\s*[\"']?)(\d{12})")


class SeedError(FailoverError):
    """A group's resources could not be created in the simulated AWS (the plan names something AWS would refuse)."""


#: the account of a role an action assumes (``assume_role.role_arn``)
_ROLE_ACCOUNT_RE = re.compile(r"role_arn:\s*[\"']?arn:aws[a-z-]*:iam::(\d{12}):role/")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _event(
    source: str,
    detail_type: str,
    region: str,
    resources: list[str],
    detail: dict[str, Any],
    event_id: str | None = None,
    now: str | None = None,
) -> dict[str, Any]:
    """An event of the simulated account, shaped as EventBridge delivers it."""
    return {
        "version": "0",
        "id": event_id or secrets.token_hex(16),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT,
        "time": now or _now(),
        "region": region,
        "resources": resources,
        "detail": detail,
    }


def simulated_account(text: str) -> tuple[str, dict[str, str]]:
    """``text`` (a plan) with every account id it names mapped to the simulated account, and the mapping.

    The stack runs in one simulated account; a team's plan may name any 12-digit account. The
    accounts of the roles its actions assume are simulated as themselves: the drill builds each one.
    """
    found: dict[str, str] = {}
    kept = set(_ROLE_ACCOUNT_RE.findall(text))

    def swap(m: re.Match[str]) -> str:
        prefix, account = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        if account in kept:
            return prefix + account
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

    def summary(self) -> dict[str, Any]:
        """What a drill report says of the route: the event, the rules it matched and what they started."""
        return {
            "event_id": self.event.get("id"),
            "detail_type": self.event.get("detail-type"),
            "rules": self.rules,
            "results": self.results,
            "forwarded_by": self.forwarded_by,
            "undelivered": self.undelivered,
        }


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
        self.sites: dict[str, StackSite] = {}  # the stack in each region it is deployed in (home first)
        self._alarm_accounts: dict[tuple[str, str], Clients] = {}  # alarms created in a side's account
        self._side_roles: set[str] = set()
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
        if self._forwarders is not None:
            self.forwarders = self._forwarders
        elif plan.settings.symmetric:  # the forwarders of every stack region, as the README deploys them
            self.forwarders = list(dict.fromkeys(default_forwarders(plan, self.region) + plan_forwarders(plan)))
        else:
            self.forwarders = default_forwarders(plan, self.region)
        self._build_stack(plan)
        self._build_plan_resources(plan)
        for placeholder, real in sorted(self.replacements.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(placeholder, real)
        self.plan_file = Path(self._tmp.name) / self.plan_path.name
        self.plan_file.write_text(text)
        self.plan = load_plan_text(text, str(self.plan_file))
        for site in self.sites.values():
            site.resolver.parameters.update(plan_parameters(self.plan))
        self._set_function_env()
        for site in self.sites.values():
            for group in self.plan.groups:
                site.store.set_active(group.name, "primary", None, failover=False)

    def check_seeded(self, group: str) -> None:
        """Raise ``SeedError`` when ``group``'s resources could not be created (other groups still drill)."""
        if group in self.seed_problems:
            raise SeedError(self.seed_problems[group], group=group)

    def _build_stack(self, plan: Plan) -> None:
        from failoverctl.sim.stacks import create_lease_tables, deploy_stack, stack_regions

        create_lease_tables(plan, self.clients)
        home, _ = deploy_stack(self.template, self.resolver, self.clients, self.slack_url)
        self.sites = {self.region: home}
        self.state_machine_arn, self.queue_url, self.store = home.state_machine_arn, home.queue_url, home.store
        self.lambdas = LocalLambdas(functions(self.template))
        self.lambdas.register(self.sim)
        for region in stack_regions(plan, self.region)[1:]:
            site, _ = deploy_stack(
                self.template, Resolver(self.template, region=region), self.clients, self.slack_url, home=False
            )
            self.sites[region] = site

    def _state_machine_functions(self) -> set[str]:
        subs = self.template["Resources"]["FailoverStateMachine"]["Properties"].get("DefinitionSubstitutions", {})
        return {v["Fn::GetAtt"][0] for v in subs.values() if isinstance(v, dict) and "Fn::GetAtt" in v}

    def _set_function_env(self) -> None:
        from failoverctl.sim.stacks import function_env

        common = {
            "PLAN_FILE": str(self.plan_file),
            "WAIT_SCALE": str(self.wait_scale),
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "AWS_LAMBDA_FUNCTION_NAME": "failover-drill",
        }
        for site in self.sites.values():
            site.env = function_env(self.template, site.resolver) | common
        self._set_env(self.sites[self.region].env)
        if len(self.sites) > 1:  # each stack's functions run with its own stack's environment
            self.lambdas.stack_envs = {region: site.env for region, site in self.sites.items()}
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
        wanted = [(side, hc) for side in (group.primary, *group.standbys) for hc in side.health_checks]
        wanted += [(group.primary, signal.id) for signal in (group.signals.health_checks if group.signals else [])]
        for side, hc in wanted:
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

            clients = self._account_of(spec)
            with in_account(spec.assume_role.account if spec.assume_role else ACCOUNT):
                self.replacements.update(seeders.seed(spec, clients, self.sim, active="primary"))
                for standby in group.standby_keys()[1:]:
                    self.replacements.update(seeders.seed_standby(spec, standby, clients, self.sim))
            if spec.type == "lambda_hook":
                self._stand_in_hook(spec.function_arn)

    def _account_of(self, spec: Any) -> Clients:
        """Clients in the account an action works in; for another account, its role is created first."""
        role = spec.assume_role
        if role is None:
            return self.clients
        from failover.actions import action_class
        from failoverctl.sim import accounts
        from failoverctl.sim.iam import world_stack

        stack = world_stack(self)
        accounts.create_role(
            self.clients,
            role.role_arn,
            # the functions whose calls the action makes: the gate observes, execute acts, verify checks,
            # evaluate reads readiness
            trusted=[f"arn:aws:iam::{ACCOUNT}:role/{stack}-{fn}Role" for fn in ROLE_USERS],
            actions=list(action_class(spec.type).iam_actions),
            external_id=role.external_id,
        )
        return accounts.administrator(self.clients, role.account)

    def _side_account(self, side: Any) -> Clients:
        """Clients in the account a side lives in; for another account, the role the gate reads it with
        is created first (trusting the stack's functions, allowed the gate's reads of a side)."""
        role = side.assume_role
        if role is None:
            return self.clients
        from failoverctl.sim import accounts
        from failoverctl.sim.iam import world_stack

        if role.role_arn not in self._side_roles:
            stack = world_stack(self)
            accounts.create_role(
                self.clients,
                role.role_arn,
                trusted=[f"arn:aws:iam::{ACCOUNT}:role/{stack}-{fn}Role" for fn in ROLE_USERS],
                actions=list(SIDE_READS),
                external_id=role.external_id,
                anywhere=("cloudwatch:GetMetricStatistics",),
            )
            self._side_roles.add(role.role_arn)
        return accounts.administrator(self.clients, role.account)

    def _stand_in_hook(self, function_arn: str) -> None:
        """A team's hook function does not exist here: a stand-in answers its invokes, recording them.

        It is idempotent, as the plan reference asks of every hook: an ``apply`` it already answered for
        the same incident, action and target side (a re-drive, a retry) answers ``changed: false``.
        """
        name = function_arn.rsplit(":function:", maxsplit=1)[-1].split(":", maxsplit=1)[0]
        calls = self.sim.state.setdefault("lambda.hook_calls", [])
        applied: set[tuple[Any, ...]] = set()

        def hook(payload: Any) -> dict[str, Any]:
            calls.append({"function": name, "payload": payload})
            answer: dict[str, Any] = {"ok": True, "hook": name, "stand_in": True}
            if isinstance(payload, dict) and payload.get("phase") == "apply":
                key = (payload.get("incident_id"), payload.get("action"), payload.get("target"))
                if key in applied:
                    answer |= {"changed": False, "detail": f"{name}: already done for this incident"}
                applied.add(key)
            return answer

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
        for canary in group.signals.canaries if group.signals else []:
            # a CloudWatch Synthetics canary's alarm: its success rate below 90%
            self._alarm(
                canary.name,
                canary.region,
                {
                    "Namespace": "CloudWatchSynthetics",
                    "MetricName": "SuccessPercent",
                    "Dimensions": [{"Name": "CanaryName", "Value": canary.name[:255]}],
                    "Statistic": "Average",
                    "ComparisonOperator": "LessThanThreshold",
                    "Threshold": 90.0,
                },
            )
        for side in (group.primary, *group.standbys):
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
                    clients=self._side_account(side),
                )

    def _alarm(self, name: str, region: str, metric: dict[str, Any], clients: Clients | None = None) -> None:
        """An alarm, in the stack's account or (``clients``) in a side's; scenarios set it where it lives."""
        if clients is not None:
            self._alarm_accounts[(name, region)] = clients
        cw = (clients or self.clients).get("cloudwatch", region)
        cw.put_metric_alarm(AlarmName=name, EvaluationPeriods=1, Period=60, ActionsEnabled=False, **metric)
        cw.set_alarm_state(AlarmName=name, StateValue="OK", StateReason="drill world: healthy")

    def _seed_replication(self, group: Group, lag_seconds: float = 0.2) -> None:
        if group.replication is not None:
            self.set_replication_lag(group, lag_seconds)
        for key in group.standby_keys():
            if group.side(key).replication is not None:
                self.set_replication_lag(group, lag_seconds, side=key)

    def publish_replication_lag(self) -> None:
        """Publish each group's replication lag again (the seeded lag, timestamped now), as AWS does
        every minute; a world that lives for minutes (the local AWS) calls it periodically."""
        for group in self.plan.groups:
            self._seed_replication(group)

    # ------------------------------------------------------------------ scenario controls

    def set_replication_lag(self, group: Group, lag_seconds: float, side: str | None = None) -> None:
        """Publish the lag the gate reads: of ``side``'s own metric, else of the group's."""
        rep = (group.side(side).replication if side else None) or group.replication
        if rep is None:
            return
        namespace, metric, unit = rep.resolved()
        clients = self._side_account(group.side(side)) if side else self.clients
        clients.get("cloudwatch", rep.region).put_metric_data(
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
        clients = self._alarm_accounts.get((name, region), self.clients)
        clients.get("cloudwatch", region).set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

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
        now = _now()
        resources = [f"arn:aws:cloudwatch:{region}:{ACCOUNT}:alarm:{name}"]
        return _event(
            "aws.cloudwatch",
            "CloudWatch Alarm State Change",
            region,
            resources,
            {
                "alarmName": name,
                "state": {
                    "value": state,
                    "reason": reason or f"Threshold Crossed: drill set {name} to {state}",
                    "timestamp": now.replace("Z", ".000+0000"),
                },
                "previousState": {"value": previous, "reason": "previous", "timestamp": now.replace("Z", ".000+0000")},
                "configuration": {"description": f"drill alarm {name}", "metrics": metrics_conf},
            },
            event_id,
            now,
        )

    def rds_event(self, source_id: str, region: str, *, event_id: str | None = None) -> dict[str, Any]:
        """An ``RDS DB Cluster Event`` in the failure category, shaped like EventBridge delivers it."""
        now = _now()
        arn = f"arn:aws:rds:{region}:{ACCOUNT}:cluster:{source_id}"
        return _event(
            "aws.rds",
            "RDS DB Cluster Event",
            region,
            [arn],
            {
                "EventCategories": ["failure"],
                "SourceType": "CLUSTER",
                "SourceArn": arn,
                "Date": now,
                "Message": "The DB cluster has failed (drill).",
                "SourceIdentifier": source_id,
                "EventID": "RDS-EVENT-0031",
            },
            event_id,
            now,
        )

    def request_event(
        self,
        group: str,
        direction: str = "failover",
        *,
        dry_run: bool | None = None,
        reason: str = "drill",
        requested_by: str = "drill@example.com",
        source: str = "failover.manual",
        region: str | None = None,
    ) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "group": group,
            "direction": direction,
            "reason": reason,
            "requested_by": requested_by,
        }
        if dry_run is not None:
            detail["dry_run"] = dry_run
        return _event(source, "Failover Requested", region or self.region, [], detail)

    # ------------------------------------------------------------------ running

    def rules(self) -> list[RuleDef]:
        return rules(self.template, self.resolver)

    def route(self, event: dict[str, Any], stack: str | None = None) -> RouteResult:
        """Deliver an event as EventBridge would: to every function whose rule pattern matches it.

        The stack's rules see only events of the stack's region; an event of another region arrives
        only through a forwarder deployed there whose pattern matches it and whose target is this region.
        ``stack`` is the region of the stack that receives it (by default the drill's first stack).
        """
        here = stack or self.region
        matched = [r for r in self.rules() if matches(r.pattern, event)]
        emitted_in = str(event.get("region") or here)
        forwarded_by: str | None = None
        if emitted_in != here:
            via = next((f for f in self.forwarders if f.forwards(event, here)), None)
            if via is None:
                result = RouteResult(event=event, rules=[])
                if matched:
                    result.undelivered = (
                        f"event {event.get('id')} ({event.get('detail-type')}) was emitted in {emitted_in}; the "
                        f"stack runs in {here} and no forwarder in {emitted_in} brings it there, so rule(s) "
                        f"{', '.join(r.name for r in matched)} never see it: nothing happens"
                    )
                return result
            forwarded_by = f"{via.name} ({via.region} -> {via.target_region})"
        result = RouteResult(event=event, rules=[r.name for r in matched], forwarded_by=forwarded_by)
        for rule in matched:
            inv = self.lambdas.invoke(rule.target, event, region=here)
            result.results.append(inv.result if inv.error is None else {"status": "error", **inv.error})
        return result

    def stacks_for(self, event: dict[str, Any]) -> list[str | None]:
        """Every stack an event reaches: the one in the region it was emitted in, and each stack a
        forwarder brings it to (symmetric stacks); the first stack alone when none would see it."""
        if len(self.sites) < 2:
            return [None]
        here = event.get("region")
        reached = [str(here)] if here in self.sites else []
        reached += [
            f.target_region
            for f in self.forwarders
            if f.target_region in self.sites and f.forwards(event, f.target_region)
        ]
        return list(dict.fromkeys(reached)) or [self.stack_for(event)]

    def stack_for(self, event: dict[str, Any]) -> str | None:
        """The stack an event reaches first: the one deployed in the region it was emitted in, if any."""
        region = event.get("region")
        return str(region) if len(self.sites) > 1 and region in self.sites else None

    def wait(self, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
        sfn = self.clients.get("stepfunctions", execution_arn.split(":")[3])
        deadline = time.monotonic() + timeout
        while True:
            desc: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING" or time.monotonic() > deadline:
                return desc
            time.sleep(0.05)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.clients.get("stepfunctions", execution_arn.split(":")[3])
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            resp = sfn.get_execution_history(**kwargs)
            events.extend(resp["events"])
            if not resp.get("nextToken"):
                return events
            kwargs["nextToken"] = resp["nextToken"]

    def sns_messages(self, stack: str | None = None) -> list[dict[str, Any]]:
        """What the topic of the stack in ``stack`` (by default the first stack) published since the last call."""
        site = self.sites[stack or self.region]
        sqs = self.clients.get("sqs", site.region)
        out: list[dict[str, Any]] = []
        while True:
            resp = sqs.receive_message(QueueUrl=site.queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
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
                sqs.delete_message(QueueUrl=site.queue_url, ReceiptHandle=m["ReceiptHandle"])

    def active_side(self, group: Group, direction: str = "failover") -> str:
        """Which side the group's resources serve now, read the way the actions' own verification reads it.

        Each action's observation says which side it serves; where that is neither side (a promoted
        replica and its old source both accept writes), the action's verification toward the direction's
        target decides, as it did when the stage was verified.
        """
        seen = [self._active_between(group, direction, standby) for standby in group.standby_keys()]
        return next((side for side in seen if side in group.standby_keys()), seen[0])

    def _active_between(self, group: Group, direction: str, standby: str) -> str:
        """The side the group's resources serve, read with each action narrowed to the primary and ``standby``."""
        from failover.actions.context import context_for
        from failover.models import FailoverRequest, Source

        request = FailoverRequest(request_id="observe", group=group.name, source=Source.DRILL, direction=direction)
        ctx = context_for(group, request, self.clients, dry_run=True, standby=standby)
        sides = set()
        for _stage, name, spec in group.iter_actions():
            action = build_action(spec, name, standby)
            try:
                bound = action.in_account(ctx)
                side = action.observe(bound).side
                if side not in ("n/a", ctx.source, ctx.target):
                    checks = action.verify(bound)
                    if checks and all(c.ok for c in checks):
                        side = ctx.target
            except Exception:
                side = "unknown"
            if side != "n/a":
                sides.add(ctx.side_key(side))
        if len(sides) == 1:
            return sides.pop()
        return "mixed" if sides else "unknown"
