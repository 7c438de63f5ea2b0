"""Block Kit for hand-overs: pure functions from a hand-over to slack_sdk blocks.

The announcement tags the experts and carries the question, the reason, the unverified draft (if any)
and the sources Keel found, with a "Mark resolved" button. Once resolved, the announcement loses its
button and a resolution message offers "Add to knowledge" (and, once learned, "Remove from knowledge").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, ButtonElement, ContextBlock, MarkdownTextObject, SectionBlock

from bot import ids
from bot.blocks import Message
from bot.mrkdwn import SECTION_LIMIT, escape

MAX_SOURCES = 5
DRAFT_LIMIT = 1500  # the draft is a hint for the expert, not the answer: keep the message short


def mention(slack_id: str) -> str:
    """``<!subteam^S…>`` for a user group, ``<@U…>`` for a person."""
    return f"<!subteam^{slack_id}>" if slack_id.startswith("S") else f"<@{slack_id}>"


def mentions(slack_ids: Sequence[str]) -> str:
    return " ".join(mention(i) for i in slack_ids) or "the team here"


def _with_mentions(text: str) -> str:
    """Escaped text in which the user mentions Keel itself wrote (``<@U…>``) still work."""
    return re.sub(r"&lt;@([UW][A-Z0-9]+)&gt;", r"<@\1>", escape(text))


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def announcement_message(
    handover: dict[str, Any], experts: Sequence[str], reminder_minutes: int, *, resolved_line: str = ""
) -> Message:
    """The one message in the thread that brings people in (``resolved_line``: its resolved version)."""
    turn_id = handover["turn_id"]
    asker = handover.get("asker") or ""
    question = _clip(escape(handover.get("question") or "(see the question above)"), 1000)
    lines = [
        f":sos: {mentions(experts)}: can you help with this question?",
        f">{question}",
        f"*Why a person:* {_with_mentions(handover.get('reason') or 'Keel should not answer this alone')}",
    ]
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]
    draft = (handover.get("draft") or "").strip()
    if draft:
        text = f"*Unverified draft* (not checked, not shown to the asker as an answer):\n{escape(_clip(draft, DRAFT_LIMIT))}"
        blocks.append(SectionBlock(text=MarkdownTextObject(text=_clip(text, SECTION_LIMIT))))
    sources = source_lines(handover.get("sources") or [])
    if sources:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="*Sources found:* " + " · ".join(sources))]))
    if resolved_line:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=resolved_line)))
    else:
        next_steps = (
            f"{mention(asker)}, I've asked {mentions(experts)}. Someone will answer here in this thread; "
            f"if nobody has within {reminder_minutes} minutes of working hours, I'll remind them and then "
            'ask the backup group. Say "solved" here if you no longer need help.'
            if asker
            else f"Someone will answer here in this thread; I'll remind them after {reminder_minutes} minutes."
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=next_steps)))
        button = ButtonElement(text="Mark resolved", action_id=ids.MARK_RESOLVED, value=turn_id, style="primary")
        blocks.append(ActionsBlock(block_id=f"{ids.HANDOVER_BLOCK}_{turn_id}", elements=[button]))
    fallback = f"{mentions(experts)}: a question needs a person. {question}"
    return Message(text=_clip(fallback, 3000), blocks=blocks)


def source_lines(sources: Sequence[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for s in sources:
        name = str(s.get("source") or "")
        if name and name not in seen:
            seen.append(name)
    return [
        f"<{s}|{escape(s)}>" if s.startswith(("http://", "https://")) else escape(s.rsplit("/", 1)[-1])
        for s in seen[:MAX_SOURCES]
    ]


def resolved_line(resolved_by: str, kind: str) -> str:
    how = {"asker_solved": "the asker said it is solved", "button": "marked resolved"}.get(kind, "answered")
    return f":white_check_mark: Resolved by {mention(resolved_by)} ({how})."


def resolution_message(
    handover: dict[str, Any],
    resolved_by: str,
    kind: str,
    *,
    learned: bool = False,
    widened: bool = False,
    approved_by: str = "",
) -> Message:
    """The thread's closing message: thanks, and the learning buttons when there is an answer to keep."""
    turn_id = handover["turn_id"]
    asker = handover.get("asker") or ""
    if kind == "asker_solved":
        text = f":white_check_mark: Glad it's sorted, {mention(asker)}. I've closed this request."
    else:
        who = mention(resolved_by)
        text = (
            f":white_check_mark: Thanks {who}! {mention(asker)}, {who} answered your question above."
            if asker
            else (f":white_check_mark: Thanks {who}! This question is resolved.")
        )
    blocks: list[Any] = [SectionBlock(text=MarkdownTextObject(text=text))]
    if (handover.get("answer") or "").strip():
        note, buttons = _learning_controls(turn_id, learned, widened, approved_by)
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
        blocks.append(ActionsBlock(block_id=f"{ids.HANDOVER_BLOCK}_learn_{turn_id}", elements=buttons))
    return Message(text=text, blocks=blocks)


def _learning_controls(turn_id: str, learned: bool, widened: bool, approved_by: str) -> tuple[str, list[ButtonElement]]:
    """The note and buttons under a resolved answer: save it (for this channel), share it, remove it."""
    if not learned:
        note = (
            "One of this channel's experts or an admin can save this answer to the knowledge base; "
            "I'll then use it in this channel."
        )
        return note, [ButtonElement(text="Add to knowledge", action_id=ids.ADD_TO_KNOWLEDGE, value=turn_id)]
    approved = f" (approved by {mention(approved_by)})" if approved_by else ""
    remove = ButtonElement(text="Remove from knowledge", action_id=ids.REMOVE_FROM_KNOWLEDGE, value=turn_id)
    if widened:
        return f"Saved to the knowledge base{approved}: I'll cite this answer in every channel.", [remove]
    share = ButtonElement(text="Use in every channel", action_id=ids.SHARE_LEARNED, value=turn_id)
    note = (
        f"Saved to the knowledge base{approved}: I'll cite this answer in this channel. "
        "An admin can make it available in every channel."
    )
    return note, [remove, share]


def reminder_text(experts: Sequence[str], minutes: int) -> str:
    return f":bell: Reminder {mentions(experts)}: this question has been waiting for a person for {minutes} minutes."


def backup_text(backup: Sequence[str]) -> str:
    return f":rotating_light: {mentions(backup)}: nobody has picked this question up yet. Can you help?"


def mirror_text(channel: str, permalink: str, reason: str) -> str:
    return f":sos: A question in <#{channel}> needs a person ({escape(reason)}): <{permalink}|open the thread>"
