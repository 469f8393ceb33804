"""Route 53: point records at the target side, or invert the primary's health check.

Both call the Route 53 control plane, which lives in us-east-1. ``route53_metric_switch`` is the
data-plane alternative (see ``route53_metric.py``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import RecordTarget, Route53HealthCheckInvertSpec, Route53RecordsSpec
from failover.models import Check

ROUTE53_REGION = "us-east-1"


def _record_values(record: dict[str, Any]) -> tuple[str, ...]:
    if "AliasTarget" in record:
        return ("ALIAS " + record["AliasTarget"]["DNSName"].rstrip(".").lower(),)
    return tuple(sorted(r["Value"].rstrip(".").lower() for r in record.get("ResourceRecords", [])))


def _target_values(target: RecordTarget) -> tuple[str, ...]:
    if target.alias is not None:
        return ("ALIAS " + target.alias.dns_name.rstrip(".").lower(),)
    return tuple(sorted(v.rstrip(".").lower() for v in target.values or []))


class Route53Records(Action[Route53RecordsSpec]):
    """UPSERT a simple record to the target's values, or set weighted records' weights."""

    type: ClassVar[str] = "route53_records"
    plane = "control"
    iam_actions = (
        "route53:ListResourceRecordSets",
        "route53:ChangeResourceRecordSets",
        "route53:GetChange",
        "route53:TestDNSAnswer",
    )

    def target_label(self) -> str:
        return f"{self.spec.record_name} {self.spec.record_type} ({self.spec.hosted_zone_id})"

    # -- reading ------------------------------------------------------------------------

    def _records(self, ctx: ActionContext) -> list[dict[str, Any]]:
        client = ctx.clients.get("route53")
        resp = client.list_resource_record_sets(
            HostedZoneId=self.spec.hosted_zone_id,
            StartRecordName=self.spec.record_name,
            StartRecordType=self.spec.record_type,
            MaxItems="100",
        )
        return [
            r
            for r in resp.get("ResourceRecordSets", [])
            if r["Name"].lower() == self.spec.record_name and r["Type"] == self.spec.record_type
        ]

    def _find(self, records: list[dict[str, Any]], side: str) -> dict[str, Any] | None:
        wanted = getattr(self.spec, side).set_identifier
        for record in records:
            if record.get("SetIdentifier") == wanted:
                return record
        return None

    def observe(self, ctx: ActionContext) -> Observation:
        records = self._records(ctx)
        if self.spec.routing == "simple":
            simple = [r for r in records if "SetIdentifier" not in r]
            if not simple:
                return Observation("unknown", f"{self.spec.record_name} {self.spec.record_type} does not exist")
            values = _record_values(simple[0])
            for side in ("primary", "secondary"):
                if values == _target_values(getattr(self.spec, side)):
                    return Observation(side, f"{self.spec.record_name} -> {', '.join(values)}", {"values": values})
            return Observation("unknown", f"{self.spec.record_name} -> {', '.join(values)} (neither side)")
        weights = {}
        for side in ("primary", "secondary"):
            record = self._find(records, side)
            weights[side] = None if record is None else int(record.get("Weight", 0))
        if None in weights.values():
            return Observation("unknown", f"weighted records missing: {weights}", {"weights": weights})
        if weights["primary"] and not weights["secondary"]:
            return Observation("primary", f"weights {weights}", {"weights": weights})
        if weights["secondary"] and not weights["primary"]:
            return Observation("secondary", f"weights {weights}", {"weights": weights})
        return Observation("mixed", f"weights {weights}", {"weights": weights})

    # -- changing -----------------------------------------------------------------------

    def _record_set(self, target: RecordTarget, weight: int | None = None) -> dict[str, Any]:
        rrset: dict[str, Any] = {"Name": self.spec.record_name, "Type": self.spec.record_type}
        if target.alias is not None:
            rrset["AliasTarget"] = {
                "HostedZoneId": target.alias.hosted_zone_id,
                "DNSName": target.alias.dns_name,
                "EvaluateTargetHealth": target.alias.evaluate_target_health,
            }
        else:
            rrset["TTL"] = self.spec.ttl
            rrset["ResourceRecords"] = [{"Value": v} for v in target.values or []]
        if weight is not None:
            rrset["SetIdentifier"] = target.set_identifier
            rrset["Weight"] = weight
        return rrset

    def apply(self, ctx: ActionContext) -> Change | Done:
        records = self._records(ctx)
        changes: list[dict[str, Any]] = []
        undo: list[dict[str, Any]] = []
        planned: list[str] = []
        if self.spec.routing == "simple":
            current = next((r for r in records if "SetIdentifier" not in r), None)
            target = getattr(self.spec, ctx.target)
            if current is None or _record_values(current) != _target_values(target):
                changes.append({"Action": "UPSERT", "ResourceRecordSet": self._record_set(target)})
                planned.append(f"UPSERT {self.spec.record_name} -> {', '.join(_target_values(target))}")
                if current is not None:
                    undo.append(
                        {"api": "route53.ChangeResourceRecordSets", "Action": "UPSERT", "ResourceRecordSet": current}
                    )
            describe = ", ".join(_record_values(current)) if current else "missing"
        else:
            for side, weight in ((ctx.target, self.spec.active_weight), (ctx.source, 0)):
                target = getattr(self.spec, side)
                current = self._find(records, side)
                if current is None or int(current.get("Weight", -1)) != weight:
                    changes.append({"Action": "UPSERT", "ResourceRecordSet": self._record_set(target, weight)})
                    planned.append(f"set weight of {target.set_identifier} to {weight}")
                    if current is not None:
                        undo.append(
                            {
                                "api": "route53.ChangeResourceRecordSets",
                                "Action": "UPSERT",
                                "ResourceRecordSet": current,
                            }
                        )
            describe = "weights already set"

        def do_change() -> str:
            client = ctx.clients.get("route53")
            resp = client.change_resource_record_sets(
                HostedZoneId=self.spec.hosted_zone_id,
                ChangeBatch={
                    "Comment": f"failover {ctx.incident_id or ''} to {ctx.target}".strip(),
                    "Changes": changes,
                },
            )
            change_id = resp["ChangeInfo"]["Id"].split("/")[-1]
            return f"{'; '.join(planned)} (change {change_id}, {resp['ChangeInfo']['Status']})"

        return Change(describe, planned, do_change, undo=undo, region=ROUTE53_REGION)

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        client = ctx.clients.get("route53")
        checks: list[Check] = []
        observed = self.observe(ctx)
        checks.append(
            Check(
                name=f"{self.name}: records point at {ctx.target}",
                ok=observed.side == ctx.target,
                detail=observed.detail,
                values={"observed": observed.side, "expected": ctx.target},
            )
        )
        target = getattr(self.spec, ctx.target)
        if target.alias is None:
            answer = client.test_dns_answer(
                HostedZoneId=self.spec.hosted_zone_id,
                RecordName=self.spec.record_name,
                RecordType=self.spec.record_type,
            )
            got = tuple(sorted(v.rstrip(".").lower() for v in answer.get("RecordData", [])))
            want = _target_values(target)
            checks.append(
                Check(
                    name=f"{self.name}: DNS answers with {ctx.target}",
                    ok=answer.get("ResponseCode") == "NOERROR" and bool(got) and set(got) <= set(want),
                    detail=f"TestDNSAnswer {self.spec.record_name} {self.spec.record_type}: "
                    f"{answer.get('ResponseCode')} {', '.join(got) or '(no data)'}",
                    values={"answer": list(got), "expected": list(want), "response_code": answer.get("ResponseCode")},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "route53",
                "ChangeResourceRecordSets",
                ROUTE53_REGION,
                "Route 53 record changes go through the control plane in us-east-1",
                "route53_metric_switch or arc_routing_control (data plane)",
            )
        ]


class Route53HealthCheckInvert(Action[Route53HealthCheckInvertSpec]):
    """Invert the primary record's health check: failover sets Inverted, failback clears it."""

    type: ClassVar[str] = "route53_health_check_invert"
    plane = "control"
    iam_actions = ("route53:GetHealthCheck", "route53:UpdateHealthCheck", "route53:GetHealthCheckStatus")

    def target_label(self) -> str:
        return f"health check {self.spec.health_check_id}"

    def _inverted(self, ctx: ActionContext) -> bool:
        hc = ctx.clients.get("route53").get_health_check(HealthCheckId=self.spec.health_check_id)
        return bool(hc["HealthCheck"]["HealthCheckConfig"].get("Inverted", False))

    def observe(self, ctx: ActionContext) -> Observation:
        inverted = self._inverted(ctx)
        side = "secondary" if inverted else "primary"
        return Observation(
            side, f"health check {self.spec.health_check_id} inverted={inverted}", {"inverted": inverted}
        )

    def apply(self, ctx: ActionContext) -> Change | Done:
        want = ctx.target == "secondary"
        current = self._inverted(ctx)
        planned = [] if current == want else [f"set Inverted={want} on health check {self.spec.health_check_id}"]
        undo = [{"api": "route53.UpdateHealthCheck", "HealthCheckId": self.spec.health_check_id, "Inverted": current}]

        def do_change() -> str:
            ctx.clients.get("route53").update_health_check(HealthCheckId=self.spec.health_check_id, Inverted=want)
            return planned[0]

        return Change(f"Inverted={current}", planned, do_change, undo=undo, region=ROUTE53_REGION)

    def verify(self, ctx: ActionContext) -> list[Check]:
        want = ctx.target == "secondary"
        inverted = self._inverted(ctx)
        return [
            Check(
                name=f"{self.name}: health check inverted={want}",
                ok=inverted == want,
                detail=f"health check {self.spec.health_check_id} Inverted={inverted}",
                values={"inverted": inverted, "expected": want},
            )
        ]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "control",
                "route53",
                "UpdateHealthCheck",
                ROUTE53_REGION,
                "health-check updates go through the Route 53 control plane in us-east-1",
                "route53_metric_switch (publish the metric behind a CLOUDWATCH_METRIC health check)",
            )
        ]
