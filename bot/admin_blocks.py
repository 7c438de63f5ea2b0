"""Block Kit for feedback and admin surfaces (pure functions): the 👎 reason modal, the App Home,
``/keel`` command replies. The answer message's builders are in :mod:`bot.blocks`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import PurePath
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot import ids
from bot.blocks import Message, help_message
from bot.mrkdwn import escape

REASON_LABELS = {
    "wrong": "It's wrong",
    "outdated": "It's outdated",
    "incomplete": "It's incomplete",
    "not_what_i_asked": "Not what I asked",
    "other": "Something else",
}
ADMIN_HELP = [
    "*Admin commands* (for Keel's admins; everyone else is refused):",
    "• `/keel add <url> [collection]`: add a web page or sitemap to the knowledge base",
    "• `/keel sources`: what the knowledge base holds",
    "• `/keel remove <source>`: take a source out (its name as `/keel sources` shows it)",
    "• `/keel approve <source>`: release a document held for review (Keel does not answer from a document "
    "in which a passage reads like instructions to an assistant until an admin has read and approved it)",
    "• `/keel status`: sources, chunks, the model, the last ingest, paused or not",
    "• `/keel pause` / `/keel resume`: stop answering (questions go to people) / start again",
    "• DM me a file (PDF, DOCX, Markdown, text, HTML, CSV) to add it; `collection: hr` in the message picks "
    "the collection",
]


# -- the 👎 reason modal ----------------------------------------------------------------------------------
def feedback_reason_modal(turn_id: str, channel: str, thread_ts: str | None) -> View:
    """Why the answer did not help; also offers a person. Where it came from rides in private_metadata."""
    reasons = RadioButtonsElement(
        action_id=ids.FEEDBACK_REASON_BLOCK,
        options=[Option(value=value, text=PlainTextObject(text=label)) for value, label in REASON_LABELS.items()],
    )
    comment = PlainTextInputElement(
        action_id=ids.FEEDBACK_COMMENT_BLOCK,
        multiline=True,
        max_length=1000,
        placeholder=PlainTextObject(text="What was wrong or missing? (optional)"),
    )
    offer = ButtonElement(text="Yes, ask a person", action_id=ids.ACCEPT_HUMAN_OFFER, value=turn_id)
    return View(
        type="modal",
        callback_id=ids.FEEDBACK_REASON_VIEW,
        title=PlainTextObject(text="What went wrong?"),
        submit=PlainTextObject(text="Send"),
        close=PlainTextObject(text="Skip"),
        private_metadata=json.dumps({"turn_id": turn_id, "channel": channel, "thread_ts": thread_ts}),
        blocks=[
            InputBlock(
                block_id=ids.FEEDBACK_REASON_BLOCK,
                label=PlainTextObject(text="The answer was…"),
                element=reasons,
            ),
            InputBlock(
                block_id=ids.FEEDBACK_COMMENT_BLOCK,
                label=PlainTextObject(text="Anything to add?"),
                element=comment,
                optional=True,
            ),
            SectionBlock(text=MarkdownTextObject(text="Would you like a person to help with this question?")),
            ActionsBlock(block_id=f"{ids.ACCEPT_HUMAN_OFFER}_{turn_id}", elements=[offer]),
        ],
    )


def submitted_reason(view: dict[str, Any]) -> tuple[dict[str, Any], str | None, str | None]:
    """(private metadata, reason, comment) from a submitted reason modal."""
    values = view.get("state", {}).get("values", {})
    picked = values.get(ids.FEEDBACK_REASON_BLOCK, {}).get(ids.FEEDBACK_REASON_BLOCK, {})
    reason = (picked.get("selected_option") or {}).get("value")
    comment = values.get(ids.FEEDBACK_COMMENT_BLOCK, {}).get(ids.FEEDBACK_COMMENT_BLOCK, {}).get("value")
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    if not isinstance(meta, dict):  # Keel writes an object; anything else is not its modal's
        meta = {}
    return meta, reason if reason in REASON_LABELS else None, comment


# -- /keel -------------------------------------------------------------------------------------------------
def full_help_message() -> Message:
    text = help_message().text + "\n\n" + "\n".join(ADMIN_HELP)
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def sources_text(sources: list[Any], limit: int = 40) -> str:
    if not sources:
        return "The knowledge base is empty. Add documents with `/keel add <url>` or by sending me a file."
    held = [s for s in sources if s.held]
    lines = [f"*{len(sources)} sources* ({sum(s.chunks for s in sources)} chunks):"]
    if held:
        lines.append(
            f":no_entry: *{len(held)} held for review*: Keel does not answer from them until an admin runs "
            "`/keel approve <source>` (or removes them)."
        )
    for s in sorted(sources, key=lambda s: not s.held)[:limit]:
        state = " — *held for review*" if s.held else ""
        lines.append(f"• `{escape(s.source)}` ({escape(s.collection)}, {s.chunks} chunks){state}")
    if len(sources) > limit:
        lines.append(f"…and {len(sources) - limit} more (`keel sources` on the command line lists all).")
    return "\n".join(lines)


def status_text(status: Any, paused: bool, paused_by: str = "") -> str:
    state = f":double_vertical_bar: *Paused* by <@{paused_by}>" if paused else ":large_green_circle: *Answering*"
    collections = ", ".join(f"{escape(c)} ({n})" for c, n in sorted(status.collections.items())) or "none"
    lines = [
        state,
        f"*Knowledge:* {status.sources} sources, {status.chunks} chunks · collections: {collections}",
        f"*Model:* {escape(status.model)}",
    ]
    run = status.last_ingest
    if run:
        held = f", {run['held']} held for review" if run.get("held") else ""
        outcome = (
            f"{run['added']} added, {run['updated']} updated{held}, {run['failed']} failed, {run['chunks']} chunks"
        )
        lines.append(f"*Last ingest:* {_when(run['finished_at'])} by {_actor(run['actor'])} ({outcome})")
    else:
        lines.append("*Last ingest:* none logged yet")
    return "\n".join(lines)


def ingest_text(report: Any, collection: str, names: dict[str, str] | None = None) -> str:
    """What an ingest did, one line per source (``names``: how to show a source, e.g. a file's name)."""
    names = names or {}
    lines = []
    for o in report.outcomes:
        name = escape(names.get(o.source) or PurePath(o.source).name or o.source)
        if o.status in ("added", "updated"):
            lines.append(
                f":white_check_mark: {o.status.capitalize()} *{name}* to `{escape(collection)}`: {o.chunks} chunks."
            )
        elif o.status == "held":
            why = f": {escape(o.reason)}" if o.wrote else " (unchanged since it was held)"
            approve = f"`/keel approve {escape(PurePath(o.source).name or o.source)}`"
            lines.append(
                f":no_entry: *{name}* is stored but *held for review*{why}. Keel will not answer from it until "
                f"an admin has read it and approves it with {approve} (or removes it)."
            )
        elif o.status == "unchanged":
            lines.append(f":ballot_box_with_check: *{name}* is already in `{escape(collection)}`, unchanged.")
        elif o.status == "failed":
            lines.append(f":x: Could not add *{name}*: {escape(o.reason)}. Nothing stored was changed.")
        elif o.status == "skipped":  # URLs over the run's limit (KEEL_INGEST_MAX_URLS)
            lines.append(f":warning: Left out from *{name}*: {escape(o.reason)}.")
    return "\n".join(lines) or "Nothing was found to add."


# -- the App Home ------------------------------------------------------------------------------------------
def admin_home(summary: dict[str, Any], paused: bool) -> View:
    days = summary["days"]
    figures = [
        f"*Questions:* {summary['questions']}",
        f"*Answered:* {_pct(summary['answered_rate'])}",
        f"*Handed over:* {_pct(summary['handed_over_rate'])}",
        f"*👍 rate:* {_pct(summary['thumbs_up_rate'])}",
    ]
    blocks: list[Block] = [
        HeaderBlock(text=f"Keel: the last {days} days"),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in figures]),
    ]
    if paused:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=":double_vertical_bar: *Keel is paused* (`/keel resume`)"))
        )
    blocks += [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text=f"*Pending hand-overs:* {summary['pending_handovers']}")),
    ]
    for h in summary["oldest_pending"]:
        question = escape((h.get("question") or "(question not logged)")[:150])
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f"<#{h['channel']}> · {_when(h['created_at'])} · {question}")]
            )
        )
    blocks += [
        DividerBlock(),
        SectionBlock(text=MarkdownTextObject(text="*Top knowledge gaps* (questions Keel could not answer)")),
    ]
    if not summary["knowledge_gaps"]:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text="None in this period.")]))
    for gap in summary["knowledge_gaps"]:
        examples = " · ".join(f"“{escape(e[:100])}”" for e in gap["examples"])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{gap['count']}×* {examples}")))
    blocks.append(
        ContextBlock(elements=[MarkdownTextObject(text="`keel report` on the command line has the full report.")])
    )
    return View(type="home", blocks=blocks)


def help_home() -> View:
    return View(type="home", blocks=list(help_message().blocks))


# -- helpers -----------------------------------------------------------------------------------------------
def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{round(rate * 100)}%"


def _when(stamp: str) -> str:
    try:
        return datetime.fromisoformat(stamp).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(stamp)


def _actor(actor: str) -> str:
    return f"<@{actor}>" if actor and actor[0] in "UW" else escape(actor or "someone")
