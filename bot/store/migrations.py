"""The log's schema as ordered, named migrations (sqlite-utils ``Migrations``): each is applied once.

Never edit or reorder a migration that has shipped: add a new one below. ``docs/schema.md`` is generated
from the migrated schema (``scripts/gen_schema_doc.py``) and a test keeps it current.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("keel")


@migrations()
def m001_conversations(db: Database) -> None:
    """Threads, turns and what each turn was made of: timings, retrievals, citations, guard verdicts."""
    db.table("threads").create(
        {
            "id": str,
            "channel": str,
            "thread_ts": str,
            "started_by": str,
            "created_at": str,
            "last_turn_at": str,
        },
        pk="id",
        not_null={"created_at"},
    )
    db.table("turns").create(
        {
            "id": str,
            "thread_id": str,
            "channel": str,
            "user": str,
            "thread_ts": str,
            "question": str,
            "standalone_question": str,
            "answer": str,
            "decision": str,
            "confidence": float,
            "model": str,
            "route": str,
            "prompt_version": str,
            "fallback": int,
            "reasons": str,
            "total_ms": float,
            "created_at": str,
        },
        pk="id",
        not_null={"decision", "created_at"},
        foreign_keys=[("thread_id", "threads", "id")],
    )
    db.table("turns").create_index(["created_at"])
    db.table("turns").create_index(["thread_id"])
    db.table("turns").create_index(["decision", "created_at"])
    db.table("turn_timings").create(
        {"turn_id": str, "stage": str, "ms": float},
        pk=("turn_id", "stage"),
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("turn_timings").create_index(["stage"])
    db.table("retrievals").create(
        {"turn_id": str, "rank": int, "chunk_id": str, "source": str, "score": float, "cited": int},
        pk=("turn_id", "rank"),
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("retrievals").create_index(["source"])
    db.table("citations").create(
        {
            "turn_id": str,
            "n": int,
            "chunk_id": str,
            "source": str,
            "title": str,
            "section": str,
            "score": float,
        },
        pk=("turn_id", "n"),
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("citations").create_index(["source"])
    db.table("guard_verdicts").create(
        {
            "turn_id": str,
            "seq": int,
            "stage": str,
            "check_name": str,
            "passed": int,
            "action": str,
            "reason": str,
            "ms": float,
        },
        pk=("turn_id", "seq"),
        foreign_keys=[("turn_id", "turns", "id")],
    )


@migrations()
def m002_feedback(db: Database) -> None:
    """Every 👍/👎 click and reaction; the counts use each user's last vote on a turn."""
    db.table("feedback").create(
        {
            "id": int,
            "turn_id": str,
            "user": str,
            "vote": int,
            "reason": str,
            "comment": str,
            "source": str,
            "created_at": str,
        },
        pk="id",
        not_null={"turn_id", "user", "vote", "source", "created_at"},
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("feedback").create_index(["turn_id", "user", "id"])
    db.table("feedback").create_index(["created_at"])
    # Each user's last vote on each turn: the only votes that count (a later click replaces an earlier one).
    db.create_view(
        "feedback_last_votes",
        "SELECT f.* FROM feedback f JOIN (SELECT max(id) AS id FROM feedback GROUP BY turn_id, user) AS last "
        "ON f.id = last.id",
    )


@migrations()
def m003_handovers(db: Database) -> None:
    """Questions handed over to people: who was asked, reminders, who answered and what was learned."""
    db.table("handovers").create(
        {
            "id": int,
            "turn_id": str,
            "thread_id": str,
            "channel": str,
            "thread_ts": str,
            "question": str,
            "reason": str,
            "experts": str,
            "status": str,
            "created_at": str,
            "reminded_at": str,
            "backup_notified_at": str,
            "resolved_at": str,
            "resolved_by": str,
            "answer": str,
            "learned_source": str,
        },
        pk="id",
        not_null={"turn_id", "status", "created_at"},
        defaults={"status": "pending"},
        foreign_keys=[("turn_id", "turns", "id")],
    )
    db.table("handovers").create_index(["turn_id"], unique=True)
    db.table("handovers").create_index(["status", "created_at"])
    db.table("handovers").create_index(["thread_id"])


@migrations()
def m004_knowledge(db: Database) -> None:
    """Knowledge sources as Keel knows them, and every ingest run with its per-source outcome."""
    db.table("ingest_runs").create(
        {
            "id": int,
            "actor": str,
            "trigger": str,
            "collection": str,
            "inputs": str,
            "started_at": str,
            "finished_at": str,
            "added": int,
            "updated": int,
            "unchanged": int,
            "removed": int,
            "failed": int,
            "chunks": int,
            "ok": int,
        },
        pk="id",
        not_null={"started_at"},
    )
    db.table("ingest_runs").create_index(["started_at"])
    db.table("ingest_run_sources").create(
        {"run_id": int, "source": str, "status": str, "chunks": int, "reason": str},
        pk=("run_id", "source"),
        foreign_keys=[("run_id", "ingest_runs", "id")],
    )
    db.table("knowledge_sources").create(
        {
            "collection": str,
            "source": str,
            "status": str,
            "chunks": int,
            "added_by": str,
            "added_at": str,
            "updated_at": str,
            "removed_at": str,
            "last_run_id": int,
            "last_error": str,
        },
        pk=("collection", "source"),
        foreign_keys=[("last_run_id", "ingest_runs", "id")],
    )
    db.table("knowledge_sources").create_index(["status"])


@migrations()
def m005_audit(db: Database) -> None:
    """Admin actions, allowed or refused, with who tried what on which target."""
    db.table("audit").create(
        {
            "id": int,
            "actor": str,
            "action": str,
            "target": str,
            "allowed": int,
            "detail": str,
            "created_at": str,
        },
        pk="id",
        not_null={"actor", "action", "allowed", "created_at"},
    )
    db.table("audit").create_index(["created_at"])
    db.table("audit").create_index(["actor", "created_at"])


@migrations()
def m006_handover_slack(db: Database) -> None:
    """Where a hand-over lives in Slack, so re-running its announcement never posts twice."""
    handovers = db.table("handovers")
    for column in ("asker", "question_ts", "announcement_ts", "mirror_ts", "resolution_ts", "resolution_kind"):
        handovers.add_column(column, str)


@migrations()
def m007_ingest_held(db: Database) -> None:
    """Ingest runs count the sources held for review and the pages left out by the run's URL limit; a source
    released from review keeps who approved it and when."""
    for column in ("held", "skipped"):
        db.table("ingest_runs").add_column(column, int, not_null_default=0)
    db.table("knowledge_sources").add_column("approved_by", str)
    db.table("knowledge_sources").add_column("approved_at", str)
