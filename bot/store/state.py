"""Open Keel's Slack state file (``KEEL_HOME/slack.sqlite``): one helper sets the connection up and applies
pending migrations (bot/store/state_migrations.py).

What lives there must be seen at once by every Keel process sharing ``KEEL_HOME``: delivery claims, the
pause switch, the threads and answer messages Keel posted, questions in flight, opened modals and the
signatures of requests taken. Its rows are read and written only through bot/store/slack_state.py.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from bot.store.db import write_transaction
from bot.store.state_migrations import state_migrations
from config.settings import Settings

STATE_FILE = "slack.sqlite"
BUSY_TIMEOUT_SECONDS = 10


def state_path(settings: Settings) -> Path:
    """Keel's Slack state file: under ``KEEL_HOME``, shared by every Keel process using that home."""
    return settings.home / STATE_FILE


class StateDB:
    """The state file: one connection, used by one thread at a time (:meth:`locked`, :meth:`writing`).

    Every table shares this connection: two connections of one process writing the same file would wait
    on each other through SQLite's busy handler, which sleeps in steps of up to 100 ms.
    """

    def __init__(self, path: Path | str) -> None:
        memory = str(path) == ":memory:"
        if not memory:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Autocommit (isolation_level=None): each statement commits at once unless a transaction was begun
        # explicitly, so a claim's BEGIN IMMEDIATE takes the write lock before it reads.
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None, check_same_thread=False)
        self.db = Database(conn)
        if not memory:
            self.db.enable_wal()
        self.db.execute("PRAGMA synchronous=NORMAL")  # a claim lost in a power cut costs one duplicate at most
        self.db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        migrate_state(self.db)
        self.lock = threading.Lock()

    @classmethod
    def in_memory(cls) -> StateDB:
        """A state file for this process only (an app run without ``KEEL_HOME`` state, and tests)."""
        return cls(":memory:")

    @contextmanager
    def locked(self) -> Iterator[Database]:
        """The connection, for this thread alone until the block ends; each statement commits on its own."""
        with self.lock:
            yield self.db

    @contextmanager
    def writing(self) -> Iterator[Database]:
        """The connection inside ``BEGIN IMMEDIATE``: the write lock is taken before anything is read, so a
        check-then-write in the block is atomic across processes too."""
        with self.lock, write_transaction(self.db):
            yield self.db

    def close(self) -> None:
        with self.lock:
            self.db.close()


def migrate_state(db: Database) -> None:
    """Apply pending migrations under the write lock, so two processes starting together do not race."""
    if not state_migrations.pending(db):
        return
    with write_transaction(db):
        state_migrations.apply(db)
