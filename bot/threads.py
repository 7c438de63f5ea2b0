"""The Slack threads Keel has replied in, so a follow-up there is answered without a mention.

Written the moment a reply is posted (not through the background log writer), so a follow-up sent a
second later already finds its thread. Shared by all processes through Keel's Slack state file.
"""

from __future__ import annotations

import time

from bot.store import slack_state
from bot.store.state import StateDB


class KnownThreads:
    """The ``threads`` and ``answers`` tables of the state file."""

    def __init__(self, db: StateDB) -> None:
        self._state = db

    def remember(self, channel: str, thread_ts: str) -> None:
        slack_state.remember_thread(self._state, channel, thread_ts, time.time())

    def __contains__(self, where: tuple[str, str]) -> bool:
        channel, thread_ts = where
        return slack_state.is_known_thread(self._state, channel, thread_ts)

    def remember_answer(self, channel: str, ts: str, thread_ts: str, turn_id: str) -> None:
        """Keel posted the answer to ``turn_id`` as message ``ts`` (a 👍/👎 reaction names only its message)."""
        slack_state.remember_answer(self._state, channel, ts, thread_ts, turn_id, time.time())

    def answer_at(self, channel: str, ts: str) -> tuple[str, str | None] | None:
        """(turn id, thread ts) of Keel's answer message at ``ts``, or None if it is not one."""
        return slack_state.answer_at(self._state, channel, ts)
