"""Which Slack messages are questions for Keel: pure functions over event payloads.

Keel answers people, not bots (its own messages are dropped by Bolt before they get here; other bots'
are dropped here, so two bots can never answer each other forever), and new messages only: edits,
deletions, joins and other subtypes are not questions.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from bot.mrkdwn import question_text

MessageKind = Literal["dm", "thread_reply", "top_level", "ignore"]
QUESTION_SUBTYPES = (None, "thread_broadcast")  # a reply also sent to the channel is still a reply
# Words that make up "thanks", "ok, got it", "great, thank you so much" and other acknowledgements.
ACKNOWLEDGEMENT_WORDS = frozenset(
    {"thanks", "thank", "you", "thx", "ty", "cheers", "appreciated", "ok", "okay", "k", "cool", "great"}
    | {"perfect", "nice", "awesome", "got", "it", "sounds", "good", "will", "do", "a", "lot", "so", "much"}
    | {"yes", "yep", "sure", "np", "no", "problem"}
)


def from_a_person(event: dict[str, Any]) -> bool:
    """A new message written by a person (not a bot, not an edit or a deletion)."""
    return (
        event.get("subtype") in QUESTION_SUBTYPES
        and not event.get("bot_id")
        and not event.get("bot_profile")
        and bool(event.get("user"))
    )


def message_kind(event: dict[str, Any], bot_user_id: str | None) -> MessageKind:
    """Where a ``message`` event sits: a DM, a reply in a thread, or a new top-level channel message.

    Channel messages that mention Keel are left to the ``app_mention`` event of the same message.
    """
    if not from_a_person(event) or event.get("user") == bot_user_id:
        return "ignore"
    if event.get("channel_type") == "im":
        return "dm"
    if bot_user_id and f"<@{bot_user_id}>" in (event.get("text") or ""):
        return "ignore"
    thread_ts = event.get("thread_ts")
    return "thread_reply" if thread_ts and thread_ts != event.get("ts") else "top_level"


def thread_of(event: dict[str, Any]) -> str:
    """The thread a reply belongs in: the message's thread, or a new thread under the message."""
    return str(event.get("thread_ts") or event["ts"])


def looks_like_question(text: str) -> bool:
    """For messages nobody addressed to Keel (thread follow-ups, auto-answer channels): skip "thanks!",
    "ok" and other one-word acknowledgements, answer everything else."""
    plain = question_text(text)
    if "?" in plain:
        return True
    words = re.sub(r"[^\w\s']", " ", plain.casefold()).split()
    if all(word in ACKNOWLEDGEMENT_WORDS for word in words):
        return False
    return len(words) >= 3
