"""The listing and readiness APIs that discovery and plan evaluation call and moto lacks.

- ARC's control plane (``route53-recovery-control-config``): ``ListClusters``, ``ListControlPanels``
  and ``ListRoutingControls``, from clusters and control panels added here
  (``sim.state["arc.clusters"]``, ``sim.state["arc.control_panels"]``) and the routing controls
  of the ARC data-plane extension.
- ``s3control.ListMultiRegionAccessPoints``: the access points of the S3 Control extension, with
  the names given here (``sim.state["s3control.mrap_names"]``).
- ``service-quotas.GetServiceQuota``: the applied values set here per region
  (``sim.state["servicequotas.values"]``); an unset quota answers ``NoSuchResourceException``.
- ``iam.SimulatePrincipalPolicy``: evaluates the identity statements set here per principal
  (``sim.state["iam.principal_statements"]``): an explicit Deny wins, else an Allow whose action,
  resource and conditions (``StringEquals``, ``ForAllValues:StringEquals``, ``StringLike`` against
  the request's context entries) all match, else an implicit deny, as IAM's simulator answers.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError
from failoverctl.sim.extensions import arc as arc_ext
from failoverctl.sim.extensions import s3control as s3control_ext

ACCOUNT = "123456789012"
CLUSTERS = "arc.clusters"
PANELS = "arc.control_panels"
MRAP_NAMES = "s3control.mrap_names"
QUOTAS = "servicequotas.values"
STATEMENTS = "iam.principal_statements"


# ---------------------------------------------------------------- seeding helpers


def add_arc_cluster(sim: SimAWS, cluster_arn: str, name: str, endpoints: list[dict[str, str]]) -> None:
    """A cluster with its endpoints: ``[{"Endpoint": "https://...", "Region": "us-east-1"}]``."""
    sim.state.setdefault(CLUSTERS, {})[cluster_arn] = {"name": name, "endpoints": [dict(e) for e in endpoints]}


def add_control_panel(sim: SimAWS, panel_arn: str, name: str, cluster_arn: str) -> None:
    sim.state.setdefault(PANELS, {})[panel_arn] = {"name": name, "cluster_arn": cluster_arn}


def name_mrap(sim: SimAWS, mrap_arn: str, name: str) -> None:
    sim.state.setdefault(MRAP_NAMES, {})[mrap_arn] = name


def set_quota(sim: SimAWS, region: str, service_code: str, quota_code: str, value: float, name: str = "") -> None:
    sim.state.setdefault(QUOTAS, {})[(region, service_code, quota_code)] = {"value": float(value), "name": name}


def set_principal_statements(sim: SimAWS, principal_arn: str, statements: list[dict[str, Any]]) -> None:
    sim.state.setdefault(STATEMENTS, {})[principal_arn] = [dict(s) for s in statements]


# ---------------------------------------------------------------- ARC control plane


def _list_clusters(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        return {
            "Clusters": [
                {
                    "ClusterArn": arn,
                    "ClusterEndpoints": c["endpoints"],
                    "Name": c["name"],
                    "Status": "DEPLOYED",
                    "Owner": ACCOUNT,
                }
                for arn, c in sorted(sim.state.get(CLUSTERS, {}).items())
            ]
        }

    return handler


def _list_panels(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        wanted = params.get("ClusterArn")
        controls = sim.state.get(arc_ext.CONTROLS, {}).values()
        return {
            "ControlPanels": [
                {
                    "ClusterArn": p["cluster_arn"],
                    "ControlPanelArn": arn,
                    "DefaultControlPanel": False,
                    "Name": p["name"],
                    "RoutingControlCount": sum(1 for c in controls if c["control_panel_arn"] == arn),
                    "Status": "DEPLOYED",
                    "Owner": ACCOUNT,
                }
                for arn, p in sorted(sim.state.get(PANELS, {}).items())
                if wanted is None or p["cluster_arn"] == wanted
            ]
        }

    return handler


def _list_routing_controls(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        panel = params["ControlPanelArn"]
        if panel not in sim.state.get(PANELS, {}):
            raise SimClientError("ResourceNotFoundException", f"Control panel {panel} not found", 404)
        return {
            "RoutingControls": [
                {
                    "ControlPanelArn": panel,
                    "Name": c["name"],
                    "RoutingControlArn": arn,
                    "Status": "DEPLOYED",
                    "Owner": ACCOUNT,
                }
                for arn, c in sorted(sim.state.get(arc_ext.CONTROLS, {}).items())
                if c["control_panel_arn"] == panel
            ]
        }

    return handler


# ---------------------------------------------------------------- S3 Multi-Region Access Points


def _list_mraps(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        if region != "us-west-2":
            raise SimClientError(
                "InvalidRequest", "Multi-Region Access Point control requests must go to us-west-2", 400
            )
        names = sim.state.get(MRAP_NAMES, {})
        points = []
        for arn, routes in sorted(sim.state.get(s3control_ext.ROUTES, {}).items()):
            alias = arn.rsplit("/", 1)[-1]
            points.append(
                {
                    "Name": names.get(arn, alias),
                    "Alias": alias,
                    "Status": "READY",
                    "Regions": [
                        {"Bucket": r["Bucket"], "Region": r["Region"], "BucketAccountId": params["AccountId"]}
                        for r in routes
                    ],
                }
            )
        return {"AccessPoints": points}

    return handler


# ---------------------------------------------------------------- Service Quotas


def _get_quota(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        key = (region, params["ServiceCode"], params["QuotaCode"])
        quota = sim.state.get(QUOTAS, {}).get(key)
        if quota is None:
            raise SimClientError(
                "NoSuchResourceException", f"No quota {params['QuotaCode']} for {params['ServiceCode']} in {region}"
            )
        return {
            "Quota": {
                "ServiceCode": params["ServiceCode"],
                "QuotaCode": params["QuotaCode"],
                "QuotaName": quota["name"],
                "QuotaArn": f"arn:aws:servicequotas:{region}:{ACCOUNT}:{params['ServiceCode']}/{params['QuotaCode']}",
                "Value": quota["value"],
                "Adjustable": True,
                "GlobalQuota": False,
            }
        }

    return handler


# ---------------------------------------------------------------- IAM policy simulation


def _listify(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _matches_any(value: str, patterns: list[str], *, case: bool) -> bool:
    if not case:
        value = value.lower()
        patterns = [p.lower() for p in patterns]
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def _conditions_hold(condition: dict[str, Any], context: dict[str, list[str]]) -> bool:
    for operator, entries in condition.items():
        for key, allowed in entries.items():
            values = context.get(key.lower())
            if values is None:
                return False
            allowed_values = _listify(allowed)
            if operator in ("StringEquals", "ForAllValues:StringEquals"):
                if not all(v in allowed_values for v in values):
                    return False
            elif operator == "StringLike":
                if not all(_matches_any(v, allowed_values, case=True) for v in values):
                    return False
            else:
                return False  # an operator this simulation does not evaluate never grants
    return True


def decide(statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, list[str]]) -> str:
    """``allowed``, ``explicitDeny`` or ``implicitDeny`` for one action on one resource."""
    allowed = False
    for statement in statements:
        if not _matches_any(action, _listify(statement.get("Action")), case=False):
            continue
        if not _matches_any(resource, _listify(statement.get("Resource")), case=True):
            continue
        if statement.get("Condition") and not _conditions_hold(statement["Condition"], context):
            continue
        if statement.get("Effect") == "Deny":
            return "explicitDeny"
        allowed = True
    return "allowed" if allowed else "implicitDeny"


def _simulate(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        principal = params["PolicySourceArn"]
        statements = sim.state.get(STATEMENTS, {}).get(principal)
        if statements is None:
            raise SimClientError("NoSuchEntity", f"The principal {principal} cannot be found.", 404)
        context = {
            e["ContextKeyName"].lower(): [str(v) for v in e.get("ContextKeyValues", [])]
            for e in params.get("ContextEntries", [])
        }
        resources = params.get("ResourceArns") or ["*"]
        results = []
        for action in params["ActionNames"]:
            for resource in resources:
                results.append(
                    {
                        "EvalActionName": action,
                        "EvalResourceName": resource,
                        "EvalDecision": decide(statements, action, resource, context),
                        "MatchedStatements": [],
                        "MissingContextValues": [],
                    }
                )
        return {"EvaluationResults": results, "IsTruncated": False}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("route53-recovery-control-config.ListClusters", _list_clusters(sim))
    sim.register("route53-recovery-control-config.ListControlPanels", _list_panels(sim))
    sim.register("route53-recovery-control-config.ListRoutingControls", _list_routing_controls(sim))
    sim.register("s3control.ListMultiRegionAccessPoints", _list_mraps(sim))
    sim.register("service-quotas.GetServiceQuota", _get_quota(sim))
    sim.register("iam.SimulatePrincipalPolicy", _simulate(sim))
