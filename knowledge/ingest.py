"""Incremental, idempotent ingestion: sources in, chunks and vectors stored, a report out.

- An unchanged source (same content hash, same collection) adds nothing.
- A changed source gets its new chunks written first, then its old chunks deleted: a crash in between
  leaves extra chunks (cleaned up on the next run), never a source with none.
- A source that fails to load is reported by name with the reason; the rest of the batch goes on and
  nothing already stored is touched.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from knowledge.chunking import chunk_document
from knowledge.embed import Embedder
from knowledge.loaders import Convert, LoadError, OverLimit, convert_in_process, discover, load
from knowledge.sandbox import Budget, SandboxedConverter
from knowledge.sentence_vectors import SentenceIndex
from knowledge.store import ChunkStore, StoredSource
from knowledge.types import Chunk, indexed_text

EMBED_BATCH = 256

ChunkFlagger = Callable[[str], list[str]]
ProgressCallback = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SourceOutcome:
    source: str
    status: str  # added | updated | unchanged | failed | removed | skipped (URLs over the run's limit)
    chunks: int = 0
    reason: str = ""


@dataclass
class IngestReport:
    outcomes: list[SourceOutcome] = field(default_factory=list)
    skipped: int = 0  # URLs left out: over the run's limit (each input that listed them has a "skipped" outcome)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failed(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> dict[str, int]:
        statuses = ("added", "updated", "unchanged", "removed", "failed")
        written = sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))
        return {s: self.count(s) for s in statuses} | {"skipped": self.skipped, "chunks": written}


class Ingester:
    """Loads, chunks, embeds and stores sources; keeps the store free of stale chunks."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        flagger: ChunkFlagger | None = None,
        http: httpx.Client | None = None,
        quarantine: Callable[[str], bool] | None = None,
        sentences: SentenceIndex | None = None,
        limits: IngestLimits | None = None,
    ) -> None:
        self.limits = limits or IngestLimits.from_settings()
        self.store = store
        self.embedder = embedder
        self.sentences = sentences
        self.flagger = flagger
        self.quarantine = quarantine
        self.http = http

    def ingest(
        self,
        inputs: Sequence[str],
        collection: str,
        *,
        prune: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        report = IngestReport()
        sources, errors = discover(inputs, http=self.http, max_urls=self.limits.max_urls)
        report.outcomes.extend(_discovery_outcome(e) for e in errors)
        report.skipped = sum(e.count for e in errors if isinstance(e, OverLimit))
        stored = self.store.sources()
        with self.limits.converter() as convert:
            self._load_all(sources, collection, report, stored, convert, progress)
        if prune:
            # Pages left out by the URL limit were not seen, but are not gone: keep stored URLs then.
            pruned = self._prune(inputs, set(sources), collection, stored=stored, keep_urls=report.skipped > 0)
            report.outcomes.extend(pruned)
        return report

    def _load_all(
        self,
        sources: list[str],
        collection: str,
        report: IngestReport,
        stored: dict[str, StoredSource],
        convert: Convert,
        progress: ProgressCallback | None,
    ) -> None:
        pending: list[tuple[str, list[Chunk], StoredSource | None]] = []
        for done, source in enumerate(sources, start=1):
            if progress:
                progress(done, len(sources), source)
            outcome, chunks = self._prepare(source, collection, stored.get(source), convert)
            if chunks:
                pending.append((source, chunks, stored.get(source)))
                if sum(len(c) for _, c, _ in pending) >= EMBED_BATCH:
                    report.outcomes.extend(self._write(pending))
                    pending = []
            elif outcome:
                report.outcomes.append(outcome)
        report.outcomes.extend(self._write(pending))

    def remove(self, source: str) -> int:
        """Drop a source's chunks; returns how many were removed (0 if it was not stored)."""
        ids = self.store.ids_for_source(_normalise(source))
        self._delete(ids)
        return len(ids)

    def _delete(self, ids: Sequence[str]) -> None:
        self.store.delete_ids(ids)
        if self.sentences:
            self.sentences.delete(ids)

    def _prepare(
        self, source: str, collection: str, previous: StoredSource | None, convert: Convert
    ) -> tuple[SourceOutcome | None, list[Chunk]]:
        try:
            documents = load(source, http=self.http, convert=convert)
        except LoadError as exc:
            return SourceOutcome(source, "failed", reason=exc.reason), []
        except Exception as exc:  # a loader bug must not stop the batch
            return SourceOutcome(source, "failed", reason=f"unexpected error: {type(exc).__name__}"), []
        now = datetime.now(UTC).isoformat(timespec="seconds")
        chunks = [
            replace(chunk, ingested_at=now) for document in documents for chunk in chunk_document(document, collection)
        ]
        if not chunks:
            return SourceOutcome(source, "failed", reason="no text to index"), []
        if previous and previous.content_hash == chunks[0].content_hash and previous.collection == collection:
            return SourceOutcome(source, "unchanged", chunks=previous.chunks), []
        if self.flagger:
            chunks = [replace(c, flags=",".join(self.flagger(c.text))) for c in chunks]
        if self.quarantine:
            kept = [c for c in chunks if not self.quarantine(c.flags)]
            if not kept:
                return SourceOutcome(source, "failed", reason="quarantined: the document carries instructions"), []
            chunks = kept
        return None, chunks

    def write_chunks(self, chunks: Sequence[Chunk]) -> None:
        """Embed and store chunks (and their sentence vectors)."""
        if self.sentences:
            vectors, sentences = self.sentences.embed(chunks, self.embedder)
        else:
            vectors = self.embedder.embed([indexed_text(c.text, c.title, c.section) for c in chunks])
        self.store.add(chunks, vectors)
        if self.sentences:  # after the chunks: a crash in between leaves sentences the judge embeds itself
            self.sentences.add(sentences)

    def _write(self, pending: list[tuple[str, list[Chunk], StoredSource | None]]) -> list[SourceOutcome]:
        if not pending:
            return []
        self.write_chunks([c for _, group, _ in pending for c in group])
        outcomes = []
        for source, group, previous in pending:
            if previous:
                keep = {c.chunk_id for c in group}
                self._delete([i for i in self.store.ids_for_source(source) if i not in keep])
            outcomes.append(SourceOutcome(source, "updated" if previous else "added", chunks=len(group)))
        return outcomes

    def _prune(
        self,
        inputs: Sequence[str],
        seen: set[str],
        collection: str,
        *,
        stored: dict[str, StoredSource],
        keep_urls: bool = False,
    ) -> list[SourceOutcome]:
        """Remove sources of this collection that are gone: under an input that no longer lists them,
        or local files that no longer exist."""
        roots = [_prune_root(i) for i in inputs]
        outcomes = []
        for source, info in stored.items():
            if info.collection != collection or source in seen:
                continue
            is_url = source.startswith(("http://", "https://"))
            if is_url and keep_urls:
                continue
            under_input = any(source == r or source.startswith(r.rstrip("/") + "/") for r in roots)
            missing_file = not is_url and not Path(source).exists()
            if under_input or missing_file:
                removed = self.remove(source)
                outcomes.append(SourceOutcome(source, "removed", chunks=removed))
        return outcomes


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on one run: how many web pages, and each file's conversion budget (None: in process)."""

    max_urls: int | None = None
    budget: Budget | None = None

    @classmethod
    def from_settings(cls) -> IngestLimits:
        from knowledge.settings import get_settings

        settings = get_settings()
        budget = Budget(
            timeout_s=settings.convert_timeout,
            max_memory_mb=settings.convert_max_memory_mb,
            docx_max_unpacked_mb=settings.docx_max_unpacked_mb,
        )
        return cls(max_urls=settings.ingest_max_urls, budget=budget)

    def converter(self) -> contextlib.AbstractContextManager[Convert]:
        if self.budget is None:
            return contextlib.nullcontext(convert_in_process)
        return SandboxedConverter(self.budget)


def _discovery_outcome(error: LoadError) -> SourceOutcome:
    return SourceOutcome(error.source, "skipped" if isinstance(error, OverLimit) else "failed", reason=error.reason)


def _prune_root(source: str) -> str:
    """A sitemap's pages live beside it; any other input is its own root."""
    root = _normalise(source)
    if root.startswith(("http://", "https://")) and root.endswith(".xml"):
        return root.rsplit("/", 1)[0]
    return root


def _normalise(source: str) -> str:
    """Sources are stored as absolute paths or URLs; accept the path as the user typed it."""
    if source.startswith(("http://", "https://")):
        return source
    return os.path.abspath(os.path.expanduser(source))
