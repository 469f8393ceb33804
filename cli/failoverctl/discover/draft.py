"""From an inventory to a draft plan: groups, sides, ordered stages of actions and triggers, each guess noted.

How resources become groups: Auto Scaling groups by their group tag; everything else by the first
word of its name (``checkout-global``, ``checkout.example.com`` and the ``checkout`` control panel
make one group ``checkout``). Which side is primary comes from what serves now (the Aurora
writer, the heavier weight, the record marked PRIMARY, the larger fleet, the routing control that
is On, the route that takes traffic); the order of ``--regions`` breaks ties. Data and capacity
move first (one stage, in parallel), traffic second, so that traffic never reaches a standby
without its database and fleet. Alarms whose dimensions name a primary resource become triggers;
alarms on a secondary resource become the secondary side's alarms (the gate refuses to fail over
while they fire).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from failoverctl.discover.render import Note, render
from failoverctl.discover.scan import Found, Inventory
from failoverctl.planning.rto import TYPICAL_SECONDS, UNKNOWN_TYPICAL_SECONDS

DATA = {"aurora_global", "rds_instance_failover", "rds_cluster_failover", "dynamodb_global_table", "asg_capacity"}
RPO_GUESS_SECONDS = 5
VERIFY_INTERVAL = 15


def group_key(name: str) -> str:
    word = re.split(r"[-._/ ]", name.strip().lower(), maxsplit=1)[0]
    word = re.sub(r"[^a-z0-9-]", "", word)[:40].strip("-")
    return word or "group"


def _short(region: str) -> str:
    """us-east-1 -> use1 (how teams often name per-region resources)."""
    parts = region.split("-")
    return parts[0] + "".join(p[0] for p in parts[1:-1]) + parts[-1] if len(parts) >= 3 else region


def _mentions(name: str, region: str) -> bool:
    lowered = name.lower()
    return region in lowered or region.replace("-", "") in lowered or _short(region) in lowered


@dataclass
class Draft:
    key: str
    actions: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # (stage kind, action, note)
    votes: list[str] = field(default_factory=list)  # primary regions the evidence says
    health: dict[str, list[str]] = field(default_factory=lambda: {"primary": [], "secondary": []})
    ids: dict[str, set[str]] = field(default_factory=lambda: {"primary": set(), "secondary": set()})
    replication: dict[str, Any] | None = None
    azs: tuple[str, str] | None = None
    region: str | None = None  # single-region groups (Multi-AZ)


class Drafter:
    def __init__(self, inventory: Inventory) -> None:
        self.inv = inventory
        self.groups: dict[str, Draft] = {}
        self.notes: list[str] = list(inventory.notes)

    def group(self, name: str) -> Draft:
        key = group_key(name)
        return self.groups.setdefault(key, Draft(key))

    def other(self, region: str) -> str:
        return next((r for r in self.inv.regions if r != region), region)

    # ------------------------------------------------------------------ per kind

    def record_pair(self, f: Found) -> None:
        d = self.group(f.name)
        sets = f.data["sets"]
        routing = f.data["routing"]
        base = {"hosted_zone_id": f.data["zone_id"], "record_name": f.name}
        if routing == "weighted":
            ordered = sorted(sets, key=lambda s: -int(s.get("Weight", 0)))
            primary, secondary = ordered
            weight = max(1, min(255, int(primary.get("Weight", 0)) or 100))
            action = {
                "type": "route53_records",
                "name": f"{d.key}-dns",
                **base,
                "record_type": f.data["type"],
                "routing": "weighted",
                "ttl": int(primary.get("TTL", 60)),
                "active_weight": weight,
                "primary": Note(self._target(primary), f"guess: weight {primary.get('Weight')} serves now"),
                "secondary": Note(self._target(secondary), f"weight {secondary.get('Weight')} stands by"),
            }
            self.side_health(d, primary, secondary)
            d.actions.append(("traffic", action, f"weighted records {f.name}: the weight moves to the secondary"))
            return
        if routing == "failover":
            primary = next(s for s in sets if s.get("Failover") == "PRIMARY")
            secondary = next((s for s in sets if s.get("Failover") == "SECONDARY"), None)
        else:  # latency: the record of the region that serves now
            first = self.inv.regions[0]
            primary = next((s for s in sets if s.get("Region") == first), sets[0])
            secondary = next(s for s in sets if s is not primary)
            d.votes.append(primary.get("Region", first))
        if not primary.get("HealthCheckId"):
            self.notes.append(f"{f.name}: the {routing} record that serves has no health check: nothing to switch")
            return
        self.side_health(d, primary, secondary)
        action = {
            "type": "route53_health_check_invert",
            "name": f"{d.key}-dns",
            "health_check_id": Note(
                primary["HealthCheckId"], f"the health check of the {routing} record {primary.get('SetIdentifier')}"
            ),
            **base,
        }
        d.actions.append(
            (
                "traffic",
                action,
                f"{routing} records {f.name}: inverting the serving record's health check moves answers",
            )
        )

    def side_health(self, d: Draft, primary: dict[str, Any], secondary: dict[str, Any] | None) -> None:
        for side, rr in (("primary", primary), ("secondary", secondary)):
            if rr and rr.get("HealthCheckId") and rr["HealthCheckId"] not in d.health[side]:
                d.health[side].append(rr["HealthCheckId"])
                d.ids[side].add(rr["HealthCheckId"])

    @staticmethod
    def _target(rr: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if rr.get("AliasTarget"):
            alias = rr["AliasTarget"]
            out["alias"] = {
                "hosted_zone_id": alias["HostedZoneId"],
                "dns_name": alias["DNSName"],
                "evaluate_target_health": bool(alias.get("EvaluateTargetHealth", True)),
            }
        else:
            out["values"] = [r["Value"] for r in rr.get("ResourceRecords", [])]
        out["set_identifier"] = rr["SetIdentifier"]
        return out

    def aurora_global(self, f: Found) -> None:
        members = f.data["members"]
        writer = next((m for m in members if m["writer"]), None)
        if writer is None or len(members) < 2:
            self.notes.append(f"Aurora global database {f.name}: no writer or no secondary cluster (left out)")
            return
        secondary = next(m for m in members if m is not writer)
        d = self.group(f.name)
        d.votes.append(writer["region"])
        writer_id, secondary_id = writer["arn"].rsplit(":", 1)[-1], secondary["arn"].rsplit(":", 1)[-1]
        d.ids["primary"].add(writer_id)
        d.ids["secondary"].add(secondary_id)
        d.actions.append(
            (
                "data",
                {
                    "type": "aurora_global",
                    "name": f"{d.key}-db",
                    "global_cluster_identifier": f.name,
                    "allow_data_loss": Note(False, "switchover only; true allows a failover that may lose data"),
                    "primary": Note({"cluster_arn": writer["arn"], "region": writer["region"]}, "the writer now"),
                    "secondary": {"cluster_arn": secondary["arn"], "region": secondary["region"]},
                },
                f"Aurora global database {f.name}",
            )
        )
        d.replication = {
            "kind": "aurora_global",
            "region": secondary["region"],
            "dimensions": {"DBClusterIdentifier": secondary_id},
        }

    def rds_multi_az(self, f: Found) -> None:
        d = self.group(f.name)
        assert f.region is not None
        az = f.data["az"] or f"{f.region}a"
        standby = f.data.get("standby_az") or az[:-1] + ("b" if az.endswith("a") else "a")
        d.region, d.azs = f.region, (az, standby)
        d.ids["primary"].add(f.name)
        note = "" if f.data.get("standby_az") else "guess: RDS did not say the standby's zone"
        d.actions.append(
            (
                "data",
                {
                    "type": "rds_instance_failover",
                    "name": f"{d.key}-db",
                    "region": f.region,
                    "db_instance_identifier": f.name,
                    "primary": {"availability_zone": az},
                    "secondary": Note({"availability_zone": standby}, note),
                },
                f"RDS Multi-AZ instance {f.name}: a forced failover to its standby",
            )
        )

    def rds_cluster(self, f: Found) -> None:
        d = self.group(f.name)
        assert f.region is not None
        d.region = f.region
        d.azs = (f"{f.region}-writer", f"{f.region}-reader")
        d.ids["primary"].add(f.name)
        d.actions.append(
            (
                "data",
                {
                    "type": "rds_cluster_failover",
                    "name": f"{d.key}-db",
                    "region": f.region,
                    "db_cluster_identifier": f.name,
                    "primary": {"instance_identifier": f.data["writer"]},
                    "secondary": Note({"instance_identifier": f.data["reader"]}, "guess: the first reader"),
                },
                f"RDS Multi-AZ cluster {f.name}",
            )
        )

    def arc_panel(self, f: Found) -> None:
        controls = f.data["controls"]
        endpoints = f.data["endpoints"]
        if len(controls) < 2 or not endpoints:
            self.notes.append(f"ARC control panel {f.name}: needs two routing controls and a cluster (left out)")
            return
        d = self.group(f.name)
        first, second = self.inv.regions[0], self.other(self.inv.regions[0])
        primary = next((c for c in controls if _mentions(c["name"], first)), controls[0])
        secondary = next((c for c in controls if c is not primary and _mentions(c["name"], second)), None)
        secondary = secondary or next(c for c in controls if c is not primary)
        d.actions.append(
            (
                "traffic",
                {
                    "type": "arc_routing_control",
                    "name": f"{d.key}-routing",
                    "cluster_endpoints": [{"endpoint": e["Endpoint"], "region": e["Region"]} for e in endpoints],
                    "primary": Note({"routing_control_arn": primary["arn"]}, f"guess: {primary['name']} (its name)"),
                    "secondary": Note({"routing_control_arn": secondary["arn"]}, f"{secondary['name']}"),
                },
                f"ARC control panel {f.name}",
            )
        )

    def elb_listener(self, f: Found) -> None:
        d = self.group(f.name)
        groups = sorted(f.data["target_groups"], key=lambda g: -int(g.get("Weight", 0)))
        primary, secondary = groups
        d.ids["primary"].add(primary["TargetGroupArn"].split(":")[-1])
        d.ids["secondary"].add(secondary["TargetGroupArn"].split(":")[-1])
        d.actions.append(
            (
                "traffic",
                {
                    "type": "elb_weights",
                    "name": f"{d.key}-lb",
                    "region": f.region,
                    "listener_arn": f.data["listener_arn"],
                    "active_weight": max(1, min(999, int(primary.get("Weight", 0)) or 100)),
                    "primary": Note(
                        {"target_group_arn": primary["TargetGroupArn"]}, f"guess: weight {primary.get('Weight')} now"
                    ),
                    "secondary": {"target_group_arn": secondary["TargetGroupArn"]},
                },
                f"load balancer {f.name} ({f.region})",
            )
        )

    def asgs(self, found: list[Found]) -> None:
        by_group: dict[str, list[Found]] = {}
        for f in found:
            by_group.setdefault(f.data["group"], []).append(f)
        for tag, members in sorted(by_group.items()):
            if len(members) != 2:
                self.notes.append(f"Auto Scaling groups tagged {tag}: {len(members)}, not a pair (left out)")
                continue
            primary, secondary = sorted(members, key=lambda m: -int(m.data["desired"]))
            d = self.group(tag)
            assert primary.region is not None
            d.votes.append(primary.region)
            d.ids["primary"].add(primary.name)
            d.ids["secondary"].add(secondary.name)
            p = primary.data
            d.actions.append(
                (
                    "data",
                    {
                        "type": "asg_capacity",
                        "name": f"{d.key}-fleet",
                        "wait_for_in_service": True,
                        "primary": Note(
                            {
                                "asg_name": primary.name,
                                "region": primary.region,
                                "min_size": p["min"],
                                "desired_capacity": p["desired"],
                                "max_size": max(p["max"], p["desired"]),
                            },
                            "its sizes now",
                        ),
                        "secondary": Note(
                            {
                                "asg_name": secondary.name,
                                "region": secondary.region,
                                "min_size": p["min"],
                                "desired_capacity": p["desired"],
                                "max_size": max(int(secondary.data["max"]), p["desired"]),
                            },
                            "guess: the standby takes the primary's fleet",
                        ),
                    },
                    f"Auto Scaling groups tagged {tag}",
                )
            )

    def ddb_global(self, f: Found) -> None:
        d = self.group(f.name)
        regions = f.data["regions"]
        first = self.inv.regions[0] if self.inv.regions[0] in regions else regions[0]
        second = next(r for r in regions if r != first)
        d.actions.append(
            (
                "data",
                {
                    "type": "dynamodb_global_table",
                    "name": f"{d.key}-table",
                    "table_name": f.name,
                    "primary": {"region": first},
                    "secondary": {"region": second},
                },
                f"DynamoDB global table {f.name}: active-active, checked, not switched",
            )
        )

    def mrap(self, f: Found) -> None:
        routes = f.data["routes"] or [{"Bucket": r["Bucket"], "Region": r["Region"]} for r in f.data["regions"]]
        if len(routes) < 2:
            self.notes.append(f"Multi-Region Access Point {f.name}: fewer than two buckets (left out)")
            return
        d = self.group(f.name)
        ordered = sorted(routes, key=lambda r: -int(r.get("TrafficDialPercentage", 0)))
        primary, secondary = ordered[0], ordered[1]
        d.actions.append(
            (
                "traffic",
                {
                    "type": "s3_mrap_routes",
                    "name": f"{d.key}-assets",
                    "account_id": self.inv.account,
                    "mrap_arn": f.data["arn"],
                    "primary": Note(
                        {"bucket": primary["Bucket"], "region": primary["Region"]},
                        f"guess: traffic dial {primary.get('TrafficDialPercentage', '?')}%",
                    ),
                    "secondary": {"bucket": secondary["Bucket"], "region": secondary["Region"]},
                },
                f"Multi-Region Access Point {f.name}",
            )
        )

    # ------------------------------------------------------------------ the document

    def build(self) -> dict[str, Any]:
        handlers = {
            "record_pair": self.record_pair,
            "aurora_global": self.aurora_global,
            "rds_multi_az": self.rds_multi_az,
            "rds_cluster": self.rds_cluster,
            "arc_panel": self.arc_panel,
            "elb_listener": self.elb_listener,
            "ddb_global": self.ddb_global,
            "mrap": self.mrap,
        }
        for f in self.inv.found:
            if f.kind in handlers:
                handlers[f.kind](f)
        self.asgs([f for f in self.inv.found if f.kind == "asg"])
        groups = [self.group_doc(d) for _, d in sorted(self.groups.items()) if d.actions]
        for d in self.groups.values():
            if not d.actions:
                self.notes.append(f"{d.key}: found resources but nothing a failover switches (left out)")
        return {"version": 1, "groups": groups}

    def _alarms_of(self, d: Draft) -> tuple[list[Any], list[Any]]:
        triggers: list[Any] = []
        secondary: list[Any] = []
        for alarm in self.inv.alarms:
            values = set(alarm.dimensions.values())
            if values & d.ids["primary"]:
                triggers.append(
                    Note(
                        {"name": alarm.name, "region": alarm.region},
                        f"guess: {alarm.namespace} {alarm.metric} on a primary resource says the primary is down",
                    )
                )
            elif values & d.ids["secondary"]:
                secondary.append(
                    Note({"name": alarm.name, "region": alarm.region}, f"{alarm.metric} on a secondary resource")
                )
        return triggers, secondary

    def group_doc(self, d: Draft) -> dict[str, Any]:
        if d.azs is not None and d.region is not None:
            primary_side: dict[str, Any] = {"name": d.azs[0], "region": d.region}
            secondary_side: dict[str, Any] = {"name": d.azs[1], "region": d.region}
            where = f"one region, {d.region}: the sides are its zones"
        else:
            first = max(set(d.votes), key=d.votes.count) if d.votes else self.inv.regions[0]
            second = self.other(first)
            primary_side = {"name": first, "region": first}
            secondary_side = {"name": second, "region": second}
            where = "serves now" if d.votes else "guess: the first of --regions"
        if d.health["primary"]:
            primary_side["health_checks"] = d.health["primary"]
        if d.health["secondary"]:
            secondary_side["health_checks"] = d.health["secondary"]
        triggers, secondary_alarms = self._alarms_of(d)
        if secondary_alarms:
            secondary_side["alarms"] = secondary_alarms
        doc: dict[str, Any] = {
            "name": d.key,
            "description": f"Discovered: {', '.join(note for _, _, note in d.actions)}.",
            "primary": Note(primary_side, where),
            "secondary": secondary_side,
        }
        if triggers:
            doc["triggers"] = {"alarms": triggers}
        else:
            doc["triggers"] = Note({}, "no alarm found on a primary resource: manual requests only until you add one")
        safety: dict[str, Any] = {
            "confirmation_seconds": Note(60, "the default: the trigger must still fire after this wait"),
            "cooldown_seconds": 3600,
        }
        if d.replication is not None:
            doc["replication"] = Note(d.replication, "the secondary's lag metric")
            safety["rpo_budget_seconds"] = Note(RPO_GUESS_SECONDS, "guess: set your RPO; more lag needs a person")
            safety["on_rpo_breach"] = "approval"
        doc["safety"] = safety
        slowest = max(TYPICAL_SECONDS.get(a["type"], UNKNOWN_TYPICAL_SECONDS) for _, a, _ in d.actions)
        attempts = max(10, math.ceil(slowest / VERIFY_INTERVAL) + 4)
        doc["verification"] = Note(
            {"attempts": attempts, "interval_seconds": VERIFY_INTERVAL},
            f"covers the slowest action's typical {slowest:g} s",
        )
        stages = []
        data = [a for kind, a, _ in d.actions if kind == "data"]
        traffic = [a for kind, a, _ in d.actions if kind == "traffic"]
        if data:
            why = "first: the data and the standby fleet, in parallel" if traffic else "actions run in parallel"
            stages.append(Note({"name": "data-and-capacity" if traffic else "data", "actions": data}, why))
        if traffic:
            why = "then traffic, once stage 1 is verified" if data else "actions run in parallel"
            stages.append(Note({"name": "traffic", "actions": traffic}, why))
        doc["stages"] = stages
        return doc


def draft_plan(inventory: Inventory, *, generated: str) -> tuple[str, list[str]]:
    """The draft plan's YAML text and the notes on what was left out."""
    drafter = Drafter(inventory)
    document = drafter.build()
    header = [
        f"Draft failover plan discovered by 'failoverctl plan discover' ({generated})",
        f"from account {inventory.account}, regions {', '.join(inventory.regions)}.",
        "Every '# guess' is a choice a person must confirm. Then: failoverctl plan check / lint / rto,",
        "and failoverctl drill --plan THIS --group G --scenario primary-outage.",
        "Reference: docs/plan-reference.md.",
    ]
    if drafter.notes:
        header += ["", "Left out:"] + [f"  - {n}" for n in drafter.notes]
    return render(document, header), drafter.notes
