"""Ingest runs and sources in the log: what was added, by whom, what failed and why; and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Database, audit, list_sources, recent_audit, recent_ingest_runs, record_ingest_run
from knowledge.ingest import IngestReport, SourceOutcome

DAY1, DAY2 = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, tzinfo=UTC)


def test_ingest_runs_and_sources_tell_who_added_what_and_what_failed(db: Database) -> None:
    first = IngestReport(
        [
            SourceOutcome("people/leave.md", "added", chunks=12),
            SourceOutcome("it/laptop.md", "added", chunks=4),
            SourceOutcome("broken.pdf", "failed", reason="the PDF has no text layer"),
        ]
    )
    run1 = record_ingest_run(
        db,
        first,
        actor="U_ADMIN",
        trigger="slack_file",
        collection="hr",
        inputs=["leave.md"],
        finished_at=DAY1,
    )
    second = IngestReport(
        [
            SourceOutcome("people/leave.md", "updated", chunks=13),
            SourceOutcome("it/laptop.md", "removed"),
            SourceOutcome("broken.pdf", "failed", reason="still no text"),
        ]
    )
    run2 = record_ingest_run(db, second, actor="cli:ops", trigger="cli", collection="hr", finished_at=DAY2)

    sources = {s["source"]: s for s in list_sources(db, include_removed=True)}
    leave = sources["people/leave.md"]
    assert (leave["status"], leave["chunks"], leave["added_by"], leave["last_run_id"]) == (
        "active",
        13,
        "U_ADMIN",
        run2,
    )
    assert leave["added_at"].startswith("2025-03-01") and leave["updated_at"].startswith("2025-03-02")
    assert (sources["it/laptop.md"]["status"], sources["it/laptop.md"]["chunks"]) == ("removed", 0)
    assert (sources["broken.pdf"]["status"], sources["broken.pdf"]["last_error"]) == (
        "failed",
        "still no text",
    )
    assert [s["source"] for s in list_sources(db, "hr")] == ["broken.pdf", "people/leave.md"]
    assert list_sources(db, "other") == []

    runs = recent_ingest_runs(db)
    assert [r["id"] for r in runs] == [run2, run1]
    assert (runs[1]["added"], runs[1]["failed"], runs[1]["chunks"], runs[1]["ok"]) == (2, 1, 16, False)
    assert runs[1]["inputs"] == ["leave.md"] and runs[1]["trigger"] == "slack_file"
    assert {s["source"]: s["reason"] for s in runs[1]["sources"]}["broken.pdf"] == "the PDF has no text layer"


def test_refused_admin_attempts_are_audited_too(db: Database) -> None:
    audit(db, actor="U_ADMIN", action="add", target="https://wiki/page", detail="added 3 chunks")
    audit(db, actor="U_NOBODY", action="remove", target="people/leave.md", allowed=False, detail="not an admin")
    entries = recent_audit(db)
    assert [(e["actor"], e["action"], e["allowed"]) for e in entries] == [
        ("U_NOBODY", "remove", False),
        ("U_ADMIN", "add", True),
    ]
    assert [e["actor"] for e in recent_audit(db, action="add")] == ["U_ADMIN"]
    assert [e["target"] for e in recent_audit(db, actor="U_NOBODY")] == ["people/leave.md"]
