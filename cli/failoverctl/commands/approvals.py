"""``failoverctl approvals | approve | deny``: decide a waiting failover from a terminal.

The decision takes the same path as the signed links and Slack buttons (``failover.approval.decide``):
the approval must exist, be unused and unexpired; it is marked used and the execution resumes with
the caller's IAM identity as who decided.
"""

from __future__ import annotations

import argparse

from failover.approval import decide
from failover.errors import ApprovalError
from failoverctl.deployed import OpsError, common_arguments, connect, guarded
from failoverctl.output import emit_json


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pending = subparsers.add_parser("approvals", help="list the failovers waiting for a person's decision")
    common_arguments(pending)
    pending.set_defaults(func=guarded(run_pending))
    for verb in ("approve", "deny"):
        p = subparsers.add_parser(verb, help=f"{verb} a waiting failover (by execution name or approval id)")
        p.add_argument("target", help="the execution name (or ARN) that waits, or an approval id")
        p.add_argument("--reason", default="", help="recorded with the decision")
        common_arguments(p)
        p.set_defaults(func=guarded(run_decide), approved=verb == "approve")


def run_pending(args: argparse.Namespace) -> int:
    stack = connect(args)
    items = stack.store.pending_approvals()
    rows = [
        {
            "approval_id": i["approval_id"],
            "group": i.get("group"),
            "execution": str(i.get("execution_id")),
            "expires_at": i.get("expires_at"),
        }
        for i in items
    ]
    if args.json:
        emit_json({"pending": rows})
    elif not rows:
        print("no failover is waiting for approval")
    else:
        for r in rows:
            print(f"{r['group']}: {r['execution'].rsplit(':', 1)[-1]} (approval {r['approval_id']})")
    return 0


def run_decide(args: argparse.Namespace) -> int:
    stack = connect(args)
    target = str(args.target)
    name = target.rsplit(":", 1)[-1]
    approval_id = target
    found = stack.store.approvals_for(name)
    if found:
        # a run may ask twice (the gate, then an escalation): the request still waiting is the one to decide
        waiting = [f for f in found if not (stack.store.approval(str(f["approval_id"])) or {}).get("used")]
        approval_id = str((waiting or found)[-1]["approval_id"])
    elif not stack.store.approval(target):
        raise OpsError(f"no approval request for '{target}'", code="ApprovalNotFound", exit_code=2)
    who = stack.identity()
    by = who + (f" ({args.reason})" if args.reason else "")
    try:
        result = decide(stack.store, stack.clients, approval_id=approval_id, approved=args.approved, by=by, via="cli")
    except ApprovalError as err:
        raise OpsError(
            err.message, code=f"Approval{str(err.details.get('reason', 'rejected')).title()}", exit_code=1
        ) from None
    if args.json:
        emit_json(result)
    else:
        word = "approved" if result["approved"] else "denied"
        print(f"{word}: {str(result.get('execution_id')).rsplit(':', 1)[-1]} (group {result.get('group')}), by {by}")
    return 0
