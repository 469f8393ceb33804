"""Slack Block Kit messages for every phase, kept inside Slack's limits.

Messages are built with ``slack_sdk.models.blocks`` (each block validates itself on ``to_dict()``)
and kept inside Slack's limits: long content is cut with a marker, never rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from failover.checks.signals import decision_signals
from failover.models import ActionResult, Check
from failover.steps.notify.messages import (
    ApprovalLinks,
    Incident,
    approval_line,
    clip,
    deadline,
    failed_first,
    one_line,
    verification_line,
)

# Slack's limits (Block Kit reference): blocks per message, characters per text.
MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000
MAX_ACTION_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_URL = 3000
MAX_FALLBACK_TEXT = 3000

# How much of each list a message shows before "... and N more".
MAX_LIST_LINES = 40
MAX_LIST_SECTIONS = 3
MAX_LINE = 500

APPROVAL_BLOCK_ID = "approval"
APPROVAL_INTRO_BLOCK_ID = "approval_intro"
APPROVAL_LINKS_BLOCK_ID = "approval_links"
APPROVAL_BLOCK_IDS = (APPROVAL_INTRO_BLOCK_ID, APPROVAL_BLOCK_ID, APPROVAL_LINKS_BLOCK_ID)
APPROVE_ACTION_ID = "approve"
DENY_ACTION_ID = "deny"

EMOJI = {
    "started": ":arrows_counterclockwise:",
    "approval": ":raised_hand:",
    "succeeded": ":white_check_mark:",
    "failed": ":rotating_light:",
    "denied": ":x:",
    "recovered": ":green_heart:",
    "rejected": ":no_entry:",
}
STATUS_MARK = {
    "changed": ":white_check_mark:",
    "unchanged": ":heavy_minus_sign:",
    "dry_run": ":test_tube:",
    "failed": ":x:",
}


def esc(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives a meaning (links, mentions)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=clip(text, limit))


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=mrkdwn(text))


def _emoji(incident: Incident) -> str:
    if incident.phase == "skipped":
        return ":information_source:" if incident.skip_kind == "noop" else ":no_entry:"
    return EMOJI.get(incident.phase, ":bell:")


def _check_text(check: Check) -> str:
    mark = ":white_check_mark:" if check.ok else (":x:" if check.blocking else ":warning:")
    detail = f" - {esc(one_line(check.detail))}" if check.detail else ""
    return clip(f"{mark} *{esc(clip(check.name, 100))}*{detail}", MAX_LINE)


def _action_text(action: ActionResult) -> str:
    mark = STATUS_MARK.get(action.status, ":grey_question:")
    stage = f"{esc(clip(action.stage, 64))} / " if action.stage else ""
    target = f" on `{esc(clip(action.target, 150))}`" if action.target else ""
    detail = f" - {esc(one_line(action.detail))}" if action.detail else ""
    error = f" _error: {esc(one_line(action.error))}_" if action.error else ""
    return clip(f"{mark} {stage}*{esc(clip(action.name, 100))}* `{action.status}`{target}{detail}{error}", MAX_LINE)


def list_sections(
    title: str,
    lines: Sequence[str],
    noun: str,
    *,
    max_lines: int = MAX_LIST_LINES,
    max_sections: int = MAX_LIST_SECTIONS,
) -> list[SectionBlock]:
    """``lines`` under ``title`` in at most ``max_sections`` sections, the rest counted in a marker."""
    room = MAX_SECTION_TEXT - 120  # keep space for the marker line
    texts: list[str] = []
    current = title
    shown = 0
    for raw in lines[:max_lines]:
        line = clip(raw, MAX_LINE)
        if len(current) + 1 + len(line) > room:
            if len(texts) + 1 >= max_sections:
                break
            texts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
        shown += 1
    hidden = len(lines) - shown
    if hidden:
        current += f"\n_… and {hidden:,} more {noun} (truncated): see the execution output_"
    texts.append(current)
    return [_section(t) for t in texts if t]


def build_message(incident: Incident, approval: ApprovalLinks | None = None) -> dict[str, Any]:
    """The webhook payload for ``incident``: ``text`` (fallback) and validated ``blocks``."""
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(f"{_emoji(incident)} {incident.headline}", MAX_HEADER_TEXT))),
    ]
    summary = esc(incident.summary)
    if incident.mention:
        summary = f"{incident.mention} {summary}"
    if incident.dry_run:
        summary = f":test_tube: *DRY RUN*: nothing is changed.\n{summary}"
    blocks.append(_section(summary))
    blocks.append(SectionBlock(fields=_fields(incident)))
    if incident.trigger.reason:
        blocks.append(_section(f"*Trigger reason*\n>{esc(one_line(incident.trigger.reason))}"))

    if incident.decision_outcome or incident.checks:
        passed = sum(c.ok for c in incident.checks)
        title = f"*Decision:* `{esc(incident.decision_outcome or '?')}`"
        if incident.decision_reason:
            title += f" - {esc(clip(one_line(incident.decision_reason), 1000))}"
        if incident.checks:
            title += f"\n*Checks* ({passed}/{len(incident.checks)} passed)"
        blocks += list_sections(title, [_check_text(c) for c in failed_first(incident.checks)], "checks")
        signals = decision_signals(incident.checks)
        if signals is not None:
            lines = [f"• {esc(clip(one_line(r.text()), 300))}" for r in signals[1]]
            blocks += list_sections(f"*{esc(signals[0])}*", lines, "signals", max_sections=2)
    if incident.actions:
        actions = incident.actions
        if len(actions) > MAX_LIST_LINES:  # show the failures first when not all fit
            actions = sorted(actions, key=lambda a: a.status != "failed")
        blocks += list_sections(f"*Actions* ({len(incident.actions)})", [_action_text(a) for a in actions], "actions")
    if incident.verification:
        v = incident.verification
        lines = [_check_text(c) for c in failed_first(v.checks)]
        blocks += list_sections(f"*Verification:* {verification_line(v)}", lines, "checks", max_sections=2)
    if incident.approval and (incident.approval.by or incident.approval.timed_out):
        blocks.append(_section(f"*Approval:* {esc(approval_line(incident.approval))}"))
    if incident.error:
        cause = clip(esc(incident.error.cause), MAX_SECTION_TEXT - 200).replace("```", "'''")
        blocks.append(_section(f"*Error:* `{esc(clip(incident.error.error, 100))}`\n```{cause}```"))
    if incident.next_steps:
        blocks.append(_section("*What to do next*\n" + "\n".join(f"• {esc(s)}" for s in incident.next_steps)))
    if incident.phase == "approval" and approval is not None:
        blocks += _approval_blocks(incident, approval)
    context = _context(incident)
    if context is not None:
        blocks.append(DividerBlock())
        blocks.append(context)
    payload_blocks = fit_blocks([b.to_dict() for b in blocks])
    return {"text": fallback_text(incident), "blocks": payload_blocks, "unfurl_links": False, "unfurl_media": False}


def fallback_text(incident: Incident) -> str:
    """The plain ``text`` Slack shows in notifications and where blocks cannot be shown."""
    text = f"{incident.headline}: {esc(incident.summary)}"
    if incident.next_steps:
        text += f" Next: {esc(incident.next_steps[0])}"
    if incident.mention:
        text = f"{incident.mention} {text}"
    return clip(text, MAX_FALLBACK_TEXT)


def _fields(incident: Incident) -> list[MarkdownTextObject]:
    values = [
        ("Status", f"{incident.status} ({incident.severity})"),
        ("Group", incident.group),
        ("Direction", f"{incident.direction} {incident.route}".strip()),
        ("Trigger", incident.trigger_text),
        ("Elapsed", incident.elapsed_text),
    ]
    if incident.dry_run:
        values.append(("Mode", "DRY RUN"))
    return [mrkdwn(f"*{name}*\n{esc(value)}", MAX_FIELD_TEXT) for name, value in values[:MAX_FIELDS]]


def _approval_blocks(incident: Incident, approval: ApprovalLinks) -> list[Block]:
    blocks: list[Block] = []
    answer_by = approval.expires_at or deadline(incident.approval.timeout_seconds if incident.approval else None)
    intro = "*Approve or deny this failover.*"
    if answer_by:
        intro += f" Answer before {esc(answer_by)}."
    blocks.append(SectionBlock(block_id=APPROVAL_INTRO_BLOCK_ID, text=mrkdwn(intro)))
    value = clip(approval.approval_id, MAX_BUTTON_VALUE, marker="")
    blocks.append(
        ActionsBlock(
            block_id=APPROVAL_BLOCK_ID,
            elements=[
                ButtonElement(
                    text=PlainTextObject(text="Approve"),
                    action_id=APPROVE_ACTION_ID,
                    value=value,
                    style="primary",
                    confirm=ConfirmObject(
                        title="Approve the failover?",
                        text=clip(f"{incident.group}: {incident.direction} {incident.route}", 300),
                        confirm="Approve",
                        deny="Cancel",
                    ),
                ),
                ButtonElement(text=PlainTextObject(text="Deny"), action_id=DENY_ACTION_ID, value=value, style="danger"),
            ],
        )
    )
    links = [(label, url) for label, url in (("approve", approval.approve_url), ("deny", approval.deny_url)) if url]
    links = [(label, url) for label, url in links if len(url) <= MAX_CONTEXT_TEXT // 2 - 20]
    if links:
        text = "Or open a signed link: " + " · ".join(f"<{url}|{label}>" for label, url in links)
        blocks.append(ContextBlock(block_id=APPROVAL_LINKS_BLOCK_ID, elements=[mrkdwn(text, MAX_CONTEXT_TEXT)]))
    return blocks


def _context(incident: Incident) -> ContextBlock | None:
    elements: list[MarkdownTextObject] = []
    for link in incident.links:
        if len(link.url) <= MAX_CONTEXT_TEXT - 100 and not any(c in link.url for c in "<>|"):
            elements.append(mrkdwn(f"<{link.url}|{esc(link.label)}>", MAX_CONTEXT_TEXT))
    ids = []
    if incident.incident_id:
        ids.append(f"incident `{esc(clip(incident.incident_id, 200))}`")
    if incident.execution_id:
        ids.append(f"execution `{esc(clip(incident.execution_id.rsplit(':', 1)[-1], 200))}`")
    ids.append(f"at {incident.generated_at}")
    elements.append(mrkdwn(" · ".join(ids), MAX_CONTEXT_TEXT))
    return ContextBlock(elements=elements[:MAX_CONTEXT_ELEMENTS]) if elements else None


def fit_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """At most ``MAX_BLOCKS`` blocks: drop from the middle, keep the approval buttons and the end."""
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    tail_start = next((i for i, b in enumerate(blocks) if b.get("block_id") in APPROVAL_BLOCK_IDS), len(blocks) - 2)
    tail = blocks[tail_start:]
    head = blocks[: MAX_BLOCKS - len(tail) - 1]
    marker = SectionBlock(text=mrkdwn(f"_… {len(blocks) - len(head) - len(tail)} more blocks (truncated)_")).to_dict()
    return [*head, marker, *tail][:MAX_BLOCKS]
