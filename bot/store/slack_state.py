"""Rows of the Slack state file (bot/store/state.py): every read and write of its tables is here.

Each function takes the :class:`StateDB` and holds its lock for exactly one statement or one
transaction; a check-then-write runs in ``BEGIN IMMEDIATE`` (:meth:`StateDB.writing`), which makes it
atomic across processes sharing the file, not only across threads. Times are epoch seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.store.state import StateDB

# -- claims: deliveries taken (bot.dedupe) --------------------------------------------------------------


def claim_keys(state: StateDB, keys: list[str], now: float) -> bool:
    """Claim every key if none was claimed before (True); claim nothing if any was (False)."""
    with state.writing() as db:
        taken = db.execute(f"SELECT 1 FROM claims WHERE key IN ({','.join('?' * len(keys))}) LIMIT 1", keys).fetchone()
        if taken is None:
            db.conn.executemany("INSERT INTO claims (key, claimed_at) VALUES (?, ?)", [(k, now) for k in keys])
    return taken is None


def forget_claims(state: StateDB, before: float) -> None:
    with state.locked() as db:
        db.execute("DELETE FROM claims WHERE claimed_at < ?", [before])


# -- switches: the pause switch (bot.pause) --------------------------------------------------------------


@dataclass(frozen=True)
class Switch:
    on: bool
    set_by: str
    set_at: float


def read_switch(state: StateDB, name: str) -> Switch | None:
    with state.locked() as db:
        row = db.execute("SELECT value, set_by, set_at FROM switches WHERE name = ?", [name]).fetchone()
    return Switch(bool(row[0]), row[1] or "", row[2]) if row else None


def set_switch(state: StateDB, name: str, on: bool, by: str, at: float) -> None:
    with state.locked() as db:
        db.execute(
            "INSERT OR REPLACE INTO switches (name, value, set_by, set_at) VALUES (?, ?, ?, ?)", [name, int(on), by, at]
        )


# -- threads and answers: where Keel replied (bot.threads) ----------------------------------------------


def remember_thread(state: StateDB, channel: str, thread_ts: str, at: float) -> None:
    with state.locked() as db:
        db.execute(
            "INSERT OR IGNORE INTO threads (channel, thread_ts, joined_at) VALUES (?, ?, ?)", [channel, thread_ts, at]
        )


def is_known_thread(state: StateDB, channel: str, thread_ts: str) -> bool:
    with state.locked() as db:
        found = db.execute("SELECT 1 FROM threads WHERE channel = ? AND thread_ts = ?", [channel, thread_ts]).fetchone()
    return found is not None


def remember_answer(state: StateDB, channel: str, ts: str, thread_ts: str, turn_id: str, at: float) -> None:
    with state.locked() as db:
        db.execute(
            "INSERT OR REPLACE INTO answers (channel, ts, thread_ts, turn_id, posted_at) VALUES (?, ?, ?, ?, ?)",
            [channel, ts, thread_ts, turn_id, at],
        )


def answer_at(state: StateDB, channel: str, ts: str) -> tuple[str, str | None] | None:
    """(turn id, thread ts) of Keel's answer message at ``ts``, or None if it is not one."""
    with state.locked() as db:
        found = db.execute(
            "SELECT turn_id, thread_ts FROM answers WHERE channel = ? AND ts = ?", [channel, ts]
        ).fetchone()
    return (str(found[0]), found[1]) if found else None


# -- in_flight: questions accepted and not answered yet (bot.inflight) ---------------------------------


@dataclass(frozen=True)
class InFlightRow:
    channel: str
    thread_ts: str
    message_ts: str
    user: str
    assistant: bool
    owner: str  # host:pid:incarnation of the process answering
    draft_ts: str | None


def note_in_flight(state: StateDB, row: InFlightRow, at: float) -> None:
    """A question taken (again: replaces the row); its draft is not noted yet."""
    with state.locked() as db:
        db.execute(
            "INSERT OR REPLACE INTO in_flight "
            "(channel, message_ts, thread_ts, user, assistant, owner, started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [row.channel, row.message_ts, row.thread_ts, row.user, int(row.assistant), row.owner, at],
        )


def note_draft(state: StateDB, channel: str, message_ts: str, draft_ts: str) -> None:
    with state.locked() as db:
        db.execute(
            "UPDATE in_flight SET draft_ts = ? WHERE channel = ? AND message_ts = ?", [draft_ts, channel, message_ts]
        )


def draft_in_flight(state: StateDB, channel: str, message_ts: str) -> str | None:
    with state.locked() as db:
        row = db.execute(
            "SELECT draft_ts FROM in_flight WHERE channel = ? AND message_ts = ?", [channel, message_ts]
        ).fetchone()
    return row[0] if row else None


def forget_in_flight(state: StateDB, channel: str, message_ts: str) -> None:
    with state.locked() as db:
        db.execute("DELETE FROM in_flight WHERE channel = ? AND message_ts = ?", [channel, message_ts])


def take_in_flight(state: StateDB, owner_is_gone: Callable[[str], bool]) -> list[InFlightRow]:
    """Remove and return, oldest first, the rows whose owner is gone, in one transaction: two processes
    starting together do not both take the same row."""
    with state.writing() as db:
        rows = db.execute(
            "SELECT channel, thread_ts, message_ts, user, assistant, owner, draft_ts FROM in_flight ORDER BY started_at"
        ).fetchall()
        orphans = [InFlightRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6]) for r in rows if owner_is_gone(r[5])]
        db.conn.executemany(
            "DELETE FROM in_flight WHERE channel = ? AND message_ts = ?", [(r.channel, r.message_ts) for r in orphans]
        )
    return orphans


# -- opened_views: modals Keel opened (bot.opened_views) ------------------------------------------------


@dataclass(frozen=True)
class OpenedView:
    view_id: str
    user: str
    callback_id: str
    private_metadata: str


def record_opened_view(state: StateDB, view: OpenedView, at: float, forget_before: float) -> None:
    """Record a modal (replacing an earlier record of it), dropping the records opened before ``forget_before``."""
    with state.locked() as db:
        db.execute("DELETE FROM opened_views WHERE opened_at < ?", [forget_before])
        db.execute(
            "INSERT OR REPLACE INTO opened_views (view_id, user, callback_id, private_metadata, opened_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [view.view_id, view.user, view.callback_id, view.private_metadata, at],
        )


def take_opened_view(state: StateDB, view: OpenedView, opened_after: float) -> bool:
    """True (once) if exactly this modal was recorded at or after ``opened_after``; the record is used up."""
    with state.locked() as db:
        deleted = db.execute(
            "DELETE FROM opened_views WHERE view_id = ? AND user = ? AND callback_id = ? AND private_metadata = ? "
            "AND opened_at >= ?",
            [view.view_id, view.user, view.callback_id, view.private_metadata, opened_after],
        ).rowcount
    return deleted == 1


# -- seen_signatures: signed requests taken (bot.http_guard) --------------------------------------------


def remember_signature(state: StateDB, signature: str, forget_after: float) -> bool:
    """True if the signature is new (one ``INSERT OR IGNORE``: atomic across processes), False for a repeat."""
    with state.locked() as db:
        added = db.execute(
            "INSERT OR IGNORE INTO seen_signatures (signature, forget_after) VALUES (?, ?)", [signature, forget_after]
        ).rowcount
    return added == 1


def count_signatures(state: StateDB) -> int:
    with state.locked() as db:
        return int(db.execute("SELECT count(*) FROM seen_signatures").fetchone()[0])


def forget_signatures(state: StateDB, now: float) -> None:
    with state.locked() as db:
        db.execute("DELETE FROM seen_signatures WHERE forget_after < ?", [now])
