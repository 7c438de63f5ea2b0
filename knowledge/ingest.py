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
from typing import Literal

import httpx

from config.settings import Settings
from knowledge.chunking import chunk_document
from knowledge.embed import Embedder
from knowledge.loaders import Convert, LoadError, OverLimit, convert_in_process, discover, load
from knowledge.sandbox import Budget, SandboxedConverter
from knowledge.sentence_vectors import SentenceIndex
from knowledge.sentences import split_sentences
from knowledge.store import ChunkStore, StoredSource
from knowledge.types import APPROVED, HELD, Chunk, flag_set, indexed_text, with_flag

EMBED_BATCH = 256
EXCERPT_CHARS = 160

ChunkFlagger = Callable[[str], list[str]]
ProgressCallback = Callable[[int, int, str], None]
# What happens to a document with a flagged chunk: "hold" (stored, not answered from until an admin approves
# it), "refuse" (its flagged chunks are not stored), "mark" (stored with the flag; retrieval leaves them out).
FlaggedHandling = Literal["hold", "refuse", "mark"]


@dataclass(frozen=True)
class SourceOutcome:
    source: str
    status: str  # added | updated | held | unchanged | failed | removed | skipped (URLs over the limit) | approved
    chunks: int = 0
    reason: str = ""

    @property
    def wrote(self) -> bool:
        """Whether this run wrote the source's chunks (a source still held from before was not rewritten)."""
        return self.status in ("added", "updated") or (self.status == "held" and self.reason != HELD_STILL)


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

    @property
    def held(self) -> list[SourceOutcome]:
        return [o for o in self.outcomes if o.status == "held"]

    def summary(self) -> dict[str, int]:
        statuses = ("added", "updated", "held", "unchanged", "removed", "failed")
        written = sum(o.chunks for o in self.outcomes if o.wrote)
        return {s: self.count(s) for s in statuses} | {"skipped": self.skipped, "chunks": written}


class Ingester:
    """Loads, chunks, embeds and stores sources; keeps the store free of stale chunks."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        limits: IngestLimits,
        flagger: ChunkFlagger | None = None,
        http: httpx.Client | None = None,
        flagged_handling: Callable[[], FlaggedHandling] | None = None,
        sentences: SentenceIndex | None = None,
    ) -> None:
        self.limits = limits
        self.store = store
        self.embedder = embedder
        self.sentences = sentences
        self.flagger = flagger
        self.flagged_handling = flagged_handling
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
        pending: list[_Prepared] = []
        for done, source in enumerate(sources, start=1):
            if progress:
                progress(done, len(sources), source)
            prepared = self._prepare(source, collection, stored.get(source), convert)
            if isinstance(prepared, SourceOutcome):
                report.outcomes.append(prepared)
                continue
            pending.append(prepared)
            if sum(len(p.chunks) for p in pending) >= EMBED_BATCH:
                report.outcomes.extend(self._write(pending))
                pending = []
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
    ) -> _Prepared | SourceOutcome:
        try:
            documents = load(source, http=self.http, convert=convert)
        except LoadError as exc:
            return SourceOutcome(source, "failed", reason=exc.reason)
        except Exception as exc:  # a loader bug must not stop the batch
            return SourceOutcome(source, "failed", reason=f"unexpected error: {type(exc).__name__}")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        chunks = [
            replace(chunk, ingested_at=now) for document in documents for chunk in chunk_document(document, collection)
        ]
        if not chunks:
            return SourceOutcome(source, "failed", reason="no text to index")
        if previous and previous.content_hash == chunks[0].content_hash and previous.collection == collection:
            if previous.held:
                return SourceOutcome(source, "held", chunks=previous.chunks, reason=HELD_STILL)
            return SourceOutcome(source, "unchanged", chunks=previous.chunks)
        if not self.flagger:
            return _Prepared(source, chunks, previous)
        approved = self._approved_texts(source) if previous else set()
        chunks = [replace(c, flags=_flags(self.flagger(c.text), c.text in approved)) for c in chunks]
        flagged = [c for c in chunks if flag_set(c.flags) - {APPROVED}]
        if not flagged:
            return _Prepared(source, chunks, previous)
        handling = self.flagged_handling() if self.flagged_handling else "mark"
        if handling == "refuse":
            kept = [c for c in chunks if c not in flagged]
            if not kept:
                return SourceOutcome(source, "failed", reason=f"refused: {self._describe(flagged)}")
            return _Prepared(
                source, kept, previous, note=f"{len(flagged)} passage(s) left out: {self._describe(flagged)}"
            )
        if handling == "hold":
            held = [replace(c, flags=with_flag(c.flags, HELD)) for c in chunks]
            return _Prepared(source, held, previous, held=True, note=self._describe(flagged))
        return _Prepared(source, chunks, previous, note=f"{len(flagged)} passage(s) flagged and left out of answers")

    def _describe(self, flagged: Sequence[Chunk]) -> str:
        """Which passage looks like instructions to an assistant, quoting the sentence that does."""
        first = flagged[0]
        sentences = [s.text for s in split_sentences(first.text)]
        quoted = next((s for s in sentences if self.flagger and self.flagger(s)), first.text)
        quoted = " ".join(quoted.split())
        if len(quoted) > EXCERPT_CHARS:
            quoted = quoted[: EXCERPT_CHARS - 1].rstrip() + "…"
        where = f"passage {first.ordinal + 1}" + (f" ({first.section})" if first.section else "")
        more = f" and {len(flagged) - 1} more" if len(flagged) > 1 else ""
        return f"{where}{more} reads like instructions to an assistant: \u201c{quoted}\u201d"

    def _approved_texts(self, source: str) -> set[str]:
        """Texts of this source's passages an admin approved: an edit elsewhere in the document does not
        send them back for review."""
        ids = self.store.ids_for_source(source)
        return {text for text, meta in self.store.get(ids).values() if APPROVED in flag_set(str(meta.get("flags", "")))}

    def approve(self, source: str) -> int:
        """Release a held source: its chunks are answered from; returns how many (0: not stored or not held)."""
        ids = self.store.ids_for_source(_normalise(source))
        stored = self.store.get(ids)
        if not any(HELD in flag_set(str(meta.get("flags", ""))) for _, meta in stored.values()):
            return 0
        self.store.set_flags(
            {chunk_id: _approved(str(meta.get("flags", ""))) for chunk_id, (_, meta) in stored.items()}
        )
        return len(stored)

    def write_chunks(self, chunks: Sequence[Chunk]) -> None:
        """Embed and store chunks (and their sentence vectors)."""
        if self.sentences:
            vectors, sentences = self.sentences.embed(chunks, self.embedder)
        else:
            vectors = self.embedder.embed([indexed_text(c.text, c.title, c.section) for c in chunks])
        self.store.add(chunks, vectors)
        if self.sentences:  # after the chunks: a crash in between leaves sentences the judge embeds itself
            self.sentences.add(sentences)

    def _write(self, pending: list[_Prepared]) -> list[SourceOutcome]:
        if not pending:
            return []
        self.write_chunks([c for p in pending for c in p.chunks])
        outcomes = []
        for p in pending:
            if p.previous:
                keep = {c.chunk_id for c in p.chunks}
                self._delete([i for i in self.store.ids_for_source(p.source) if i not in keep])
            status = "held" if p.held else "updated" if p.previous else "added"
            outcomes.append(SourceOutcome(p.source, status, chunks=len(p.chunks), reason=p.note))
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


HELD_STILL = "still held for review: an admin approves it before Keel answers from it"


@dataclass(frozen=True)
class _Prepared:
    """A source loaded and chunked, waiting to be embedded and written."""

    source: str
    chunks: list[Chunk]
    previous: StoredSource | None
    held: bool = False
    note: str = ""  # why it is held, or what was left out


def _flags(found: list[str], approved_before: bool) -> str:
    """A chunk's flags: what the flagger found, unless an admin approved this very text before."""
    return APPROVED if found and approved_before else ",".join(found)


def _approved(flags: str) -> str:
    """Flags after an admin's approval: no longer held, and what the scan found is approved."""
    found = flag_set(flags) - {HELD}
    return APPROVED if found else ""


@dataclass(frozen=True)
class IngestLimits:
    """Bounds on one run: how many web pages, and each file's conversion budget (None: in process)."""

    max_urls: int | None = None
    budget: Budget | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> IngestLimits:
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
