"""The log's schema: what an empty database becomes, that migrating is idempotent, that any tool opens it."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store import open_db
from bot.store.migrations import migrations
from bot.store.schema_doc import render_schema_markdown
from tests.conftest import REPO

EXPECTED_COLUMNS = {
    "threads": ["id", "channel", "thread_ts", "started_by", "created_at", "last_turn_at"],
    "turns": [
        "id", "thread_id", "channel", "user", "thread_ts", "question", "standalone_question", "answer",
        "decision", "confidence", "model", "route", "prompt_version", "fallback", "reasons", "total_ms",
        "created_at",
    ],
    "turn_timings": ["turn_id", "stage", "ms"],
    "retrievals": ["turn_id", "rank", "chunk_id", "source", "score", "cited"],
    "citations": ["turn_id", "n", "chunk_id", "source", "title", "section", "score"],
    "guard_verdicts": ["turn_id", "seq", "stage", "check_name", "passed", "action", "reason", "ms"],
    "feedback": ["id", "turn_id", "user", "vote", "reason", "comment", "source", "created_at"],
    "handovers": [
        "id", "turn_id", "thread_id", "channel", "thread_ts", "question", "reason", "experts", "status",
        "created_at", "reminded_at", "backup_notified_at", "resolved_at", "resolved_by", "answer",
        "learned_source", "asker", "question_ts", "announcement_ts", "mirror_ts", "resolution_ts",
        "resolution_kind",
    ],
    "ingest_runs": [
        "id", "actor", "trigger", "collection", "inputs", "started_at", "finished_at", "added", "updated",
        "unchanged", "removed", "failed", "chunks", "ok", "held", "skipped",
    ],
    "ingest_run_sources": ["run_id", "source", "status", "chunks", "reason"],
    "knowledge_sources": [
        "collection", "source", "status", "chunks", "added_by", "added_at", "updated_at", "removed_at",
        "last_run_id", "last_error", "approved_by", "approved_at",
    ],
    "audit": ["id", "actor", "action", "target", "allowed", "detail", "created_at"],
    "_sqlite_migrations": ["id", "migration_set", "name", "applied_at"],
}  # fmt: skip


def test_an_empty_database_migrates_to_the_expected_tables_and_columns(db_path: Path) -> None:
    db = open_db(db_path)
    assert {name: [c.name for c in db[name].columns] for name in db.table_names()} == EXPECTED_COLUMNS
    assert db.view_names() == ["feedback_last_votes"]
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_each_migration_is_applied_once_and_migrating_again_changes_nothing(db_path: Path) -> None:
    first = open_db(db_path)
    applied = [(m.name, m.applied_at) for m in migrations.applied(first)]
    schema = first.schema
    first.close()

    again = open_db(db_path)
    assert [(m.name, m.applied_at) for m in migrations.applied(again)] == applied
    assert [name for name, _ in applied] == [
        "m001_conversations", "m002_feedback", "m003_handovers", "m004_knowledge", "m005_audit",
        "m006_handover_slack", "m007_ingest_held",
    ]  # fmt: skip
    assert again.schema == schema
    assert migrations.pending(again) == []


def test_the_file_opens_with_plain_sqlite3(db_path: Path) -> None:
    open_db(db_path).close()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(EXPECTED_COLUMNS) <= tables
    assert conn.execute("SELECT count(*) FROM feedback_last_votes").fetchone() == (0,)


def test_the_schema_document_is_generated_from_the_code_and_up_to_date() -> None:
    doc = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    assert doc == render_schema_markdown(), "run: python scripts/gen_schema_doc.py"
    for table, columns in EXPECTED_COLUMNS.items():
        assert f"## `{table}`" in doc
        assert all(f"| `{column}` |" in doc for column in columns)


def test_the_doc_script_check_mode_passes_on_the_committed_doc() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gen_schema_doc.py", "--check"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
