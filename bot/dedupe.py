"""Exactly once: a Slack delivery Keel has taken is never taken again, even by another process.

Slack redelivers an event it thinks failed (HTTP: ``X-Slack-Retry-Num``; Socket Mode: ``retry_attempt``)
with the same ``event_id``; and one message can arrive as two events (``app_mention`` and ``message``)
with different event ids but the same ``(channel, ts)`` and ``client_msg_id``. Each delivery is *claimed*
under all of its keys in one SQLite transaction: the first claim wins, every later one is refused.

The table lives under ``KEEL_HOME`` so that all workers behind a load balancer share it. Claims are
kept for a day (Slack stops retrying after about an hour) and pruned as new ones come in.

Trade-off: a claim is taken before the answer is written, so a process that dies mid-answer does not
answer that question again (at most once). Slack has its ack by then and would not retry anyway; the asker
is told to ask again instead (bot.inflight).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from bot.store.slack_state import claim_keys, forget_claims
from bot.store.state import StateDB

KEEP_SECONDS = 24 * 3600
PRUNE_EVERY = 500  # claims between prunes


def delivery_keys(
    event_id: str | None = None,
    channel: str | None = None,
    ts: str | None = None,
    client_msg_id: str | None = None,
) -> list[str]:
    """Every key one delivery is known by; any one of them seen before makes it a duplicate."""
    keys = []
    if event_id:
        keys.append(f"event:{event_id}")
    if channel and ts:
        keys.append(f"message:{channel}:{ts}")
    if client_msg_id:
        keys.append(f"client_msg:{client_msg_id}")
    return keys


class EventLedger:
    """Claims on deliveries, stored in the ``claims`` table of the state file."""

    def __init__(self, db: StateDB, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._state = db
        self._claims_since_prune = 0
        self.prune()

    def claim(self, keys: Iterable[str]) -> bool:
        """True if none of ``keys`` was claimed before (and now all are); False for a duplicate."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return True  # nothing to recognise it by: answer rather than drop
        won = claim_keys(self._state, keys, time.time())  # BEGIN IMMEDIATE: two processes cannot both win
        self._claims_since_prune += 1  # a lost count between threads only moves the next prune a little
        if self._claims_since_prune >= PRUNE_EVERY:
            self.prune()
        return won

    def prune(self) -> None:
        self._claims_since_prune = 0
        forget_claims(self._state, time.time() - self.keep_seconds)
