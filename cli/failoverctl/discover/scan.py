"""Read what an account runs, read-only: the resources a failover plan can name, in the regions given.

Every call here is a ``List*``, ``Describe*`` or ``Get*``. Each reader returns plain records
(``Found``) with the resource's name, region, identifiers and whatever tells which side it serves;
``draft`` turns them into groups and stages. A service that cannot be read (no permission, not
offered in a region) becomes a note, never a failure of the whole discovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from failover.infra.clients import Clients

#: Route 53 health-check metrics (and alarms on them) live here; ARC's and MRAP's control planes in us-west-2
ROUTE53_METRICS_REGION = "us-east-1"
CONTROL_REGION = "us-west-2"


@dataclass
class Found:
    #: record_pair | aurora_global | rds_multi_az | rds_cluster | arc_panel | elb_listener | asg | ddb_global | mrap
    kind: str
    name: str
    region: str | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Alarm:
    name: str
    region: str
    namespace: str
    metric: str
    dimensions: dict[str, str]


@dataclass
class Inventory:
    regions: list[str]
    account: str
    found: list[Found] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> list[Any]:
    if client.can_paginate(operation):
        out: list[Any] = []
        for page in client.get_paginator(operation).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out
    return list(getattr(client, operation)(**kwargs).get(key, []))


def _error(err: Exception) -> str:
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code", "ClientError"))
    return type(err).__name__


class Scanner:
    def __init__(self, clients: Clients, regions: list[str], *, group_tag: str = "failover:group") -> None:
        self.clients = clients
        self.regions = regions
        self.group_tag = group_tag

    def scan(self) -> Inventory:
        account = self._account()
        inv = Inventory(regions=self.regions, account=account)
        readers = [
            ("Route 53 records", self._records),
            ("Aurora global databases", self._aurora_global),
            ("RDS Multi-AZ", self._rds),
            ("ARC routing controls", self._arc),
            ("load balancer listeners", self._elb),
            ("Auto Scaling groups", self._asg),
            ("DynamoDB global tables", self._dynamodb),
            ("S3 Multi-Region Access Points", self._mrap),
            ("CloudWatch alarms", self._alarms),
        ]
        for label, reader in readers:
            try:
                reader(inv)
            except (ClientError, BotoCoreError) as err:
                inv.notes.append(f"could not read {label}: {_error(err)} (left out of the draft)")
        return inv

    def _account(self) -> str:
        try:
            return str(self.clients.get("sts").get_caller_identity()["Account"])
        except (ClientError, BotoCoreError):
            return "123456789012"

    # ------------------------------------------------------------------ Route 53

    def _records(self, inv: Inventory) -> None:
        r53 = self.clients.get("route53")
        for zone in _pages(r53, "list_hosted_zones", "HostedZones"):
            if zone.get("Config", {}).get("PrivateZone"):
                continue
            zone_id = zone["Id"].rsplit("/", 1)[-1]
            by_name: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for rr in _pages(r53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id):
                if rr.get("SetIdentifier") and rr["Type"] in ("A", "AAAA", "CNAME"):
                    by_name.setdefault((rr["Name"], rr["Type"]), []).append(rr)
            for (name, rtype), sets in sorted(by_name.items()):
                routing = (
                    "failover"
                    if any("Failover" in s for s in sets)
                    else "weighted"
                    if any("Weight" in s for s in sets)
                    else "latency"
                    if any("Region" in s for s in sets)
                    else None
                )
                if routing is None or len(sets) != 2:
                    if routing is not None:
                        inv.notes.append(f"{name} {rtype}: {len(sets)} {routing} records, not a pair (left out)")
                    continue
                inv.found.append(
                    Found(
                        "record_pair",
                        name.rstrip("."),
                        None,
                        {"zone_id": zone_id, "type": rtype, "routing": routing, "sets": sets},
                    )
                )

    # ------------------------------------------------------------------ RDS and Aurora

    def _aurora_global(self, inv: Inventory) -> None:
        seen: set[str] = set()
        for region in self.regions:
            rds = self.clients.get("rds", region)
            for gc in _pages(rds, "describe_global_clusters", "GlobalClusters"):
                ident = gc["GlobalClusterIdentifier"]
                if ident in seen:
                    continue
                seen.add(ident)
                members = [
                    {
                        "arn": m["DBClusterArn"],
                        "region": m["DBClusterArn"].split(":")[3],
                        "writer": bool(m.get("IsWriter")),
                    }
                    for m in gc.get("GlobalClusterMembers", [])
                ]
                inv.found.append(Found("aurora_global", ident, None, {"members": members, "status": gc.get("Status")}))

    def _rds(self, inv: Inventory) -> None:
        for region in self.regions:
            rds = self.clients.get("rds", region)
            for db in _pages(rds, "describe_db_instances", "DBInstances"):
                if db.get("MultiAZ") and not db.get("DBClusterIdentifier"):
                    inv.found.append(
                        Found(
                            "rds_multi_az",
                            db["DBInstanceIdentifier"],
                            region,
                            {"az": db.get("AvailabilityZone"), "standby_az": db.get("SecondaryAvailabilityZone")},
                        )
                    )
            for cluster in _pages(rds, "describe_db_clusters", "DBClusters"):
                if cluster.get("GlobalClusterIdentifier") or cluster.get("GlobalWriteForwardingStatus"):
                    continue
                members = cluster.get("DBClusterMembers", [])
                if cluster.get("MultiAZ") and len(members) >= 2:
                    writer = next((m["DBInstanceIdentifier"] for m in members if m.get("IsClusterWriter")), None)
                    reader = next((m["DBInstanceIdentifier"] for m in members if not m.get("IsClusterWriter")), None)
                    if writer and reader:
                        inv.found.append(
                            Found(
                                "rds_cluster",
                                cluster["DBClusterIdentifier"],
                                region,
                                {"writer": writer, "reader": reader},
                            )
                        )

    # ------------------------------------------------------------------ ARC

    def _arc(self, inv: Inventory) -> None:
        arc = self.clients.get("route53-recovery-control-config", CONTROL_REGION)
        clusters = {c["ClusterArn"]: c for c in _pages(arc, "list_clusters", "Clusters")}
        for panel in _pages(arc, "list_control_panels", "ControlPanels"):
            controls = _pages(arc, "list_routing_controls", "RoutingControls", ControlPanelArn=panel["ControlPanelArn"])
            cluster = clusters.get(panel["ClusterArn"], {})
            inv.found.append(
                Found(
                    "arc_panel",
                    panel["Name"],
                    None,
                    {
                        "panel_arn": panel["ControlPanelArn"],
                        "controls": [{"name": c["Name"], "arn": c["RoutingControlArn"]} for c in controls],
                        "endpoints": cluster.get("ClusterEndpoints", []),
                    },
                )
            )

    # ------------------------------------------------------------------ ELB and Auto Scaling

    def _elb(self, inv: Inventory) -> None:
        for region in self.regions:
            elb = self.clients.get("elbv2", region)
            for lb in _pages(elb, "describe_load_balancers", "LoadBalancers"):
                for listener in _pages(elb, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"]):
                    for action in listener.get("DefaultActions", []):
                        groups = (action.get("ForwardConfig") or {}).get("TargetGroups", [])
                        if action.get("Type") == "forward" and len(groups) == 2:
                            inv.found.append(
                                Found(
                                    "elb_listener",
                                    lb["LoadBalancerName"],
                                    region,
                                    {"listener_arn": listener["ListenerArn"], "target_groups": groups},
                                )
                            )

    def _asg(self, inv: Inventory) -> None:
        for region in self.regions:
            asg = self.clients.get("autoscaling", region)
            groups = _pages(
                asg,
                "describe_auto_scaling_groups",
                "AutoScalingGroups",
                Filters=[{"Name": "tag-key", "Values": [self.group_tag]}],
            )
            for g in groups:
                tag = next((t["Value"] for t in g.get("Tags", []) if t["Key"] == self.group_tag), None)
                if tag is None:
                    continue
                inv.found.append(
                    Found(
                        "asg",
                        g["AutoScalingGroupName"],
                        region,
                        {"group": tag, "min": g["MinSize"], "desired": g["DesiredCapacity"], "max": g["MaxSize"]},
                    )
                )

    # ------------------------------------------------------------------ DynamoDB and S3

    def _dynamodb(self, inv: Inventory) -> None:
        seen: set[str] = set()
        for region in self.regions:
            ddb = self.clients.get("dynamodb", region)
            for name in _pages(ddb, "list_tables", "TableNames"):
                if name in seen:
                    continue
                table = ddb.describe_table(TableName=name)["Table"]
                replicas = [r["RegionName"] for r in table.get("Replicas", [])]
                if replicas:
                    seen.add(name)
                    inv.found.append(Found("ddb_global", name, region, {"regions": [region, *replicas]}))

    def _mrap(self, inv: Inventory) -> None:
        s3c = self.clients.get("s3control", CONTROL_REGION)
        points = s3c.list_multi_region_access_points(AccountId=inv.account).get("AccessPoints", [])
        for point in points:
            arn = f"arn:aws:s3::{inv.account}:accesspoint/{point['Alias']}"
            routes: list[dict[str, Any]] = []
            try:
                routes = self.clients.get("s3control", ROUTE53_METRICS_REGION).get_multi_region_access_point_routes(
                    AccountId=inv.account, Mrap=arn
                )["Routes"]
            except (ClientError, BotoCoreError) as err:
                inv.notes.append(f"MRAP {point['Name']}: could not read its routes ({_error(err)})")
            inv.found.append(
                Found("mrap", point["Name"], None, {"arn": arn, "regions": point["Regions"], "routes": routes})
            )

    # ------------------------------------------------------------------ CloudWatch

    def _alarms(self, inv: Inventory) -> None:
        regions = list(dict.fromkeys([*self.regions, ROUTE53_METRICS_REGION]))
        for region in regions:
            cw = self.clients.get("cloudwatch", region)
            for alarm in _pages(cw, "describe_alarms", "MetricAlarms"):
                if "MetricName" not in alarm:
                    continue
                inv.alarms.append(
                    Alarm(
                        alarm["AlarmName"],
                        region,
                        alarm.get("Namespace", ""),
                        alarm["MetricName"],
                        {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])},
                    )
                )
