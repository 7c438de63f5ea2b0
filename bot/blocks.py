"""Block Kit for Keel's messages: pure functions from results to slack_sdk block objects.

An answer message is, top to bottom: the answer (mrkdwn sections of at most 3,000 characters), its
sources (linked titles and sections), the confidence, an "Ask a human" button and the 👍/👎
``feedback_buttons`` in a ``context_actions`` block. The turn id travels in every button's value, so a
click maps back to its row in the log. Messages stay within Slack's 50 blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextActionsBlock,
    ContextBlock,
    FeedbackButtonsElement,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot import ids
from bot.mrkdwn import SECTION_LIMIT, escape, split_text, to_mrkdwn
from graphs.result import Citation, TurnResult

MAX_BLOCKS = 50
MAX_CONTEXT_ELEMENTS = 10
FALLBACK_LIMIT = 3000  # the notification text; the blocks carry the whole answer
SHORTENED = "\n\n_…the answer was shortened to fit in one Slack message._"

SUGGESTED_PROMPTS = [
    {"title": "Vacation days", "message": "How many vacation days do I get per year?"},
    {"title": "VPN", "message": "How do I connect to the VPN?"},
    {"title": "Expenses", "message": "What is the deadline for submitting expenses?"},
    {"title": "Password reset", "message": "How do I reset my password?"},
]
GREETING = "Hi! I'm Keel. Ask me anything about how things work here; I answer from the company's own documents."
WORKING_STATUS = "is looking through the knowledge base…"
LOADING_MESSAGES = ["Searching the knowledge base…", "Reading the best passages…", "Checking the answer…"]


@dataclass(frozen=True)
class Message:
    """What ``chat.postMessage`` / ``chat.update`` take: fallback text and blocks."""

    text: str
    blocks: list[Block]

    def as_kwargs(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": [b.to_dict() for b in self.blocks]}


# -- the answer -----------------------------------------------------------------------------------------
def answer_message(result: TurnResult, turn_id: str) -> Message:
    """The reply to a question, whatever was decided: answer, hand-over notice or refusal."""
    footer = answer_footer(result, turn_id)
    body = answer_sections(result.answer, citation_links(result.citations), turn_id, MAX_BLOCKS - len(footer))
    return Message(text=fallback_text(result.answer), blocks=[*body, *footer])


def answer_footer(result: TurnResult, turn_id: str) -> list[Block]:
    """Everything under the answer text; also what ends a streamed answer (``chat.stopStream`` blocks)."""
    blocks: list[Block] = []
    if result.decision == "answered":
        sources = sources_block(result.citations, turn_id)
        if sources is not None:
            blocks.append(sources)
        blocks.append(confidence_block(result.confidence, turn_id))
    if result.decision != "handed_over":  # a hand-over already brings a person in
        blocks.append(ask_human_block(turn_id))
    blocks.append(feedback_block(turn_id))
    return blocks


def answer_sections(markdown: str, links: dict[int, str], turn_id: str, max_blocks: int) -> list[Block]:
    """The answer as mrkdwn sections of at most 3,000 characters, no more than ``max_blocks`` of them."""
    pieces = split_text(to_mrkdwn(markdown, links), SECTION_LIMIT) or ["…"]
    if len(pieces) > max_blocks:
        pieces = pieces[:max_blocks]
        pieces[-1] = pieces[-1][: SECTION_LIMIT - len(SHORTENED)] + SHORTENED
    return [
        SectionBlock(block_id=f"{ids.ANSWER_BLOCK}_{turn_id}_{n}", text=MarkdownTextObject(text=piece))
        for n, piece in enumerate(pieces)
    ]


def fallback_text(markdown: str) -> str:
    """The plain version Slack shows in notifications and screen readers."""
    text = to_mrkdwn(markdown, plain=True)
    return text if len(text) <= FALLBACK_LIMIT else text[: FALLBACK_LIMIT - 1] + "…"


def citation_links(citations: list[Citation]) -> dict[int, str]:
    return {c.n: c.source for c in citations if _is_url(c.source)}


def sources_block(citations: list[Citation], turn_id: str) -> ContextBlock | None:
    """One line per cited source: ``[n] Title › Section``, linked when the source is a web page."""
    if not citations:
        return None
    elements = [MarkdownTextObject(text=source_label(c)) for c in citations[: MAX_CONTEXT_ELEMENTS - 1]]
    hidden = len(citations) - len(elements)
    if hidden > 0:
        elements.append(MarkdownTextObject(text=f"and {hidden} more"))
    return ContextBlock(block_id=f"{ids.SOURCES_BLOCK}_{turn_id}", elements=elements)


def source_label(citation: Citation) -> str:
    title = citation.title.strip() or PurePath(citation.source).stem or citation.source
    section = _section_below_title(citation.section, title)
    name = f"<{_link_target(citation.source)}|{_link_label(title)}>" if _is_url(citation.source) else escape(title)
    return f"*[{citation.n}]* {name}" + (f" › {escape(section)}" if section else "")


def confidence_block(confidence: float, turn_id: str) -> ContextBlock:
    level = "high" if confidence >= 0.75 else "medium" if confidence >= 0.5 else "low"
    text = f"Confidence: *{level}* ({round(confidence * 100)}%) · answered from the knowledge base"
    return ContextBlock(block_id=f"{ids.META_BLOCK}_{turn_id}", elements=[MarkdownTextObject(text=text)])


def ask_human_block(turn_id: str) -> ActionsBlock:
    button = ButtonElement(text="Ask a human", action_id=ids.ASK_HUMAN, value=turn_id)
    return ActionsBlock(block_id=f"{ids.ACTIONS_BLOCK}_{turn_id}", elements=[button])


def feedback_block(turn_id: str) -> ContextActionsBlock:
    buttons = FeedbackButtonsElement(
        action_id=ids.FEEDBACK,
        positive_button={
            "text": PlainTextObject(text="👍"),
            "accessibility_label": "This answer helped",
            "value": f"{turn_id}:{ids.VOTE_UP}",
        },
        negative_button={
            "text": PlainTextObject(text="👎"),
            "accessibility_label": "This answer did not help",
            "value": f"{turn_id}:{ids.VOTE_DOWN}",
        },
    )
    return ContextActionsBlock(block_id=f"{ids.FEEDBACK_BLOCK}_{turn_id}", elements=[buttons])


def parse_vote(value: str) -> tuple[str, str] | None:
    """(turn id, vote) from a feedback button's value, or None when it is not one of ours."""
    turn_id, _, vote = (value or "").rpartition(":")
    return (turn_id, vote) if turn_id and vote in (ids.VOTE_UP, ids.VOTE_DOWN) else None


# -- short notices ----------------------------------------------------------------------------------------
def notice_message(text: str) -> Message:
    """A plain one-section message (failure notices, acknowledgements)."""
    return Message(text=text, blocks=[SectionBlock(text=MarkdownTextObject(text=text))])


def help_message() -> Message:
    lines = [
        "*Keel answers questions from the company's own documents.*",
        "• Mention me in a channel (`@Keel how do I reset my password?`) or send me a direct message.",
        "• Reply in a thread I answered in to ask a follow-up; no need to mention me again.",
        "• Every answer lists its sources. Use 👍/👎 to tell us if it helped, or *Ask a human*.",
        "• When I'm not sure, I say so and hand the question to a person instead of guessing.",
    ]
    return Message(text="\n".join(lines), blocks=[SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))])


# -- helpers ----------------------------------------------------------------------------------------------
def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _link_target(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _link_label(text: str) -> str:
    return escape(text).replace("|", "¦")


def _section_below_title(section: str, title: str) -> str:
    """The heading path without a leading title ("Leave policy > Vacation" under "Leave policy")."""
    parts = [p.strip() for p in section.split(">") if p.strip()]
    if parts and parts[0].casefold() == title.casefold():
        parts = parts[1:]
    return " › ".join(parts)
