"""Turns: write one turn with everything it was made of, and read it back as a story.

A turn row carries its id (a uuid4 hex that travels in Slack button values), the redacted question, the
answer and the decision; child rows hold per-stage timings, retrieved passages, citations and guard
verdicts, so "why did Keel say that?" is answerable from the log alone.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.db import iso, write_transaction
from bot.store.scrub import scrub, scrub_row
from bot.thread_ids import slack_thread_id
from graphs.prompts import PROMPT_VERSION
from graphs.result import TurnResult

ID_COLUMNS = ("id", "turn_id", "thread_id", "chunk_id", "channel", "user", "thread_ts", "created_at")
CHILD_TABLES = ("turn_timings", "retrievals", "citations", "guard_verdicts")


def new_turn_id() -> str:
    """A fresh turn id; the bot can put it in button values before the turn is written."""
    return uuid.uuid4().hex


def thread_id_for(channel: str, thread_ts: str | None, turn_id: str) -> str:
    """The graph's thread id for a Slack thread (``slack:{channel}:{thread_ts}``), else one per turn."""
    return slack_thread_id(channel, thread_ts) if thread_ts else f"local:{turn_id}"


def record_turn(
    db: Database,
    result: TurnResult | Mapping[str, Any],
    *,
    channel: str,
    user: str,
    thread_ts: str | None = None,
    turn_id: str | None = None,
    prompt_version: str | None = None,
    total_ms: float | None = None,
    created_at: datetime | None = None,
) -> str:
    """Store one turn and its children in one transaction; returns the turn id.

    Writing the same ``turn_id`` again replaces the turn (so a retried write never duplicates it).
    ``prompt_version`` defaults to the current prompts when an LLM drafted the answer.
    """
    data: dict[str, Any] = result.to_json() if isinstance(result, TurnResult) else dict(result)
    turn_id = turn_id or new_turn_id()
    thread_id = data.get("thread_id") or thread_id_for(channel, thread_ts, turn_id)
    timings = {str(k): float(v) for k, v in (data.get("timings_ms") or {}).items()}
    when = iso(created_at)
    if prompt_version is None:
        prompt_version = PROMPT_VERSION if data.get("model", "extractive") != "extractive" else ""
    turn = {
        "id": turn_id,
        "thread_id": thread_id,
        "channel": channel,
        "user": user,
        "thread_ts": thread_ts,
        "question": data.get("question", ""),
        "standalone_question": data.get("standalone_question", ""),
        "answer": data.get("answer", ""),
        "decision": data["decision"],
        "confidence": float(data.get("confidence") or 0.0),
        "model": data.get("model", ""),
        "route": data.get("route", ""),
        "prompt_version": prompt_version,
        "fallback": int(bool(data.get("fallback"))),
        "reasons": json.dumps([scrub(str(r)) for r in data.get("reasons", [])], ensure_ascii=False),
        "total_ms": float(total_ms) if total_ms is not None else round(sum(timings.values()), 3),
        "created_at": when,
    }
    with write_transaction(db):
        _upsert_thread(db, thread_id, channel, thread_ts, user, when)
        for table in CHILD_TABLES:
            db.execute(f"DELETE FROM {table} WHERE turn_id = ?", [turn_id])
        db.table("turns").insert(scrub_row(turn, (*ID_COLUMNS, "reasons")), replace=True)  # reasons: scrubbed above
        _insert_children(db, turn_id, data, timings)
    return turn_id


def _upsert_thread(db: Database, thread_id: str, channel: str, thread_ts: str | None, user: str, when: str) -> None:
    db.execute(
        "INSERT INTO threads (id, channel, thread_ts, started_by, created_at, last_turn_at) "
        "VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET last_turn_at = max(last_turn_at, excluded.last_turn_at)",
        [thread_id, channel, thread_ts, user, when, when],
    )


def _insert_children(db: Database, turn_id: str, data: Mapping[str, Any], timings: dict[str, float]) -> None:
    citations = list(data.get("citations") or [])
    cited_chunks = {c["chunk_id"] for c in citations}
    db.table("turn_timings").insert_all({"turn_id": turn_id, "stage": s, "ms": ms} for s, ms in timings.items())
    db.table("retrievals").insert_all(
        scrub_row(
            {
                "turn_id": turn_id,
                "rank": int(hit.get("rank") or rank),
                "chunk_id": hit.get("chunk_id", ""),
                "source": hit.get("source", ""),
                "score": float(hit.get("score") or 0.0),
                "cited": int(bool(hit.get("cited")) or hit.get("chunk_id") in cited_chunks),
            },
            ID_COLUMNS,
        )
        for rank, hit in enumerate(data.get("retrieved") or [], start=1)
    )
    db.table("citations").insert_all(
        scrub_row(
            {
                "turn_id": turn_id,
                **{k: c.get(k) for k in ("n", "chunk_id", "source", "title", "section", "score")},
            },
            ID_COLUMNS,
        )
        for c in citations
    )
    db.table("guard_verdicts").insert_all(
        scrub_row(
            {
                "turn_id": turn_id,
                "seq": seq,
                "stage": v.get("stage", ""),
                "check_name": v.get("check", ""),
                "passed": int(bool(v.get("passed"))),
                "action": v.get("action", ""),
                "reason": v.get("reason", ""),
                "ms": float(v.get("ms") or 0.0),
            },
            ID_COLUMNS,
        )
        for seq, v in enumerate(data.get("verdicts") or [], start=1)
    )


def turn_row(db: Database, turn_id: str) -> dict[str, Any] | None:
    """The turn's own row (question, thread id, asker, answer, ...), without its children."""
    rows = list(db.table("turns").rows_where("id = ?", [turn_id], limit=1))
    return rows[0] if rows else None


def retrieved_sources(db: Database, turn_id: str) -> list[str]:
    """The sources of the passages retrieved for a turn, best first."""
    return [r["source"] for r in db.table("retrievals").rows_where("turn_id = ?", [turn_id], order_by="rank")]


def reconstruct_turn(db: Database, turn_id: str) -> dict[str, Any] | None:
    """What was asked, what was found, what each guard said, what was answered and why; ``None`` if the
    turn is not in the log (never written, or pruned)."""
    rows = list(db.table("turns").rows_where("id = ?", [turn_id]))
    if not rows:
        return None
    turn = rows[0]

    def children(table: str, order: str) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in row.items() if k != "turn_id"}
            for row in db[table].rows_where("turn_id = ?", [turn_id], order_by=order)
        ]

    retrievals = children("retrievals", "rank")
    verdicts = children("guard_verdicts", "seq")
    handovers = [dict(r) for r in db.table("handovers").rows_where("turn_id = ?", [turn_id])]
    return {
        "turn_id": turn["id"],
        "created_at": turn["created_at"],
        "where": {"channel": turn["channel"], "thread_ts": turn["thread_ts"], "thread_id": turn["thread_id"]},
        "user": turn["user"],
        "asked": {"question": turn["question"], "standalone_question": turn["standalone_question"]},
        "found": [{**r, "cited": bool(r["cited"])} for r in retrievals],
        "guards": [{**v, "passed": bool(v["passed"])} for v in verdicts],
        "answered": {
            "decision": turn["decision"],
            "answer": turn["answer"],
            "citations": children("citations", "n"),
            "confidence": turn["confidence"],
            "model": turn["model"],
            "route": turn["route"],
            "prompt_version": turn["prompt_version"],
            "fallback": bool(turn["fallback"]),
        },
        "why": json.loads(turn["reasons"] or "[]"),
        "timings_ms": {r["stage"]: r["ms"] for r in children("turn_timings", "stage")},
        "total_ms": turn["total_ms"],
        "feedback": [
            {k: v for k, v in r.items() if k != "turn_id"}
            for r in db.table("feedback").rows_where("turn_id = ?", [turn_id], order_by="id")
        ],
        "handover": handovers[0] if handovers else None,
    }
