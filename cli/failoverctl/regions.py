"""Where the stack runs and which events reach it: EventBridge rules see only their own region's events.

The failover stack is deployed in one region: the region being activated (the README's advice,
after AWS's guidance for Region switch), or the region a person names. An event emitted in
another region (an alarm's state change, an RDS event) reaches that stack only through a
forwarding rule in its own region whose target is the stack's default bus. The project ships one:
``templates/health-alarm-forwarder.yaml``, deployed in us-east-1 (its ``RunInUsEast1`` rule refuses
any other region) with ``AlarmNames`` = the plan's us-east-1 trigger alarms and ``TargetRegion`` =
the stack's region. Its rule pattern, its alarm names and its target region are read from the
template here, so the drill forwards exactly what a deployed forwarder would.

With ``settings.symmetric`` a stack runs in the region of every side, and each stack needs its own
forwarders: one copy of a forwarder template per stack region, each with that region as
``TargetRegion`` (``plan_forwarders``; ``failoverctl plan params FILE --forwarders`` prints the
deploy commands). A failover's triggers matter to the stacks that can activate: the standbys'.

``delivery_findings`` is what ``failoverctl plan lint`` adds for it: every trigger alarm or RDS
source that lives outside a stack's region, with the forwarder it needs or, when none can
exist, an error (in AWS nothing would ever start a failover).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from failover.plan import Group, Plan
from failoverctl.planning.lint import Finding, Severity, trigger_finding
from failoverctl.template import ROOT, Resolver, load_template, matches

FORWARDER_TEMPLATE = ROOT / "templates" / "health-alarm-forwarder.yaml"
FORWARDER_HOME = "us-east-1"
HEALTH_FORWARDER_TEMPLATE = ROOT / "templates" / "aws-health-forwarder.yaml"


def stack_region(group: Group, direction: str = "failover") -> str:
    """The region the README tells users to deploy the stack in: the one this direction activates."""
    _source, target = group.sides_for(direction)
    return group.side(target).region


@dataclass(frozen=True)
class Forwarder:
    """One deployed copy of the forwarder template: its region, rule pattern and target bus region."""

    region: str
    target_region: str
    alarm_names: tuple[str, ...]
    pattern: dict[str, Any] = field(hash=False, compare=False)
    name: str = "health-alarm-forwarder"
    services: tuple[str, ...] = ()  # the AWS Health forwarder's HealthServices

    def deployment(self) -> dict[str, Any]:
        """How to deploy this copy: its template, region, stack name and parameters."""
        names = self.alarm_names if self.name == "health-alarm-forwarder" else self.services
        key = "AlarmNames" if self.name == "health-alarm-forwarder" else "HealthServices"
        parameters = {"TargetRegion": self.target_region, key: ",".join(names)}
        return {
            "template": f"templates/{self.name}.yaml",
            "region": self.region,
            "stack_name": f"failover-{self.name}-to-{self.target_region}",
            "parameters": parameters,
            "command": f"sam deploy --template templates/{self.name}.yaml --stack-name "
            f"failover-{self.name}-to-{self.target_region} --region {self.region} --capabilities CAPABILITY_IAM "
            "--parameter-overrides " + " ".join(f'"{k}={v}"' for k, v in parameters.items()),
        }

    def forwards(self, event: dict[str, Any], stack_region: str) -> bool:
        return (
            event.get("region") == self.region and self.target_region == stack_region and matches(self.pattern, event)
        )


class ForwarderRegionError(ValueError):
    """The forwarder template refuses to deploy in this region (its ``Rules`` assertion)."""


def forwarder(
    target_region: str, alarm_names: list[str], region: str = FORWARDER_HOME, path: Path = FORWARDER_TEMPLATE
) -> Forwarder:
    """The forwarder template deployed in ``region`` with these parameters, as CloudFormation resolves it."""
    template = load_template(path)
    resolver = Resolver(
        template,
        parameters={"TargetRegion": target_region, "AlarmNames": list(alarm_names) or [""]},
        region=region,
    )
    for name, rule in template.get("Rules", {}).items():
        for assertion in rule.get("Assertions", []):
            if not resolver.resolve(assertion["Assert"]):
                raise ForwarderRegionError(
                    f"{path.name} cannot be deployed in {region}: {name}: {assertion.get('AssertDescription', '')}"
                )
    rule = next(r for r in template["Resources"].values() if r.get("Type") == "AWS::Events::Rule")
    props = rule["Properties"]
    target = str(resolver.resolve(props["Targets"][0]["Arn"]))
    return Forwarder(
        region=region,
        target_region=target.split(":")[3],
        alarm_names=tuple(alarm_names),
        pattern=resolver.resolve(props["EventPattern"]),
    )


def health_forwarder(target_region: str, services: list[str], region: str) -> Forwarder:
    """``templates/aws-health-forwarder.yaml`` deployed in ``region`` (a primary region), as resolved."""
    template = load_template(HEALTH_FORWARDER_TEMPLATE)
    resolver = Resolver(
        template, parameters={"TargetRegion": target_region, "HealthServices": list(services) or [""]}, region=region
    )
    props = template["Resources"]["ForwardHealthEvents"]["Properties"]
    target = str(resolver.resolve(props["Targets"][0]["Arn"]))
    return Forwarder(
        region=region,
        target_region=target.split(":")[3],
        alarm_names=(),
        pattern=resolver.resolve(props["EventPattern"]),
        name="aws-health-forwarder",
        services=tuple(services),
    )


def default_forwarders(plan: Plan, region: str) -> list[Forwarder]:
    """What the README tells a user to deploy: the us-east-1 forwarder for the plan's us-east-1 trigger
    alarms, when the stack runs in another region; and the AWS Health forwarder in each primary region
    (other than the stack's) of a group that names ``health_services``."""
    out: list[Forwarder] = []
    names = sorted({a.name for g in plan.groups for a in g.triggers.alarms if a.region == FORWARDER_HOME})
    if region != FORWARDER_HOME and names:
        out.append(forwarder(region, names))
    services = sorted({s for g in plan.groups for s in g.triggers.health_services})
    primaries = sorted({g.primary.region for g in plan.groups if g.triggers.health_services} - {region})
    out.extend(health_forwarder(region, services, primary) for primary in primaries)
    return out


def acting_regions(plan: Plan, group: Group) -> list[str]:
    """The regions of the stacks a failover of ``group`` can start in: the region it fails over to, or,
    with symmetric stacks, every standby's region (each acts when the gate chooses its region)."""
    if not plan.settings.symmetric:
        return [stack_region(group)]
    return list(dict.fromkeys(group.side(key).region for key in group.standby_keys()))


def plan_stack_regions(plan: Plan) -> list[str]:
    """Where the plan's stacks run: each group's failover target, or, with symmetric stacks, every side's region."""
    regions: list[str] = []
    for group in plan.groups:
        sides = group.side_keys() if plan.settings.symmetric else group.standby_keys()[:1]
        regions += [group.side(key).region for key in sides]
    return list(dict.fromkeys(regions))


def plan_forwarders(plan: Plan) -> list[Forwarder]:
    """Every forwarder the plan's stacks need: ``default_forwarders`` of each stack region."""
    return [f for region in plan_stack_regions(plan) for f in default_forwarders(plan, region)]


def delivery_findings(plan: Plan) -> list[Finding]:
    """Triggers emitted outside the region of a stack that acts on them (the one each group fails over
    to, or each standby's with symmetric stacks), and whether anything can bring them there. The stack
    stays where it was deployed when failing back."""
    out: list[Finding] = []
    for group in plan.groups:
        for home in acting_regions(plan, group):
            # shown with the pair whose standby is the stack's region (the first standby's otherwise)
            key = next((k for k in group.standby_keys() if group.side(k).region == home), "secondary")
            found = _stack_findings(group, home, symmetric=plan.settings.symmetric)
            out += [f.model_copy(update={"standby": key, "stack_region": home}) for f in found]
    return out


def _stack_findings(group: Group, home: str, *, symmetric: bool) -> list[Finding]:
    out: list[Finding] = []
    # a symmetric stack with an alarm of its own region (or us-east-1's, forwarded) is triggered anyway
    local = any(a.region in (home, FORWARDER_HOME) for a in group.triggers.alarms)
    for alarm in group.triggers.alarms:
        if alarm.region == home:
            continue
        severity: Severity
        if alarm.region == FORWARDER_HOME:
            severity = "warning"
            message = (
                f"trigger alarm '{alarm.name}' changes state in {alarm.region}; the stack runs in "
                f"{home} and sees it only through templates/health-alarm-forwarder.yaml deployed in "
                f"{FORWARDER_HOME} (TargetRegion={home}, AlarmNames including '{alarm.name}')"
            )
            alternative = f"an alarm in {home} on a canary or probe of the primary"
        elif symmetric and local:
            severity = "info"
            message = (
                f"trigger alarm '{alarm.name}' changes state in {alarm.region}; the stack in {home} never "
                "sees it (the forwarder template runs only in us-east-1) and acts on its other triggers"
            )
            alternative = f"an alarm in {home} on the same probe, so that this stack decides as early"
        else:
            severity = "error"
            message = (
                f"trigger alarm '{alarm.name}' changes state in {alarm.region} but the stack runs "
                f"in {home}: EventBridge rules see only their own region's events and the forwarder "
                f"template runs only in {FORWARDER_HOME}, so this alarm never starts a failover"
            )
            alternative = (
                f"move the alarm to {home} (a canary there probing the primary), "
                f"or to {FORWARDER_HOME} behind the forwarder"
            )
        out.append(trigger_finding(group, alarm.name, alarm.region, severity, message, alternative))
    primary = group.primary.region
    if group.triggers.health_services and primary != home:
        services = ",".join(group.triggers.health_services)
        message = (
            f"AWS Health events for {primary} reach only that region's event bus; the stack runs in {home} "
            f"and sees them only through templates/aws-health-forwarder.yaml deployed in {primary} "
            f"(TargetRegion={home}, HealthServices including {services})"
        )
        alternative = "keep a trigger alarm as well: AWS Health reports an outage after it has begun"
        out.append(trigger_finding(group, services, primary, "warning", message, alternative))
    if group.triggers.rds_source_ids and primary != home and not group.triggers.alarms:
        message = (
            f"the group is triggered only by RDS events, emitted in {primary}; the stack runs in {home} "
            "and no forwarder brings RDS events there: nothing would start a failover"
        )
        sources = ",".join(group.triggers.rds_source_ids)
        out.append(trigger_finding(group, sources, primary, "error", message, f"add a trigger alarm in {home}"))
    return out
