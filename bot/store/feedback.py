"""Feedback: every 👍/👎 click and reaction is stored; counts use each user's last vote on a turn.

A 👎 click is stored at once (vote -1, no reason); the reason modal, when submitted, stores a second
-1 with the reason and comment, which then is the user's last vote. Removing a reaction stores 0
("no vote"), so it cancels the reaction it undoes.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.store.db import insert_row, iso, write_transaction
from bot.store.scrub import scrub

UP, DOWN, WITHDRAWN = 1, -1, 0
VOTES = (UP, DOWN, WITHDRAWN)
REASONS = ("wrong", "outdated", "incomplete", "not_what_i_asked", "other")
SOURCES = ("button", "reaction")


def record_feedback(
    db: Database,
    turn_id: str,
    user: str,
    vote: int,
    *,
    reason: str | None = None,
    comment: str | None = None,
    source: str = "button",
    created_at: datetime | None = None,
) -> int:
    """Store one vote (+1, -1, or 0 to withdraw) on a turn; returns the feedback row id."""
    if vote not in VOTES:
        raise ValueError(f"vote must be one of {VOTES}, not {vote!r}")
    if reason is not None and reason not in REASONS:
        raise ValueError(f"reason must be one of {REASONS}, not {reason!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
    row = {
        "turn_id": turn_id,
        "user": user,
        "vote": vote,
        "reason": reason,
        "comment": scrub(comment.strip()) if comment and comment.strip() else None,
        "source": source,
        "created_at": iso(created_at),
    }
    with write_transaction(db):
        return insert_row(db, "feedback", row)


def current_vote(db: Database, turn_id: str, user: str) -> int:
    """The user's vote that counts on this turn: +1, -1, or 0 when they have none."""
    row = db.execute(
        "SELECT vote FROM feedback WHERE turn_id = ? AND user = ? ORDER BY id DESC LIMIT 1", [turn_id, user]
    ).fetchone()
    return int(row[0]) if row else 0


def turn_votes(db: Database, turn_id: str) -> dict[str, int]:
    """👍 and 👎 on one turn, one vote per user (their last)."""
    up, down = db.execute(
        "SELECT coalesce(sum(vote = 1), 0), coalesce(sum(vote = -1), 0) FROM feedback_last_votes WHERE turn_id = ?",
        [turn_id],
    ).fetchone()
    return {"up": int(up), "down": int(down)}
