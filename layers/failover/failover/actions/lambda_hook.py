"""A custom step: invoke the user's Lambda function with the request, in the function's region.

The function receives ``{"phase": "apply" | "verify", "action", "group", "stage", "direction",
"source", "target", "source_region", "target_region", "dry_run", "incident_id", "request",
"payload"}``. It may answer ``{"changed": bool, "detail": str, "undo": [...]}`` for ``apply`` and
``{"ok": bool, "detail": str}`` for ``verify``; any other answer counts as changed / ok. A function
error (``FunctionError``) fails the action and so the stage. The function must be idempotent: it is
called again on a retry. A dry run does not invoke it.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import LambdaHookSpec
from failover.models import ActionStatus, Check


class LambdaHook(Action[LambdaHookSpec]):
    """Invoke a function (RequestResponse); its error fails the stage."""

    type: ClassVar[str] = "lambda_hook"
    plane = "data"
    iam_actions = ("lambda:InvokeFunction",)

    @property
    def region(self) -> str:
        return self.spec.function_arn.split(":")[3]

    def target_label(self) -> str:
        return f"function {self.spec.function_arn.split(':function:', 1)[-1]} ({self.region})"

    def event(self, ctx: ActionContext, phase: str) -> dict[str, Any]:
        return {
            "phase": phase,
            "action": self.name,
            "group": ctx.group,
            "stage": ctx.stage,
            "direction": str(ctx.direction),
            "source": ctx.source,
            "target": ctx.target,
            "source_region": ctx.source_region,
            "target_region": ctx.target_region,
            "dry_run": ctx.dry_run,
            "incident_id": ctx.incident_id,
            "request": ctx.request,
            "payload": self.spec.payload,
        }

    def invoke(self, ctx: ActionContext, phase: str) -> tuple[str | None, Any]:
        """(function error or None, decoded answer)."""
        resp = ctx.clients.get("lambda", self.region).invoke(
            FunctionName=self.spec.function_arn,
            InvocationType="RequestResponse",
            Payload=json.dumps(self.event(ctx, phase), default=str).encode(),
        )
        raw = resp["Payload"].read() if "Payload" in resp else b""
        try:
            answer = json.loads(raw) if raw else None
        except ValueError:
            answer = raw.decode("utf-8", "replace")
        return resp.get("FunctionError"), answer

    @staticmethod
    def _error_text(answer: Any) -> str:
        if isinstance(answer, dict):
            return f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', answer)}"
        return str(answer)

    def observe(self, ctx: ActionContext) -> Observation:
        # a hook has no state of its own: it does not say which side is active
        return Observation("n/a", f"{self.target_label()} has no state to read")

    def apply(self, ctx: ActionContext) -> Change | Done:
        if ctx.dry_run:
            return Done(
                ActionStatus.DRY_RUN,
                f"DRY RUN: would invoke {self.target_label()}",
                changes=[f"invoke {self.spec.function_arn}"],
                region=self.region,
            )
        error, answer = self.invoke(ctx, "apply")
        if error:
            return Done(
                ActionStatus.FAILED,
                f"{self.target_label()} failed: {self._error_text(answer)}",
                region=self.region,
                error=f"FunctionError.{error}",
            )
        answer = answer if isinstance(answer, dict) else {"detail": answer}
        changed = answer.get("changed", True) is not False
        detail = str(answer.get("detail") or f"invoked {self.target_label()}")
        given = answer.get("undo")
        undo = given if isinstance(given, list) else []
        return Done(
            ActionStatus.CHANGED if changed else ActionStatus.UNCHANGED,
            detail,
            changes=[f"invoked {self.spec.function_arn}"] if changed else [],
            undo=undo,
            region=self.region,
        )

    def verify(self, ctx: ActionContext) -> list[Check]:
        error, answer = self.invoke(ctx, "verify")
        if error:
            return [Check(name=f"{self.name}: hook verifies", ok=False, detail=self._error_text(answer))]
        ok = not (isinstance(answer, dict) and answer.get("ok") is False)
        detail = str(answer.get("detail", answer)) if isinstance(answer, dict) else str(answer)
        return [Check(name=f"{self.name}: hook verifies", ok=ok, detail=f"{self.target_label()}: {detail}")]

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        return [
            Dependency(
                "data",
                "lambda",
                "Invoke",
                self.region,
                "the hook runs in its function's region",
                "deploy the hook in the region being activated",
            )
        ]
