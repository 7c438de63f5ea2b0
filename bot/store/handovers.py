"""Hand-overs: a question Keel passed to people, from ``pending`` to ``resolved``.

The row keeps who was asked (``experts``), when a reminder and the backup notice went out, and who
answered with what, and which knowledge source the answer was turned into (``learned_source``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.store.db import iso, utc_now, write_transaction
from bot.store.scrub import scrub, scrub_row

PENDING, RESOLVED = "pending", "resolved"
_KEEP = ("turn_id", "thread_id", "channel", "thread_ts", "created_at")


def open_handover(
    db: Database,
    *,
    turn_id: str,
    thread_id: str,
    channel: str,
    thread_ts: str | None,
    question: str,
    reason: str = "",
    experts: list[str] | None = None,
    created_at: datetime | None = None,
) -> int:
    """Record a new pending hand-over for a turn; opening it again for the same turn returns the same id."""
    existing = handover_for_turn(db, turn_id)
    if existing:
        return int(existing["id"])
    row = {
        "turn_id": turn_id,
        "thread_id": thread_id,
        "channel": channel,
        "thread_ts": thread_ts,
        "question": question,
        "reason": reason,
        "experts": json.dumps(list(experts or [])),
        "status": PENDING,
        "created_at": iso(created_at),
    }
    with write_transaction(db):
        return int(db["handovers"].insert(scrub_row(row, _KEEP)).last_pk)


def get_handover(db: Database, handover_id: int) -> dict[str, Any] | None:
    return _one(db, "id = ?", [handover_id])


def handover_for_turn(db: Database, turn_id: str) -> dict[str, Any] | None:
    return _one(db, "turn_id = ?", [turn_id])


def pending_handover_for_thread(db: Database, thread_id: str) -> dict[str, Any] | None:
    """The thread's oldest hand-over still waiting for a person (the one an expert's reply resolves)."""
    return _one(db, "thread_id = ? AND status = ?", [thread_id, PENDING], order_by="id")


def pending_handovers(db: Database, limit: int | None = None) -> list[dict[str, Any]]:
    """Hand-overs waiting for a person, oldest first (for the App Home and ``keel handovers``)."""
    rows = db["handovers"].rows_where("status = ?", [PENDING], order_by="created_at, id", limit=limit)
    return [_decoded(r) for r in rows]


def due_for_reminder(db: Database, after: timedelta, now: datetime | None = None) -> list[dict[str, Any]]:
    """Pending hand-overs older than ``after`` whose experts have not been reminded yet."""
    cutoff = iso((now or utc_now()) - after)
    rows = db["handovers"].rows_where(
        "status = ? AND reminded_at IS NULL AND created_at <= ?", [PENDING, cutoff], order_by="created_at"
    )
    return [_decoded(r) for r in rows]


def due_for_backup(db: Database, after: timedelta, now: datetime | None = None) -> list[dict[str, Any]]:
    """Pending hand-overs older than ``after`` whose backup group has not been notified yet."""
    cutoff = iso((now or utc_now()) - after)
    rows = db["handovers"].rows_where(
        "status = ? AND backup_notified_at IS NULL AND created_at <= ?",
        [PENDING, cutoff],
        order_by="created_at",
    )
    return [_decoded(r) for r in rows]


def mark_reminded(db: Database, handover_id: int, at: datetime | None = None) -> None:
    _set(db, handover_id, {"reminded_at": iso(at)})


def mark_backup_notified(db: Database, handover_id: int, at: datetime | None = None) -> None:
    _set(db, handover_id, {"backup_notified_at": iso(at)})


def resolve_handover(
    db: Database,
    handover_id: int,
    *,
    resolved_by: str,
    answer: str,
    learned_source: str | None = None,
    at: datetime | None = None,
) -> bool:
    """Close a pending hand-over with a person's answer. False if it was already resolved (the first
    answer wins; a second expert replying later does not overwrite it)."""
    with write_transaction(db):
        changed = db.execute(
            "UPDATE handovers SET status = ?, resolved_at = ?, resolved_by = ?, answer = ?, learned_source = ? "
            "WHERE id = ? AND status = ?",
            [RESOLVED, iso(at), resolved_by, scrub(answer), scrub(learned_source), handover_id, PENDING],
        ).rowcount
    return changed == 1


def set_learned_source(db: Database, handover_id: int, source: str | None) -> None:
    """Record the knowledge source an expert's answer was saved as (None: it was removed). Not scrubbed:
    it is a path Keel built from its home, the channel id and the turn id (no one's text), and it must
    stay exact to find the answer again (a secret detector could take the hex turn id for a token)."""
    _set(db, handover_id, {"learned_source": source})


def _set(db: Database, handover_id: int, values: dict[str, Any]) -> None:
    with write_transaction(db):
        db["handovers"].update(handover_id, values)


def _one(db: Database, where: str, args: list[Any], order_by: str | None = None) -> dict[str, Any] | None:
    rows = list(db["handovers"].rows_where(where, args, order_by=order_by, limit=1))
    return _decoded(rows[0]) if rows else None


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "experts": json.loads(row["experts"] or "[]")}
