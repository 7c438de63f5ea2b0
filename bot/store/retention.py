"""Retention: delete turns older than a cut-off with everything hanging off them, and audit it.

The audit trail and the ingest history are kept: they record admin actions, not conversations.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.store.audit import audit
from bot.store.db import iso, utc_now, write_transaction

TURN_CHILDREN = ("turn_timings", "retrievals", "citations", "guard_verdicts", "feedback", "handovers")


def prune(db: Database, older_than: timedelta, *, actor: str, now: datetime | None = None) -> dict[str, int]:
    """Delete turns created before ``now - older_than`` (and their children, and threads left empty);
    returns how many rows left each table. The prune itself is written to the audit trail."""
    if older_than <= timedelta(0):
        raise ValueError("older_than must be positive")
    cutoff = iso((now or utc_now()) - older_than)
    old_turns = "SELECT id FROM turns WHERE created_at < ?"
    deleted: dict[str, int] = {}
    with write_transaction(db):
        for table in TURN_CHILDREN:
            deleted[table] = db.execute(f"DELETE FROM {table} WHERE turn_id IN ({old_turns})", [cutoff]).rowcount
        deleted["turns"] = db.execute("DELETE FROM turns WHERE created_at < ?", [cutoff]).rowcount
        for table in ("feedback", "handovers"):  # rows whose turn was never logged age out too
            deleted[table] += db.execute(
                f"DELETE FROM {table} WHERE created_at < ? AND turn_id NOT IN (SELECT id FROM turns)",
                [cutoff],
            ).rowcount
        deleted["threads"] = db.execute(
            "DELETE FROM threads WHERE NOT EXISTS (SELECT 1 FROM turns WHERE turns.thread_id = threads.id)"
        ).rowcount
        summary = ", ".join(f"{table}={n}" for table, n in deleted.items())
        audit(db, actor=actor, action="prune", target=f"before {cutoff}", detail=summary)
    return deleted
