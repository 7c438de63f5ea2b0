"""The knowledge base as one object: the store, the embedder, the retriever and the ingester, wired
from settings. Callers (the CLI, the graph, the Slack bot) use this and nothing below it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from config.settings import Settings, get_settings
from knowledge.embed import Embedder, default_embedder, embedder_model_id, make_embedder
from knowledge.search import FusionParams, Retriever
from knowledge.sentence_vectors import SentenceIndex
from knowledge.store import ChunkStore, SentenceStore, StoredSentence, StoredSource, StoreUnavailable
from knowledge.types import Chunk, Hit
from knowledge.vocabulary import CollectionVocabulary

if TYPE_CHECKING:  # loaders and converters load when something is ingested (`keel sources` needs none)
    from knowledge.ingest import ChunkFlagger, FlaggedHandling, Ingester, IngestReport, ProgressCallback

logger = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        flagger: ChunkFlagger | None = None,
        flagged_handling: Callable[[], FlaggedHandling] | None = None,
        fusion: FusionParams | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._embedder = embedder
        self._flagger = flagger
        self._flagged_handling = flagged_handling
        self._fusion = fusion

    @cached_property
    def embedder(self) -> Embedder:
        if self._embedder is not None:
            return self._embedder
        s = self.settings
        return make_embedder(
            s.embeddings,
            api_key=s.embeddings_api_key.get_secret_value() if s.embeddings_api_key else None,
            base_url=s.embeddings_base_url,
        )

    @cached_property
    def store(self) -> ChunkStore:
        # Named after the embedder's model, which need not be loaded to list or remove sources.
        model_id = (
            self._embedder.model_id if self._embedder is not None else embedder_model_id(self.settings.embeddings)
        )
        return ChunkStore(self.settings, model_id)

    @cached_property
    def sentences(self) -> SentenceIndex:
        """Sentence vectors for the evidence judge, always in the bundled MiniLM's space (the judge's
        model was fitted on it), whatever embedder retrieval uses."""
        judge_embedder = default_embedder()
        return SentenceIndex(SentenceStore(self.settings, judge_embedder.model_id, self.store.client), judge_embedder)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, self.settings.bm25_path / self.embedder.model_id, self._fusion)

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self.retriever.search(query, k=k, collections=collections)

    def phrase_similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """Cosine between ``text`` and each of ``others`` with the knowledge base's embedder."""
        vectors = self.embedder.embed([text, *others])
        vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return [float(v) for v in vectors[1:] @ vectors[0]]

    def vocabulary(self) -> CollectionVocabulary:
        """Word statistics of what is stored now: which names it holds, which words are filler."""
        return CollectionVocabulary(self.retriever.keyword_index())

    def ingest(
        self,
        inputs: Sequence[str],
        collection: str | None = None,
        *,
        prune: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        ingester = self._ingester()
        report = ingester.ingest(inputs, collection or self.settings.default_collection, prune=prune, progress=progress)
        if any(o.wrote or o.status == "removed" for o in report.outcomes):
            self.retriever.rebuild_keyword_index()
        return report

    def remove(self, source: str) -> int:
        removed = self._ingester().remove(source)
        if removed:
            self.retriever.rebuild_keyword_index()
        return removed

    def find(self, source: str) -> StoredSource | None:
        """The stored source meant: the exact name, or the one stored source ending in it (so
        ``handbook.pdf`` finds ``/…/uploads/default/handbook.pdf``); None if none or several."""
        stored = {s.source: s for s in self.sources()}
        if source in stored:
            return stored[source]
        matches = [s for name, s in stored.items() if name.endswith("/" + source.lstrip("/"))]
        return matches[0] if len(matches) == 1 else None

    def resolve(self, source: str) -> str | None:
        """The name of the stored source meant (see ``find``)."""
        found = self.find(source)
        return found.source if found else None

    def approve(self, source: str) -> int:
        """Release a source held for review (its chunks are answered from from now on); returns how many
        chunks, 0 if it is not stored or not held."""
        return self._ingester().approve(source)

    def add_chunks(self, chunks: Sequence[Chunk]) -> None:
        """Store prepared chunks as they are (benchmarks load evaluation sets this way)."""
        self._ingester().write_chunks(chunks)
        self.retriever.rebuild_keyword_index()

    def sentences_of(self, hits: Sequence[Hit]) -> dict[str, list[StoredSentence]]:
        """The stored sentence vectors of these hits' chunks. Missing ones are simply absent, and so
        is everything if the lookup fails: the judge then embeds the sentences itself."""
        try:
            return self.sentences.for_chunks([h.chunk_id for h in hits])
        except StoreUnavailable:
            logger.warning("sentence vectors unavailable; the judge embeds the sentences itself", exc_info=True)
            return {}

    def sources(self) -> list[StoredSource]:
        return sorted(self.store.sources().values(), key=lambda s: (s.collection, s.source))

    def is_empty(self) -> bool:
        return self.store.count() == 0

    def _ingester(self) -> Ingester:
        from knowledge.ingest import Ingester, IngestLimits

        return Ingester(
            self.store,
            self.embedder,
            IngestLimits.from_settings(self.settings),
            flagger=self._flagger,
            flagged_handling=self._flagged_handling,
            sentences=self.sentences,
        )
