"""Other accounts in drills: the roles a plan's actions assume, their trust policies and their permissions.

moto keys its resources by account and gives credentials from STS ``AssumeRole`` the role's account,
so a call made with an assumed role's credentials lands in that account. It does not check that the
role exists, that its trust policy names the caller, or what the role may do; here, as IAM does:

- ``AssumeRole`` needs the role to exist in its account with a trust policy whose ``Allow``
  statement names the caller's role (or its account) as an ``AWS`` principal for ``sts:AssumeRole``,
  its conditions met (``sts:ExternalId``, ``sts:RoleSessionName``) and no ``Deny`` matching;
  otherwise ``AccessDenied``, as STS answers.
- A call made as the assumed role is allowed by that role's own policies (inline and managed, in
  its account), not by the function's.

The drill itself acts as an administrator of every account (``administrator``): it builds each
account's resources and the roles the plan names, with the trust and permissions a team would give.
"""

from __future__ import annotations

import json
from typing import Any

from failover.infra.clients import Clients

#: the drill's stand-in for an administrator of another account (moto does not require it to exist)
ADMIN_ROLE = "drill-administrator"


def _iam(account: str) -> Any:
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def assumed_role(access_key: str | None) -> str | None:
    """The role ARN behind credentials STS issued, or None for the drill's own credentials."""
    if access_key is None:
        return None
    from moto.iam.models import get_account_id_from

    key = _iam(get_account_id_from(access_key)).access_keys.get(access_key)
    role = getattr(key, "role_arn", None)
    return str(role) if role else None


def _role(role_arn: str) -> Any | None:
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    try:
        return _iam(account).get_role(name)
    except Exception:  # moto raises its own NoSuchEntity
        return None


def _statements(document: Any) -> list[dict[str, Any]]:
    data = json.loads(document) if isinstance(document, str) else document
    statements = data.get("Statement", [])
    return [statements] if isinstance(statements, dict) else list(statements)


def role_statements(role_arn: str) -> list[dict[str, Any]]:
    """The identity statements of a role: its inline policies and its managed policies' default versions."""
    role = _role(role_arn)
    if role is None:
        return []
    out: list[dict[str, Any]] = []
    for document in role.policies.values():
        out.extend(_statements(document))
    for policy in role.managed_policies.values():
        version = getattr(policy, "default_version", None)
        if version is not None:
            out.extend(_statements(version.document))
    return out


def _principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal") or {}
    if principal == "*":
        return ["*"]
    aws = principal.get("AWS", []) if isinstance(principal, dict) else []
    return [aws] if isinstance(aws, str) else list(aws)


def _names(principal: str, caller_role: str) -> bool:
    account = caller_role.split(":")[4]
    return principal in ("*", caller_role, account, f"arn:aws:iam::{account}:root")


def trust_refusal(role_arn: str, caller_role: str, params: dict[str, Any]) -> str | None:
    """Why STS refuses ``caller_role`` the role (None: the trust policy allows it)."""
    from failoverctl.sim.iam import condition_holds

    role = _role(role_arn)
    if role is None:
        return f"the role {role_arn} does not exist"
    context = {"sts:ExternalId": [str(params["ExternalId"])]} if params.get("ExternalId") else {}
    context["sts:RoleSessionName"] = [str(params.get("RoleSessionName", ""))]
    allowed = False
    for statement in _statements(role.assume_role_policy_document):
        actions = statement.get("Action", [])
        actions = [actions] if isinstance(actions, str) else actions
        if not any(a in ("sts:AssumeRole", "sts:*", "*") for a in actions):
            continue
        if not any(_names(p, caller_role) for p in _principals(statement)):
            continue
        conditions = statement.get("Condition") or {}
        if not all(condition_holds(op, kv, context) for op, kv in conditions.items()):
            continue
        if statement.get("Effect") == "Deny":
            return f"the trust policy of {role_arn} denies {caller_role}"
        allowed = True
    if allowed:
        return None
    return f"the trust policy of {role_arn} does not allow {caller_role} to assume it (principal or condition)"


def administrator(clients: Clients, account: str) -> Clients:
    """Clients that act in ``account`` as its administrator (the drill building that account)."""
    return clients.assuming(f"arn:aws:iam::{account}:role/{ADMIN_ROLE}", session_name="drill-world")


def create_role(
    clients: Clients,
    role_arn: str,
    *,
    trusted: list[str],
    actions: list[str],
    external_id: str | None,
    anywhere: tuple[str, ...] = (),
) -> None:
    """The role a team creates in its other account: trusting the stack's roles, allowed ``actions``
    (``anywhere``: those of them IAM authorizes only on ``*``, like ``cloudwatch:GetMetricStatistics``)."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[-1]
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": trusted}, "Action": "sts:AssumeRole"}
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    iam = administrator(clients, account).get("iam")
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    # the actions on the resources of this account only
    scoped = [a for a in actions if a not in anywhere]
    resources = sorted({f"arn:aws:{a.split(':', 1)[0]}:*:{account}:*" for a in scoped})
    statements = [{"Effect": "Allow", "Action": scoped, "Resource": resources}]
    if anywhere:
        statements.append({"Effect": "Allow", "Action": list(anywhere), "Resource": "*"})
    policy = {"Version": "2012-10-17", "Statement": statements}
    iam.put_role_policy(RoleName=name, PolicyName="failover-actions", PolicyDocument=json.dumps(policy))
