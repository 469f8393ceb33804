"""Run the scheduled plan evaluation in a drill's world, as the deployed stack would.

``prepare(world)`` gives the simulated account what the evaluation reads and moto does not model:
the execute function's role policy (the template's statements, resolved with the world's
parameters, for ``iam:SimulatePrincipalPolicy``) and the EC2 On-Demand vCPU quota of each region
the plan scales in. ``evaluate(world)`` invokes the template's evaluate function in-process with
the event its schedule sends, and returns what it returned.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from failoverctl.sim.extensions import inventory

if TYPE_CHECKING:
    from failoverctl.sim.world import World

EVENT = {"source": "failover.evaluate"}
DEFAULT_VCPU_QUOTA = 256.0
EC2_VCPU_QUOTA = "L-1216C47A"


def role_statements(world: World, function: str = "ExecuteFunction") -> list[dict[str, Any]]:
    """The identity statements of ``function``'s role, as deployed with the world's parameters."""
    policies = world.template["Resources"][function]["Properties"].get("Policies", [])
    out: list[dict[str, Any]] = []
    for policy in policies:
        if isinstance(policy, dict) and "Statement" in policy:
            out.extend(s for s in world.resolver.resolve(policy["Statement"]) if isinstance(s, dict))
    return out


def execute_role_arn() -> str:
    return os.environ.get("EXECUTE_ROLE_ARN", "")


def install_role_policy(world: World) -> None:
    inventory.set_principal_statements(world.sim, execute_role_arn(), role_statements(world))


def prepare(world: World, vcpu_quota: float = DEFAULT_VCPU_QUOTA) -> None:
    install_role_policy(world)
    regions = {side.region for g in world.plan.groups for side in (g.primary, *g.standbys)}
    for region in sorted(regions):
        inventory.set_quota(world.sim, region, "ec2", EC2_VCPU_QUOTA, vcpu_quota, "Running On-Demand Standard")


def evaluate(world: World) -> dict[str, Any]:
    invocation = world.lambdas.invoke("EvaluateFunction", dict(EVENT))
    if invocation.error is not None:
        return {"error": invocation.error}
    result: dict[str, Any] = invocation.result
    return result
