"""Open the log: one helper sets the connection up (WAL, busy timeout) and applies pending migrations.

Every caller, from the CLI to the background writer, goes through :func:`open_db`, so no call site
repeats ``Database(path); migrate(db)``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.store.migrations import migrations

DEFAULT_BUSY_TIMEOUT_MS = 5_000


def default_log_path() -> Path:
    """Where the log lives: ``KEEL_HOME/keel.db`` (tests point KEEL_HOME at a temporary folder)."""
    from config.settings import get_settings

    return get_settings().log_path


def open_db(path: Path | str | None = None, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
    """The log database at ``path`` (default :func:`default_log_path`), ready to use and fully migrated."""
    if path is None:
        path = default_log_path()
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(path)
    db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    db.enable_wal()
    # FULL: a write the LogWriter has reported as done survives a power cut, not just a crash.
    db.execute("PRAGMA synchronous = FULL")
    migrate(db)
    return db


def insert_row(db: Database, table: str, row: dict[str, Any]) -> int:
    """Insert ``row`` into ``table`` (whose key is an integer rowid) and return that id."""
    inserted = db.table(table).insert(row)
    if inserted.last_pk is None:  # sqlite-utils sets it on every insert; None would mean nothing was written
        raise sqlite3.DatabaseError(f"inserting into {table} returned no row id")
    return int(inserted.last_pk)


def migrate(db: Database) -> None:
    """Apply pending migrations under the write lock, so two processes starting together do not race."""
    if not migrations.pending(db):
        return
    with write_transaction(db):
        migrations.apply(db)


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock up front (``BEGIN IMMEDIATE``); nested use is a savepoint.

    Taking the lock at the start means a busy database fails fast at ``BEGIN`` (where it can be retried)
    instead of half-way through, when a read lock cannot be upgraded.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    try:
        db.execute("COMMIT")
    except BaseException:
        db.rollback()
        raise


def is_busy_error(error: BaseException) -> bool:
    """True for the errors that mean "someone else holds the lock, try again"."""
    if not isinstance(error, sqlite3.OperationalError):
        return False
    message = str(error).lower()
    return "locked" in message or "busy" in message


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None = None) -> str:
    """A timestamp as stored: UTC ISO 8601 with microseconds, so text order is time order."""
    moment = moment or utc_now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
