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

import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from config.settings import Settings

STATE_FILE = "slack.sqlite"
KEEP_SECONDS = 24 * 3600
PRUNE_EVERY = 500  # claims between prunes


def state_path(settings: Settings) -> Path:
    """Keel's Slack state file: under ``KEEL_HOME``, shared by every Keel process using that home."""
    return settings.home / STATE_FILE


class StateDB:
    """Keel's Slack state file (claims, known threads): one connection, one thread at a time (``lock``).

    The ledger and the known threads share it: two connections of one process writing the same file
    would wait on each other through SQLite's busy handler, which sleeps in steps of up to 100 ms.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")  # a claim lost in a power cut costs one duplicate at most
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            self.conn.close()


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
        self._conn, self._lock = db.conn, db.lock
        self._claims_since_prune = 0
        with self._lock:
            self._conn.execute("CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, claimed_at REAL NOT NULL)")
        self.prune()

    def claim(self, keys: Iterable[str]) -> bool:
        """True if none of ``keys`` was claimed before (and now all are); False for a duplicate."""
        keys = list(dict.fromkeys(keys))
        if not keys:
            return True  # nothing to recognise it by: answer rather than drop
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # the write lock first: two processes cannot both win
            try:
                taken = self._conn.execute(
                    f"SELECT 1 FROM claims WHERE key IN ({','.join('?' * len(keys))}) LIMIT 1", keys
                ).fetchone()
                if taken is None:
                    self._conn.executemany(
                        "INSERT INTO claims (key, claimed_at) VALUES (?, ?)", [(k, now) for k in keys]
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._claims_since_prune += 1
            if self._claims_since_prune >= PRUNE_EVERY:
                self._prune_locked()
        return taken is None

    def prune(self) -> None:
        with self._lock:
            self._prune_locked()

    def _prune_locked(self) -> None:
        self._conn.execute("DELETE FROM claims WHERE claimed_at < ?", [time.time() - self.keep_seconds])
        self._claims_since_prune = 0
