"""Which collections hold learned answers, and which of them a channel searches (issue 16).

An answer learned in a channel goes to ``learned-<channel id>``, searched by that channel only; one an admin
widened goes to ``learned``, searched by every channel. The service asks this when it picks a channel's
collections; the hand-over desk asks it when it stores an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LEARNED = "learned"  # searched by every channel: answers an admin widened (and those learned before issue 16)
CHANNEL_PREFIX = f"{LEARNED}-"


def channel_part(channel: str | None) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", channel or "")


def learned_collection(channel: str | None) -> str:
    """The collection an answer learned in ``channel`` goes to: only that channel searches it."""
    part = channel_part(channel)
    return f"{CHANNEL_PREFIX}{part}" if part else LEARNED


def searched_collections(configured: list[str] | None, channel: str | None, stored: Iterable[str]) -> list[str]:
    """What a channel searches: its configured collections (``None``: every stored one), answers widened
    to every channel, and answers learned in this channel, never those learned in another channel."""
    own = learned_collection(channel)
    if configured is not None:
        return list(dict.fromkeys([*configured, LEARNED, own]))
    kept = [c for c in dict.fromkeys(stored) if not c.startswith(CHANNEL_PREFIX) or c == own]
    return kept or [own]  # never empty: an empty list would mean "no restriction"
