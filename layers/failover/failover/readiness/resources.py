"""Every resource the plan names exists and is in a state a failover can use; the standby can take the load.

- Each action observes its resources exactly as a failover would first do (the action's own
  ``observe``): a resource that is gone is ``missing``; one whose state cannot serve is ``unusable``.
- Per type, what observing does not say: a Multi-AZ instance that is not available or no longer
  Multi-AZ, a global table replica that is not ACTIVE, a listener no longer forwarding to the
  plan's target groups.
- The sides', triggers' and corroborating signals' alarms and health checks exist.
- Standby capacity: the standby Auto Scaling group's maximum (or the plan's) and the size the plan
  scales it to against the primary's fleet now; the EC2 On-Demand vCPU quota of the standby region
  against what the plan scales to.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions import ActionContext, build_action
from failover.errors import ActionError, FailoverError
from failover.infra.clients import Clients
from failover.models import Direction
from failover.plan import AlarmRef, Group
from failover.readiness.findings import Finding

#: Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, counted in vCPUs
EC2_STANDARD_VCPU_QUOTA = "L-1216C47A"
STANDARD_FAMILIES = set("acdhimrtz")
_MISSING_HINTS = ("notfound", "nosuch", "not found", "does not exist", "cannot be found")


def _code(err: Exception) -> str:
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code", "ClientError"))
    return type(err).__name__


def _looks_missing(err: Exception) -> bool:
    text = f"{_code(err)} {err}".lower()
    return any(hint in text for hint in _MISSING_HINTS)


def context_of(group: Group, clients: Clients, standby: str = "secondary") -> ActionContext:
    """A failover's context between the primary and ``standby`` (actions narrowed to that pair)."""
    return ActionContext(
        direction=Direction.FAILOVER,
        source="primary",
        target="secondary",
        source_region=group.primary.region,
        target_region=group.side(standby).region,
        clients=clients,
        dry_run=True,
        group=group.name,
        standby=standby,
    )


def check_actions(group: Group, clients: Clients) -> tuple[list[Finding], int]:
    """Each action as every pair of the primary and a standby would use it (a side shared by pairs once)."""
    findings: dict[str, Finding] = {}
    checks = 0
    for standby, _stage, name, spec in group.iter_pair_actions():
        found, count = _check_action(group, name, spec, context_of(group, clients, standby))
        checks += count
        findings.update((f.key, f) for f in found)
    return list(findings.values()), checks


def _check_action(group: Group, name: str, spec: Any, ctx: ActionContext) -> tuple[list[Finding], int]:
    findings: list[Finding] = []
    action = build_action(spec, name)
    checks = 1
    try:
        ctx = action.in_account(ctx)  # an action in another account is observed as its role
        observed = action.observe(ctx)
    except (ActionError, FailoverError, ClientError, BotoCoreError) as err:
        kind = "missing" if _looks_missing(err) else "unusable"
        findings.append(
            Finding(group=group.name, kind=kind, resource=action.target_label(), detail=f"{name}: {err}"[:500])
        )
        return findings, checks
    if observed.side in ("unknown", "mixed"):
        findings.append(
            Finding(
                group=group.name,
                kind="unusable",
                resource=action.target_label(),
                detail=f"{name}: serves neither side cleanly ({observed.side}): {observed.detail}"[:500],
            )
        )
    checker = _DEEPER.get(spec.type)
    if checker is not None:
        checks += 1
        try:
            findings.extend(checker(group, name, spec, ctx.clients))
        except (ClientError, BotoCoreError) as err:
            kind = "missing" if _looks_missing(err) else "unusable"
            findings.append(Finding(group=group.name, kind=kind, resource=name, detail=f"{name}: {_code(err)}"))
    return findings, checks


def _rds_instance(group: Group, name: str, spec: Any, clients: Clients) -> list[Finding]:
    db = clients.get("rds", spec.region).describe_db_instances(DBInstanceIdentifier=spec.db_instance_identifier)[
        "DBInstances"
    ][0]
    out = []
    if db.get("DBInstanceStatus") != "available":
        out.append(f"is {db.get('DBInstanceStatus')}, not available")
    if not db.get("MultiAZ"):
        out.append("is no longer Multi-AZ: a forced failover has no standby")
    return [
        Finding(
            group=group.name, kind="unusable", resource=spec.db_instance_identifier, detail=f"{name}: the instance {p}"
        )
        for p in out
    ]


def _dynamodb(group: Group, name: str, spec: Any, clients: Clients) -> list[Finding]:
    out = []
    for side, other in ((spec.primary, spec.secondary), (spec.secondary, spec.primary)):
        table = clients.get("dynamodb", side.region).describe_table(TableName=spec.table_name)["Table"]
        replicas = {r["RegionName"]: r.get("ReplicaStatus") for r in table.get("Replicas", [])}
        if table.get("TableStatus") != "ACTIVE":
            out.append(f"the replica in {side.region} is {table.get('TableStatus')}")
        if other.region not in replicas:
            out.append(f"the table in {side.region} does not replicate to {other.region}")
    return [
        Finding(group=group.name, kind="replication", resource=f"table {spec.table_name}", detail=f"{name}: {p}")
        for p in sorted(set(out))
    ]


def _elb(group: Group, name: str, spec: Any, clients: Clients) -> list[Finding]:
    listener = clients.get("elbv2", spec.region).describe_listeners(ListenerArns=[spec.listener_arn])["Listeners"][0]
    forwarded: set[str] = set()
    for action in listener.get("DefaultActions", []):
        forwarded |= {tg["TargetGroupArn"] for tg in (action.get("ForwardConfig") or {}).get("TargetGroups", [])}
        if action.get("TargetGroupArn"):
            forwarded.add(action["TargetGroupArn"])
    missing = [s.target_group_arn for s in (spec.primary, spec.secondary) if s.target_group_arn not in forwarded]
    if spec.rule_arn or not missing:
        return []
    return [
        Finding(
            group=group.name,
            kind="unusable",
            resource=spec.listener_arn,
            detail=f"{name}: the listener does not forward to {', '.join(missing)}: a weight change would fail",
        )
    ]


def standby_capacity(group: Group, name: str, spec: Any, clients: Clients) -> list[Finding]:
    """Can the standby of an ``asg_capacity`` spec (narrowed to its pair) take the primary's fleet?

    Its Auto Scaling maximum and the size the plan scales it to against the primary's fleet now,
    and the standby region's On-Demand vCPU quota against that size.
    """

    def describe(side: Any) -> dict[str, Any]:
        found = clients.get("autoscaling", side.region).describe_auto_scaling_groups(
            AutoScalingGroupNames=[side.asg_name]
        )["AutoScalingGroups"]
        return dict(found[0]) if found else {}

    primary, standby = describe(spec.primary), describe(spec.secondary)
    if not primary or not standby:
        return []  # observing already reported the missing group
    out: list[Finding] = []
    fleet = int(primary["DesiredCapacity"])
    target = spec.secondary.desired_capacity
    ceiling = spec.secondary.max_size if spec.secondary.max_size is not None else int(standby["MaxSize"])
    if ceiling < fleet or target < fleet:
        out.append(
            Finding(
                group=group.name,
                kind="standby_capacity",
                resource=spec.secondary.asg_name,
                detail=f"{name}: the primary runs {fleet} instance(s); the standby would scale to {target} "
                f"with a maximum of {ceiling}",
            )
        )
    out.extend(_quota(group, name, spec.secondary, standby, max(target, fleet), clients))
    return out


def _instance_type(group_desc: dict[str, Any], region: str, clients: Clients) -> str | None:
    ec2 = clients.get("ec2", region)
    template = group_desc.get("LaunchTemplate") or (
        (group_desc.get("MixedInstancesPolicy") or {}).get("LaunchTemplate", {}).get("LaunchTemplateSpecification")
    )
    if template:
        ident = (
            {"LaunchTemplateId": template["LaunchTemplateId"]}
            if template.get("LaunchTemplateId")
            else {"LaunchTemplateName": template["LaunchTemplateName"]}
        )
        versions = ec2.describe_launch_template_versions(**ident, Versions=[template.get("Version") or "$Default"])
        data = versions["LaunchTemplateVersions"][0].get("LaunchTemplateData", {})
        return str(data["InstanceType"]) if data.get("InstanceType") else None
    if group_desc.get("LaunchConfigurationName"):
        configs = clients.get("autoscaling", region).describe_launch_configurations(
            LaunchConfigurationNames=[group_desc["LaunchConfigurationName"]]
        )["LaunchConfigurations"]
        return str(configs[0]["InstanceType"]) if configs else None
    return None


def _quota(
    group: Group, name: str, side: Any, standby: dict[str, Any], instances: int, clients: Clients
) -> list[Finding]:
    instance_type = _instance_type(standby, side.region, clients)
    if not instance_type or instance_type[0] not in STANDARD_FAMILIES:
        return []
    info = clients.get("ec2", side.region).describe_instance_types(InstanceTypes=[instance_type])["InstanceTypes"]
    vcpus = int(info[0]["VCpuInfo"]["DefaultVCpus"]) if info else 0
    needed = vcpus * instances
    quotas = clients.get("service-quotas", side.region)
    try:
        quota = quotas.get_service_quota(ServiceCode="ec2", QuotaCode=EC2_STANDARD_VCPU_QUOTA)["Quota"]
    except (ClientError, BotoCoreError) as err:
        return [
            Finding(
                group=group.name,
                kind="service_quota",
                resource=f"ec2/{EC2_STANDARD_VCPU_QUOTA} ({side.region})",
                detail=f"{name}: cannot read the On-Demand vCPU quota in {side.region} ({_code(err)})",
                severity="warning",
            )
        ]
    value = float(quota["Value"])
    if needed <= value:
        return []
    return [
        Finding(
            group=group.name,
            kind="service_quota",
            resource=f"ec2/{EC2_STANDARD_VCPU_QUOTA} ({side.region})",
            detail=f"{name}: {instances} x {instance_type} need {needed} On-Demand vCPUs in {side.region}; "
            f"the quota is {value:g}",
        )
    ]


_DEEPER = {
    "rds_instance_failover": _rds_instance,
    "dynamodb_global_table": _dynamodb,
    "elb_weights": _elb,
    "asg_capacity": standby_capacity,
}


def check_signals(group: Group, clients: Clients) -> tuple[list[Finding], int]:
    """The alarms and health checks the plan names (triggers, sides and corroborating signals) exist."""
    findings: list[Finding] = []
    signals = group.signals
    canaries = [AlarmRef(name=c.name, region=c.region) for c in signals.canaries] if signals else []
    sides = [group.primary, *group.standbys]
    alarms = [*group.triggers.alarms, *(a for side in sides for a in side.alarms), *canaries]
    by_region: dict[str, set[str]] = {}
    for alarm in alarms:
        by_region.setdefault(alarm.region, set()).add(alarm.name)
    checks = 0
    for region, names in sorted(by_region.items()):
        found: set[str] = set()
        ordered = sorted(names)
        for start in range(0, len(ordered), 100):
            resp = clients.get("cloudwatch", region).describe_alarms(AlarmNames=ordered[start : start + 100])
            found |= {a["AlarmName"] for a in [*resp.get("MetricAlarms", []), *resp.get("CompositeAlarms", [])]}
        checks += len(names)
        findings.extend(
            Finding(group=group.name, kind="missing", resource=f"alarm {n} ({region})", detail=f"the alarm {n} is gone")
            for n in sorted(names - found)
        )
    r53 = clients.get("route53")
    signal_checks = {hc.id for hc in signals.health_checks} if signals else set()
    for hc in sorted({*(hc for side in sides for hc in side.health_checks), *signal_checks}):
        checks += 1
        try:
            r53.get_health_check(HealthCheckId=hc)
        except ClientError as err:
            findings.append(
                Finding(group=group.name, kind="missing", resource=f"health check {hc}", detail=f"{_code(err)}: {err}")
            )
    return findings, checks
