"""Admin knowledge operations, free of Slack: add files and URLs, remove sources, list them, report status.

Every change goes to the knowledge base (the truth for retrieval) and to the log (who did what, when,
with which outcome). Work here takes seconds (the embedder, Chroma, the BM25 rebuild): callers run it
off Slack's ack path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.store.writer import LogWriter
from config.settings import Settings
from knowledge.base import KnowledgeBase
from knowledge.ingest import IngestReport, SourceOutcome
from knowledge.loaders import public_urls_only
from knowledge.store import StoredSource

COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")


def valid_collection(name: str) -> bool:
    return bool(COLLECTION_NAME.match(name))


@dataclass(frozen=True)
class Status:
    sources: int
    chunks: int
    collections: dict[str, int]  # collection -> chunks
    model: str  # the chat model, or "extractive (no LLM configured)"
    last_ingest: dict[str, Any] | None  # the latest ingest run in the log


class KnowledgeOps:
    def __init__(self, settings: Settings, kb: KnowledgeBase, writer: LogWriter) -> None:
        self.settings = settings
        self.kb = kb
        self.writer = writer

    def ingest(
        self, inputs: Sequence[str], collection: str | None, *, actor: str, trigger: str, public_only: bool = False
    ) -> IngestReport:
        """Ingest and log the run; ``public_only``: URLs may not reach private addresses (from Slack)."""
        collection = collection or self.settings.default_collection
        started = datetime.now(UTC)
        with public_urls_only(public_only and not self.settings.allow_private_urls):
            report = self.kb.ingest(list(inputs), collection)
        self._log_run(report, actor, trigger, collection, inputs, started)
        return report

    def remove(self, source: str, *, actor: str) -> int:
        """Remove a source's chunks (by its exact name, or a stored source ending with it); 0 if unknown."""
        started = datetime.now(UTC)
        found = self.kb.find(source)
        name = found.source if found else source
        collection = found.collection if found else self.settings.default_collection
        removed = self.kb.remove(name)
        if removed:
            report = IngestReport([SourceOutcome(name, "removed", chunks=removed)])
            self._log_run(report, actor, "slack_remove", collection, [name], started)
        return removed

    def resolve(self, source: str) -> str | None:
        """The stored source an admin meant (``/keel remove handbook.pdf`` finds ``/…/uploads/default/handbook.pdf``)."""
        return self.kb.resolve(source)

    def approve(self, source: str, *, actor: str, trigger: str = "slack_approve") -> tuple[StoredSource | None, int]:
        """Release a source held for review; returns the stored source (None: no such source) and how many
        chunks were released (0: it was not held). Logged like an ingest run."""
        started = datetime.now(UTC)
        found = self.kb.find(source)
        if found is None:
            return None, 0
        released = self.kb.approve(found.source)
        if released:
            report = IngestReport([SourceOutcome(found.source, "approved", chunks=released)])
            self._log_run(report, actor, trigger, found.collection, [found.source], started)
        return found, released

    def status(self, model: str | None) -> Status:
        from bot.store import open_db, recent_ingest_runs

        sources = self.kb.sources()
        collections: dict[str, int] = {}
        for s in sources:
            collections[s.collection] = collections.get(s.collection, 0) + s.chunks
        db = open_db(self.settings.log_path)
        try:
            runs = recent_ingest_runs(db, limit=1)
        finally:
            db.close()
        return Status(
            sources=len(sources),
            chunks=sum(collections.values()),
            collections=collections,
            model=model or "extractive (no LLM configured)",
            last_ingest=runs[0] if runs else None,
        )

    def home_summary(self) -> dict[str, Any]:
        from bot.store import home_summary, open_db

        db = open_db(self.settings.log_path)
        try:
            return home_summary(db, days=7, gaps=3, embedder=self.kb.embedder)
        finally:
            db.close()

    def _log_run(
        self,
        report: IngestReport,
        actor: str,
        trigger: str,
        collection: str,
        inputs: Sequence[str],
        started: datetime,
    ) -> None:
        from bot.store import record_ingest_run

        self.writer.submit(
            record_ingest_run,
            report,
            actor=actor,
            trigger=trigger,
            collection=collection,
            inputs=list(inputs),
            started_at=started,
            finished_at=datetime.now(UTC),
        )
