"""Modals Keel opened, so that only their submissions are accepted (issue 16, 9c).

A ``view_submission`` names a view id, a callback id and private metadata; anyone who can reach Keel's
request URL with a valid signature (or a bug elsewhere) could send one for a modal Keel never opened.
Each modal Keel opens is recorded here as Slack returned it (``views.open``), with the person it was
opened for; a submission is accepted only if it matches a record in all of these, and only once. The
table lives in Keel's state file, so any Keel process behind the same ``KEEL_HOME`` accepts it.
"""

from __future__ import annotations

import time
from typing import Any

from bot.dedupe import StateDB

KEEP_SECONDS = 24 * 3600  # a modal left open longer than a day has to be opened again


class OpenedViews:
    def __init__(self, state: StateDB, keep_seconds: float = KEEP_SECONDS) -> None:
        self.keep_seconds = keep_seconds
        self._conn, self._lock = state.conn, state.lock
        with self._lock:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS opened_views (view_id TEXT PRIMARY KEY, user TEXT NOT NULL, "
                "callback_id TEXT NOT NULL, private_metadata TEXT NOT NULL, opened_at REAL NOT NULL)"
            )

    def record(self, view: dict[str, Any], user: str) -> None:
        """A modal Slack opened for ``user`` (the ``view`` of the ``views.open`` response)."""
        now = time.time()
        with self._lock:
            self._conn.execute("DELETE FROM opened_views WHERE opened_at < ?", [now - self.keep_seconds])
            self._conn.execute(
                "INSERT OR REPLACE INTO opened_views VALUES (?, ?, ?, ?, ?)",
                [str(view["id"]), user, str(view.get("callback_id") or ""), _metadata(view), now],
            )

    def take(self, view: dict[str, Any], user: str) -> bool:
        """True (once) if ``view`` is a modal Keel opened for ``user``, unchanged; the record is used up."""
        with self._lock:
            deleted = self._conn.execute(
                "DELETE FROM opened_views WHERE view_id = ? AND user = ? AND callback_id = ? AND private_metadata = ? "
                "AND opened_at >= ?",
                [
                    str(view.get("id") or ""),
                    user,
                    str(view.get("callback_id") or ""),
                    _metadata(view),
                    time.time() - self.keep_seconds,
                ],
            ).rowcount
        return deleted == 1


def _metadata(view: dict[str, Any]) -> str:
    return str(view.get("private_metadata") or "")
