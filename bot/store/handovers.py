"""Hand-overs: a question Keel passed to people, from ``pending`` to ``resolved``.

The row keeps who was asked (``experts``), when a reminder and the backup notice went out, and who
answered with what, and which knowledge source the answer was turned into (``learned_source``).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from bot.store.db import insert_row, iso, utc_now, write_transaction
from bot.store.scrub import scrub, scrub_row

PENDING, RESOLVED = "pending", "resolved"
# Ids and Slack timestamps are stored exact, never scrubbed: the scrub could take a long number for a card.
_KEEP = ("turn_id", "thread_id", "channel", "thread_ts", "created_at", "asker", "question_ts")
# Where a hand-over lives in Slack: what was posted, so that a re-run of its node never posts twice.
SLACK_POSTS = ("announcement_ts", "mirror_ts", "resolution_ts")


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
    asker: str | None = None,
    question_ts: str | None = None,
) -> int:
    """Record a new pending hand-over for a turn; opening it again for the same turn returns the same id
    and changes nothing. ``question_ts`` is the question's message (🆘 and ✅ go on it)."""
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
        "asker": asker,
        "question_ts": question_ts,
    }
    with write_transaction(db):
        return insert_row(db, "handovers", scrub_row(row, _KEEP))


def get_handover(db: Database, handover_id: int) -> dict[str, Any] | None:
    return _one(db, "id = ?", [handover_id])


def handover_for_turn(db: Database, turn_id: str) -> dict[str, Any] | None:
    return _one(db, "turn_id = ?", [turn_id])


def pending_handover_for_thread(db: Database, thread_id: str) -> dict[str, Any] | None:
    """The thread's oldest hand-over still waiting for a person (the one an expert's reply resolves)."""
    return _one(db, "thread_id = ? AND status = ?", [thread_id, PENDING], order_by="id")


def pending_handovers(db: Database, limit: int | None = None) -> list[dict[str, Any]]:
    """Hand-overs waiting for a person, oldest first (for the App Home and ``keel handovers``)."""
    rows = db.table("handovers").rows_where("status = ?", [PENDING], order_by="created_at, id", limit=limit)
    return [_decoded(r) for r in rows]


def due_for_reminder(db: Database, after: timedelta, now: datetime | None = None) -> list[dict[str, Any]]:
    """Pending hand-overs older than ``after`` whose experts have not been reminded yet."""
    cutoff = iso((now or utc_now()) - after)
    rows = db.table("handovers").rows_where(
        "status = ? AND reminded_at IS NULL AND created_at <= ?", [PENDING, cutoff], order_by="created_at"
    )
    return [_decoded(r) for r in rows]


def due_for_backup(db: Database, after: timedelta, now: datetime | None = None) -> list[dict[str, Any]]:
    """Pending hand-overs older than ``after`` whose backup group has not been notified yet."""
    cutoff = iso((now or utc_now()) - after)
    rows = db.table("handovers").rows_where(
        "status = ? AND backup_notified_at IS NULL AND created_at <= ?",
        [PENDING, cutoff],
        order_by="created_at",
    )
    return [_decoded(r) for r in rows]


def handover_askers_in_thread(db: Database, thread_id: str) -> list[str]:
    """Who asked the thread's hand-overs, pending or resolved (none: people were never brought in)."""
    return [r["asker"] for r in db.table("handovers").rows_where("thread_id = ?", [thread_id], select="asker")]


def mark_reminded(db: Database, handover_id: int, at: datetime | None = None) -> bool:
    """Note the reminder; False if it was noted before (by another monitor): then it is not sent again."""
    return _mark_once(db, handover_id, "reminded_at", at)


def mark_backup_notified(db: Database, handover_id: int, at: datetime | None = None) -> bool:
    """Note the backup notice; False if it was noted before (by another monitor)."""
    return _mark_once(db, handover_id, "backup_notified_at", at)


def _mark_once(db: Database, handover_id: int, column: str, at: datetime | None) -> bool:
    # One UPDATE checks and marks, so two monitors (two processes) cannot both win.
    with write_transaction(db):
        changed = db.execute(
            f"UPDATE handovers SET {column} = ? WHERE id = ? AND {column} IS NULL", [iso(at), handover_id]
        ).rowcount
    return changed == 1


def note_slack_posts(db: Database, turn_id: str, **posts: str) -> None:
    """Record the ts of a message posted for the turn's hand-over (``SLACK_POSTS``); no hand-over, no-op."""
    unknown = set(posts) - set(SLACK_POSTS)
    if unknown:
        raise ValueError(f"not a hand-over's Slack message: {', '.join(sorted(unknown))}")
    row = handover_for_turn(db, turn_id)
    if row is not None:
        _set(db, row["id"], posts)


def resolve_handover(
    db: Database,
    handover_id: int,
    *,
    resolved_by: str,
    answer: str,
    learned_source: str | None = None,
    at: datetime | None = None,
    kind: str | None = None,
) -> bool:
    """Close a pending hand-over with a person's answer; ``kind`` is how (``expert_reply``, ``button``,
    ``asker_solved``). False if it was already resolved (the first answer wins; a second expert replying
    later does not overwrite it)."""
    with write_transaction(db):
        changed = db.execute(
            "UPDATE handovers SET status = ?, resolved_at = ?, resolved_by = ?, answer = ?, learned_source = ?, "
            "resolution_kind = coalesce(?, resolution_kind) WHERE id = ? AND status = ?",
            [RESOLVED, iso(at), resolved_by, scrub(answer), scrub(learned_source), kind, handover_id, PENDING],
        ).rowcount
    return changed == 1


def set_learned_source(db: Database, handover_id: int, source: str | None) -> None:
    """Record the knowledge source an expert's answer was saved as (None: it was removed). Not scrubbed:
    it is a path Keel built from its home, the channel id and the turn id (no one's text), and it must
    stay exact to find the answer again (a secret detector could take the hex turn id for a token)."""
    _set(db, handover_id, {"learned_source": source})


def _set(db: Database, handover_id: int, values: dict[str, Any]) -> None:
    with write_transaction(db):
        db.table("handovers").update(handover_id, values)


def _one(db: Database, where: str, args: list[Any], order_by: str | None = None) -> dict[str, Any] | None:
    rows = list(db.table("handovers").rows_where(where, args, order_by=order_by, limit=1))
    return _decoded(rows[0]) if rows else None


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "experts": json.loads(row["experts"] or "[]")}
