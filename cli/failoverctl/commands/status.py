"""``failoverctl status`` and ``history``: each group's active side, lock and pause, and its incidents."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from failover.models import Direction
from failoverctl.deployed import (
    Deployed,
    common_arguments,
    connect,
    group_model,
    guarded,
    known_groups,
    load_local_plan,
    positive_int,
    recent_executions,
    require_group,
    when,
)
from failoverctl.output import emit_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    status = subparsers.add_parser("status", help="each group's active side, lock, pause state and last incident")
    common_arguments(status)
    status.set_defaults(func=run_status)

    history = subparsers.add_parser("history", help="incidents with their timelines and execution status")
    common_arguments(history)
    history.add_argument("--group", help="one group (default: all)")
    history.add_argument("--limit", type=positive_int, default=10, help="incidents per group (default 10)")
    history.set_defaults(func=run_history)


def _lock_view(lock: dict[str, Any]) -> dict[str, Any] | None:
    if not lock:
        return None
    expires = int(lock.get("expires_at", 0) or 0)
    return {
        "owner": lock.get("owner"),
        "incident_id": lock.get("incident_id"),
        "acquired_at": lock.get("acquired_at"),
        "expires_at": datetime.fromtimestamp(expires, UTC).isoformat().replace("+00:00", "Z") if expires else None,
        "expired": bool(expires) and expires < int(time.time()),
    }


def _incident_view(item: dict[str, Any]) -> dict[str, Any]:
    keep = {k: v for k, v in item.items() if k not in ("pk", "sk", "expires_at")}
    keep.setdefault("outcome", keep.get("status"))
    return keep


@guarded
def run_status(args: argparse.Namespace) -> int:
    stack = connect(args)
    plan = load_local_plan(args, stack)
    store = stack.store
    settings = store.global_settings()
    rows: list[dict[str, Any]] = []
    for name in known_groups(stack, plan):
        state = store.group_state(name)
        incidents = store.incidents(name, limit=1)
        model = group_model(plan, name)
        rows.append(
            {
                "group": name,
                "active_side": state.get("active_side") or "primary",
                "recorded": bool(state.get("active_side")),
                "paused": bool(state.get("paused")),
                "paused_by": state.get("paused_by") if state.get("paused") else None,
                "paused_reason": state.get("paused_reason") if state.get("paused") else None,
                "enabled": model.enabled if model else None,
                "lock": _lock_view(store.lock(name)),
                "last_failover_at": state.get("last_failover_at"),
                "one_way": state.get("one_way") or [],
                "last_incident": _incident_view(incidents[0]) if incidents else None,
            }
        )
    result: dict[str, Any] = {
        "stack": stack.name,
        "region": stack.region,
        "paused_globally": bool(settings.get("paused")),
        "paused_by": settings.get("paused_by") if settings.get("paused") else None,
        "paused_reason": settings.get("paused_reason") if settings.get("paused") else None,
        "topic_arn": stack.outputs.get("TopicArn"),
        "groups": rows,
    }
    if args.json:
        emit_json(result)
        return 0
    switch = "ON" if not result["paused_globally"] else f"PAUSED by {result['paused_by']}: {result['paused_reason']}"
    print(f"stack {stack.name} ({stack.region}): automation {switch}")
    if not rows:
        print("  no group yet: nothing has run, and no plan here (pass --plan FILE)")
    for row in rows:
        lock = row["lock"]
        lock_text = "free" if not lock else f"held by {lock['owner']}" + (" (expired)" if lock["expired"] else "")
        pause_text = f"PAUSED by {row['paused_by']}: {row['paused_reason']}" if row["paused"] else "active"
        last = row["last_incident"]
        last_text = (
            f"{last.get('incident_id')} {last.get('outcome') or ''} at {last.get('started_at')}" if last else "none"
        )
        print(f"  {row['group']}: on {row['active_side']}, {pause_text}, lock {lock_text}")
        print(f"      last incident: {last_text}")
        for entry in row["one_way"]:
            print(
                f"      one-way: {entry.get('action')} {entry.get('name')} ran in {entry.get('incident_id')}: "
                f"the {entry.get('from_side')} side needs re-protection before traffic returns: "
                f"{entry.get('reprotect')}"
            )
    return 0


def _describe(stack: Deployed, arn: str) -> dict[str, Any]:
    try:
        resp = stack.sfn().describe_execution(executionArn=arn)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") == "ExecutionDoesNotExist":
            return {"arn": arn, "status": "NOT_FOUND"}
        raise
    return {
        "arn": arn,
        "name": resp.get("name"),
        "status": resp.get("status"),
        "started_at": when(resp.get("startDate")),
        "stopped_at": when(resp.get("stopDate")),
    }


def group_history(stack: Deployed, group: str, limit: int) -> list[dict[str, Any]]:
    store = stack.store
    incidents = []
    seen: set[str] = set()
    for item in store.incidents(group, limit=limit):
        view = _incident_view(item)
        incident_id = str(view.get("incident_id", ""))
        seen.add(incident_id)
        recorded = view.get("execution_arn") or view.get("execution_id")
        arn = str(recorded if str(recorded or "").startswith("arn:") else stack.execution_arn(incident_id))
        view["execution"] = _describe(stack, arn)
        view["timeline"] = store.timeline(incident_id)
        incidents.append(view)
    prefixes = tuple(f"{group}-{d}-" for d in Direction)
    for execution in recent_executions(stack, prefixes, limit):
        name = str(execution["name"])
        if name in seen:
            continue
        incidents.append(
            {
                "incident_id": name,
                "group": group,
                "started_at": when(execution.get("startDate")),
                "outcome": None,
                "execution": {
                    "arn": execution["executionArn"],
                    "name": name,
                    "status": execution.get("status"),
                    "started_at": when(execution.get("startDate")),
                    "stopped_at": when(execution.get("stopDate")),
                },
                "timeline": store.timeline(name),
            }
        )
    incidents.sort(key=lambda i: str(i.get("started_at") or ""), reverse=True)
    return incidents[:limit]


@guarded
def run_history(args: argparse.Namespace) -> int:
    stack = connect(args)
    plan = load_local_plan(args, stack)
    known = known_groups(stack, plan)
    if args.group:
        require_group(args.group, known)
        groups = [args.group]
    else:
        groups = known
    result: dict[str, Any] = {
        "stack": stack.name,
        "groups": [{"group": g, "incidents": group_history(stack, g, args.limit)} for g in groups],
    }
    if args.json:
        emit_json(result)
        return 0
    for entry in result["groups"]:
        print(f"{entry['group']}:")
        if not entry["incidents"]:
            print("  no incident")
        for incident in entry["incidents"]:
            execution = incident.get("execution") or {}
            print(
                f"  {incident.get('incident_id')}  {incident.get('outcome') or '-'}"
                f"  (execution {execution.get('status', '-')}, started {incident.get('started_at')})"
            )
            for event in incident.get("timeline", []):
                print(f"    {event.get('at')}  {event.get('kind', ''):<14} {event.get('detail', '')}")
    return 0
