"""Knowledge operations in the log: each ingest run with its per-source outcomes, and the sources as
Keel last saw them (who added each, when, how many chunks, the last error).

The vector store remains the truth for what can be retrieved; these tables are the history admins
read (``/keel sources``, "who added this and when?").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from bot.store.db import insert_row, iso, write_transaction
from bot.store.scrub import scrub

if TYPE_CHECKING:  # knowledge.ingest pulls in chromadb: seconds of import time the log does not need
    from knowledge.ingest import IngestReport, SourceOutcome

ACTIVE, REMOVED, FAILED, HELD = "active", "removed", "failed", "held"


def record_ingest_run(
    db: Database,
    report: IngestReport,
    *,
    actor: str,
    trigger: str,
    collection: str,
    inputs: Sequence[str] = (),
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> int:
    """Store an ingest run (``trigger``: cli, slack_file, slack_url, slack_remove, ...) and update the
    sources it touched; returns the run id."""
    summary = report.summary()
    finished = iso(finished_at)
    run = {
        "actor": actor,
        "trigger": trigger,
        "collection": collection,
        "inputs": json.dumps([scrub(str(i)) for i in inputs], ensure_ascii=False),
        "started_at": iso(started_at),
        "finished_at": finished,
        **{
            k: summary.get(k, 0)
            for k in ("added", "updated", "held", "unchanged", "removed", "failed", "skipped", "chunks")
        },
        "ok": int(report.ok),
    }
    with write_transaction(db):
        run_id = insert_row(db, "ingest_runs", run)
        db.table("ingest_run_sources").insert_all(
            (
                {
                    "run_id": run_id,
                    "source": scrub(o.source),
                    "status": o.status,
                    "chunks": o.chunks,
                    "reason": scrub(o.reason),
                }
                for o in report.outcomes
            ),
            replace=True,  # a source named twice in one run keeps its last outcome
        )
        for outcome in report.outcomes:
            _update_source(db, outcome, collection=collection, actor=actor, run_id=run_id, when=finished)
    return run_id


def _update_source(
    db: Database, outcome: SourceOutcome, *, collection: str, actor: str, run_id: int, when: str
) -> None:
    if outcome.status == "skipped":  # pages left out by the URL limit: the input is not a stored source
        return
    source = scrub(outcome.source)
    key = (collection, source)
    known = db.table("knowledge_sources").count_where("collection = ? AND source = ?", key) > 0
    if outcome.wrote:
        status = HELD if outcome.status == "held" else ACTIVE
        values = {"status": status, "chunks": outcome.chunks, "updated_at": when, "removed_at": None}
        values |= {"last_error": None, "last_run_id": run_id}
        if not known or outcome.status == "added":
            values |= {"added_by": actor, "added_at": when}
    elif outcome.status == "approved":  # an admin released a source held for review
        values = {"status": ACTIVE, "last_run_id": run_id, "approved_by": actor, "approved_at": when}
    elif outcome.status == "removed":
        values = {"status": REMOVED, "chunks": 0, "removed_at": when, "last_run_id": run_id}
    elif outcome.status == "failed":
        # A failed re-ingest leaves the stored chunks in place: the source stays active if it was.
        values = {"last_error": scrub(outcome.reason), "last_run_id": run_id}
        if not known:
            values |= {"status": FAILED, "chunks": 0, "added_by": actor, "added_at": when}
    else:  # unchanged, or still held
        values = {"last_run_id": run_id}
        if not known:  # first seen by the log although already stored (ingested before logging existed)
            values |= {
                "status": HELD if outcome.status == "held" else ACTIVE,
                "chunks": outcome.chunks,
                "added_at": when,
                "added_by": actor,
            }
    if known:
        db.table("knowledge_sources").update(key, values)
    else:
        db.table("knowledge_sources").insert({"collection": collection, "source": source, **values})


def list_sources(db: Database, collection: str | None = None, *, include_removed: bool = False) -> list[dict[str, Any]]:
    """Sources the log knows, by collection then name."""
    where, args = [], []
    if collection:
        where.append("collection = ?")
        args.append(collection)
    if not include_removed:
        where.append("status != ?")
        args.append(REMOVED)
    return list(
        db.table("knowledge_sources").rows_where(" AND ".join(where) or None, args, order_by="collection, source")
    )


def recent_ingest_runs(db: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The latest ingest runs, newest first, each with its per-source outcomes."""
    runs = list(db.table("ingest_runs").rows_where(order_by="id DESC", limit=limit))
    for run in runs:
        run["inputs"] = json.loads(run["inputs"] or "[]")
        run["ok"] = bool(run["ok"])
        run["sources"] = list(db.table("ingest_run_sources").rows_where("run_id = ?", [run["id"]], order_by="source"))
    return runs
