"""Route 53 ARC routing-control states (the ``route53-recovery-cluster`` data plane), which moto lacks.

State: ``sim.state["arc.routing_controls"]`` maps a routing-control ARN to its name and state
(``On``/``Off``); ``sim.state["arc.assertion_rules"]`` holds assertion safety rules ("at least N of
these controls On"), which reject an update that would break them unless the caller overrides the
rule, as ARC does; ``sim.state["arc.gating_rules"]`` holds gating safety rules ("these target
controls change only while at least N of these gating controls are On"). A cluster endpoint of a
region in ``sim.state["arc.unavailable_regions"]`` answers ``EndpointTemporarilyUnavailableException``,
so callers must try the next endpoint.
"""

from __future__ import annotations

from typing import Any

from failoverctl.sim.aws import SimAWS, SimClientError

CONTROLS = "arc.routing_controls"
RULES = "arc.assertion_rules"
GATING = "arc.gating_rules"
UNAVAILABLE = "arc.unavailable_regions"
STATES = ("On", "Off")


def add_routing_control(
    sim: SimAWS, arn: str, *, name: str | None = None, state: str = "Off", control_panel_arn: str | None = None
) -> None:
    """Create (or reset) a routing control in the simulated cluster."""
    if state not in STATES:
        raise ValueError(f"routing-control state must be On or Off, not {state!r}")
    panel = control_panel_arn or arn.split("/routingcontrol/", maxsplit=1)[0]
    sim.state.setdefault(CONTROLS, {})[arn] = {
        "name": name or arn.rsplit("/", 1)[-1],
        "state": state,
        "control_panel_arn": panel,
    }


def add_assertion_rule(
    sim: SimAWS, arn: str, asserted_controls: list[str], *, min_on: int = 1, name: str = "", inverted: bool = False
) -> None:
    """An assertion rule (``RuleConfig`` type ``ATLEAST``, threshold ``min_on``): at least ``min_on`` of
    ``asserted_controls`` must stay On; ``inverted`` (ARC's ``Inverted``) negates it: fewer than
    ``min_on`` may be On (``ATLEAST 2`` inverted: never two regions On)."""
    sim.state.setdefault(RULES, {})[arn] = {
        "name": name or arn.rsplit("/", 1)[-1],
        "controls": list(asserted_controls),
        "min_on": min_on,
        "inverted": inverted,
    }


def add_gating_rule(
    sim: SimAWS, arn: str, gating_controls: list[str], target_controls: list[str], *, min_on: int = 1, name: str = ""
) -> None:
    """A gating rule: ``target_controls`` change only while at least ``min_on`` of ``gating_controls`` are On."""
    sim.state.setdefault(GATING, {})[arn] = {
        "name": name or arn.rsplit("/", 1)[-1],
        "gating": list(gating_controls),
        "targets": list(target_controls),
        "min_on": min_on,
    }


def set_endpoint_available(sim: SimAWS, region: str, available: bool) -> None:
    regions: set[str] = sim.state.setdefault(UNAVAILABLE, set())
    if available:
        regions.discard(region)
    else:
        regions.add(region)


def routing_control_state(sim: SimAWS, arn: str) -> str:
    return str(_control(sim, arn)["state"])


def _control(sim: SimAWS, arn: str) -> dict[str, Any]:
    control = sim.state.get(CONTROLS, {}).get(arn)
    if control is None:
        raise SimClientError("ResourceNotFoundException", f"Routing control {arn} not found", 404)
    return dict(control) | {"arn": arn}


def _check_endpoint(sim: SimAWS, region: str) -> None:
    if region in sim.state.get(UNAVAILABLE, set()):
        raise SimClientError(
            "EndpointTemporarilyUnavailableException",
            f"The cluster endpoint in {region} is temporarily unavailable; try another cluster endpoint",
            503,
        )


def _refuse_unless_enough_on(
    rule_arn: str, rule: dict[str, Any], counted: list[str], after: dict[str, str], requirement: str
) -> None:
    """ARC refuses an update that would leave fewer than the rule's ``min_on`` of ``counted`` On (an
    inverted rule: one that would leave ``min_on`` or more On)."""
    if (sum(1 for arn in counted if after.get(arn) == "On") >= rule["min_on"]) == bool(rule.get("inverted")):
        raise SimClientError(
            "ConflictException", f"The update would violate safety rule {rule['name']} ({rule_arn}): {requirement}", 409
        )


def _update(sim: SimAWS, updates: dict[str, str], overrides: list[str]) -> None:
    for arn, state in updates.items():
        _control(sim, arn)
        if state not in STATES:
            raise SimClientError("ValidationException", f"RoutingControlState must be On or Off, not {state}")
    controls = sim.state[CONTROLS]
    after = {arn: c["state"] for arn, c in controls.items()} | updates
    for rule_arn, rule in sim.state.get(RULES, {}).items():
        if rule_arn in overrides or not set(rule["controls"]) & set(updates):
            continue
        need = f"fewer than {rule['min_on']}" if rule.get("inverted") else f"at least {rule['min_on']}"
        _refuse_unless_enough_on(rule_arn, rule, rule["controls"], after, f"{need} of its routing controls must be On")
    for rule_arn, rule in sim.state.get(GATING, {}).items():
        changed = {arn for arn in set(rule["targets"]) & set(updates) if controls[arn]["state"] != updates[arn]}
        if rule_arn in overrides or not changed:
            continue
        requirement = (
            f"its target routing controls change only while at least {rule['min_on']} of its gating controls are On"
        )
        _refuse_unless_enough_on(rule_arn, rule, rule["gating"], after, requirement)
    for arn, state in updates.items():
        controls[arn]["state"] = state


def _get_state(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        _check_endpoint(sim, region)
        control = _control(sim, params["RoutingControlArn"])
        return {
            "RoutingControlArn": control["arn"],
            "RoutingControlState": control["state"],
            "RoutingControlName": control["name"],
        }

    return handler


def _update_one(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        _check_endpoint(sim, region)
        _update(
            sim, {params["RoutingControlArn"]: params["RoutingControlState"]}, params.get("SafetyRulesToOverride", [])
        )
        return {}

    return handler


def _update_many(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        _check_endpoint(sim, region)
        entries = params["UpdateRoutingControlStateEntries"]
        updates = {e["RoutingControlArn"]: e["RoutingControlState"] for e in entries}
        _update(sim, updates, params.get("SafetyRulesToOverride", []))
        return {}

    return handler


def _list(sim: SimAWS) -> Any:
    def handler(params: dict[str, Any], region: str) -> dict[str, Any]:
        _check_endpoint(sim, region)
        panel = params.get("ControlPanelArn")
        controls = [
            {
                "ControlPanelArn": c["control_panel_arn"],
                "RoutingControlArn": arn,
                "RoutingControlName": c["name"],
                "RoutingControlState": c["state"],
            }
            for arn, c in sorted(sim.state.get(CONTROLS, {}).items())
            if panel is None or c["control_panel_arn"] == panel
        ]
        return {"RoutingControls": controls}

    return handler


def register(sim: SimAWS) -> None:
    sim.register("route53-recovery-cluster.GetRoutingControlState", _get_state(sim))
    sim.register("route53-recovery-cluster.UpdateRoutingControlState", _update_one(sim))
    sim.register("route53-recovery-cluster.UpdateRoutingControlStates", _update_many(sim))
    sim.register("route53-recovery-cluster.ListRoutingControls", _list(sim))
