"""The Slack threads Keel has replied in, so a follow-up there is answered without a mention.

Written the moment a reply is posted (not through the background log writer), so a follow-up sent a
second later already finds its thread. Shared by all processes through Keel's Slack state file.
"""

from __future__ import annotations

import time

from bot.dedupe import StateDB


class KnownThreads:
    def __init__(self, db: StateDB) -> None:
        self._conn, self._lock = db.conn, db.lock
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS threads ("
                "channel TEXT NOT NULL, thread_ts TEXT NOT NULL, joined_at REAL NOT NULL, "
                "PRIMARY KEY (channel, thread_ts))"
            )
            # Keel's answer messages and their turns: a 👍/👎 reaction names only the message it is on.
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS answers ("
                "channel TEXT NOT NULL, ts TEXT NOT NULL, thread_ts TEXT, turn_id TEXT NOT NULL, "
                "posted_at REAL NOT NULL, PRIMARY KEY (channel, ts))"
            )

    def remember(self, channel: str, thread_ts: str) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO threads (channel, thread_ts, joined_at) VALUES (?, ?, ?)",
                [channel, thread_ts, time.time()],
            )

    def __contains__(self, where: tuple[str, str]) -> bool:
        with self._lock:
            found = self._conn.execute(
                "SELECT 1 FROM threads WHERE channel = ? AND thread_ts = ?", list(where)
            ).fetchone()
        return found is not None

    def remember_answer(self, channel: str, ts: str, thread_ts: str, turn_id: str) -> None:
        """Keel posted the answer to ``turn_id`` as message ``ts``."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO answers (channel, ts, thread_ts, turn_id, posted_at) VALUES (?, ?, ?, ?, ?)",
                [channel, ts, thread_ts, turn_id, time.time()],
            )

    def answer_at(self, channel: str, ts: str) -> tuple[str, str | None] | None:
        """(turn id, thread ts) of Keel's answer message at ``ts``, or None if it is not one."""
        with self._lock:
            found = self._conn.execute(
                "SELECT turn_id, thread_ts FROM answers WHERE channel = ? AND ts = ?", [channel, ts]
            ).fetchone()
        return (str(found[0]), found[1]) if found else None
