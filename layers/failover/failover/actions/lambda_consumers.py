"""Lambda event source mappings: consumers run in exactly one region.

A service that reads a queue or stream in each region (for example SQS consumers) processes work
only where its event source mappings are enabled. Failing over disables the source side's mappings
first, then enables the target side's, so that work is never processed in both regions at once.

The region being left may be impaired: when its Lambda API cannot be reached (connection errors,
5xx), ``on_source_unreachable: continue`` (the default) enables the target anyway and says that the
source's mappings were not disabled; ``fail`` fails the action instead (and ``plan lint`` then
reports the dependency on the region being left).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from failover.actions.base import Action, ActionContext, Change, Dependency, Done, Observation
from failover.actions.specs import ConsumerSide, LambdaEventSourceMappingsSpec
from failover.errors import THROTTLING_CODES, ActionError, aws_error
from failover.models import Check

ON = {"Enabled", "Enabling"}
OFF = {"Disabled", "Disabling"}


@dataclass(frozen=True)
class Mapping:
    uuid: str
    function: str
    source_arn: str
    state: str
    region: str


@dataclass(frozen=True)
class Consumers:
    """One side's mappings, or why they could not be read (``unreachable``)."""

    mappings: list[Mapping]
    unreachable: str | None = None

    def all_in(self, states: set[str]) -> bool:
        return self.unreachable is None and bool(self.mappings) and all(m.state in states for m in self.mappings)


def unreachable(err: Exception) -> bool:
    """A region that does not answer (not a refusal, not throttling: those are answers)."""
    if isinstance(err, ClientError):
        code, status = aws_error(err)
        return status >= 500 and code not in THROTTLING_CODES
    return isinstance(err, BotoCoreError)


class LambdaEventSourceMappings(Action[LambdaEventSourceMappingsSpec]):
    """Disable the source side's event source mappings and enable the target side's."""

    type: ClassVar[str] = "lambda_event_source_mappings"
    plane = "control"
    iam_actions = (
        "lambda:ListEventSourceMappings",
        "lambda:UpdateEventSourceMapping",
    )

    def target_label(self) -> str:
        names = sorted({m.function_name for m in self.spec.primary.mappings + self.spec.secondary.mappings})
        return f"event source mappings of {', '.join(names)}"

    # -- reading ------------------------------------------------------------------------

    @staticmethod
    def read(ctx: ActionContext, side: ConsumerSide) -> list[Mapping]:
        client = ctx.clients.get("lambda", side.region)
        found: list[Mapping] = []
        for ref in side.mappings:
            kwargs: dict[str, Any] = {"FunctionName": ref.function_name}
            if ref.event_source_arn:
                kwargs["EventSourceArn"] = ref.event_source_arn
            listed = client.list_event_source_mappings(**kwargs).get("EventSourceMappings", [])
            if not listed:
                what = f" from {ref.event_source_arn}" if ref.event_source_arn else ""
                raise ActionError(f"no event source mapping of {ref.function_name}{what} in {side.region}")
            found += [
                Mapping(m["UUID"], ref.function_name, m.get("EventSourceArn", ""), m.get("State", ""), side.region)
                for m in listed
            ]
        return found

    def read_source(self, ctx: ActionContext) -> Consumers:
        """The source side's mappings; an unreachable region is reported, not raised."""
        side: ConsumerSide = getattr(self.spec, ctx.source)
        try:
            return Consumers(self.read(ctx, side))
        except (ClientError, BotoCoreError) as err:
            if not unreachable(err):
                raise
            return Consumers([], unreachable=f"{side.region} unreachable: {err}")

    def observe(self, ctx: ActionContext) -> Observation:
        target = Consumers(self.read(ctx, getattr(self.spec, ctx.target)))
        source = self.read_source(ctx)
        values = {
            ctx.target: {m.uuid: m.state for m in target.mappings},
            ctx.source: {m.uuid: m.state for m in source.mappings} if source.unreachable is None else None,
        }
        detail = (
            f"{ctx.target} {', '.join(sorted({m.state for m in target.mappings}))}; "
            f"{ctx.source} {source.unreachable or ', '.join(sorted({m.state for m in source.mappings}))}"
        )
        if target.all_in(ON) and (source.all_in(OFF) or source.unreachable):
            return Observation(ctx.target, detail, values)
        if target.all_in(OFF) and source.all_in(ON):
            return Observation(ctx.source, detail, values)
        if target.all_in(OFF) and source.unreachable:
            return Observation("unknown", detail, values)
        return Observation("mixed", detail, values)

    # -- changing -----------------------------------------------------------------------

    @staticmethod
    def desired_change(target: list[Mapping], source: Consumers) -> tuple[list[Mapping], list[Mapping]]:
        """(mappings to disable on the source side, mappings to enable on the target side)."""
        return [m for m in source.mappings if m.state not in OFF], [m for m in target if m.state not in ON]

    @staticmethod
    def undo_for(disable: list[Mapping], enable: list[Mapping]) -> list[dict[str, Any]]:
        return [
            {
                "api": "lambda.UpdateEventSourceMapping",
                "region": m.region,
                "UUID": m.uuid,
                "FunctionName": m.function,
                "Enabled": m.state in ON,
            }
            for m in enable + disable
        ]

    @staticmethod
    def set_enabled(ctx: ActionContext, mapping: Mapping, enabled: bool) -> None:
        # FunctionName names the same function: it lets IAM's lambda:FunctionArn condition see it
        ctx.clients.get("lambda", mapping.region).update_event_source_mapping(
            UUID=mapping.uuid, FunctionName=mapping.function, Enabled=enabled
        )

    def apply(self, ctx: ActionContext) -> Change | Done:
        target_side: ConsumerSide = getattr(self.spec, ctx.target)
        target = self.read(ctx, target_side)
        source = self.read_source(ctx)
        if source.unreachable and self.spec.on_source_unreachable == "fail":
            raise ActionError(
                f"cannot disable the {ctx.source} side's mappings ({source.unreachable}) and the plan says "
                "on_source_unreachable: fail"
            )
        disable, enable = self.desired_change(target, source)
        planned = [f"disable {m.function} <- {m.source_arn} ({m.region}, {m.uuid})" for m in disable]
        planned += [f"enable {m.function} <- {m.source_arn} ({m.region}, {m.uuid})" for m in enable]

        def do_change() -> str:
            # the source first: work must never run in both regions at once
            for mapping in disable:
                self.set_enabled(ctx, mapping, False)
            for mapping in enable:
                self.set_enabled(ctx, mapping, True)
            note = (
                f"; the {ctx.source} side's mappings were not disabled: {source.unreachable}"
                if source.unreachable
                else ""
            )
            return "; ".join(planned) + note

        return Change(
            f"{len(target)} {ctx.target} mapping(s) enabled"
            + (f", {ctx.source} {source.unreachable}" if source.unreachable else f", {ctx.source} disabled"),
            planned,
            do_change,
            undo=self.undo_for(disable, enable),
            region=target_side.region,
        )

    # -- verifying ----------------------------------------------------------------------

    def verify(self, ctx: ActionContext) -> list[Check]:
        target = self.read(ctx, getattr(self.spec, ctx.target))
        source = self.read_source(ctx)
        checks = [
            Check(
                name=f"{self.name}: {ctx.target} mappings Enabled",
                ok=all(m.state == "Enabled" for m in target),
                detail=", ".join(f"{m.function} {m.uuid} {m.state}" for m in target),
                values={m.uuid: m.state for m in target},
            )
        ]
        if source.unreachable:
            tolerated = self.spec.on_source_unreachable == "continue"
            checks.append(
                Check(
                    name=f"{self.name}: {ctx.source} mappings Disabled",
                    ok=tolerated,
                    detail=f"not verified: {source.unreachable}"
                    + (" (on_source_unreachable: continue)" if tolerated else ""),
                )
            )
        else:
            checks.append(
                Check(
                    name=f"{self.name}: {ctx.source} mappings Disabled",
                    ok=all(m.state == "Disabled" for m in source.mappings),
                    detail=", ".join(f"{m.function} {m.uuid} {m.state}" for m in source.mappings),
                    values={m.uuid: m.state for m in source.mappings},
                )
            )
        return checks

    def dependencies(self, ctx: ActionContext) -> list[Dependency]:
        target: ConsumerSide = getattr(self.spec, ctx.target)
        source: ConsumerSide = getattr(self.spec, ctx.source)
        deps = [
            Dependency(
                "control",
                "lambda",
                "UpdateEventSourceMapping (enable)",
                target.region,
                "Lambda control plane of the region being activated",
                "",
            )
        ]
        if self.spec.on_source_unreachable == "fail":
            deps.append(
                Dependency(
                    "control",
                    "lambda",
                    "UpdateEventSourceMapping (disable)",
                    source.region,
                    "the source side's consumers must be disabled before the target's start",
                    "on_source_unreachable: continue enables the target even when the region being left does not "
                    "answer",
                )
            )
        return deps
