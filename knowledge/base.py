"""The knowledge base as one object: the store, the embedder, the retriever and the ingester, wired
from settings. Callers (the CLI, the graph, the Slack bot) use this and nothing below it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cached_property

from knowledge.embed import Embedder, make_embedder
from knowledge.ingest import ChunkFlagger, Ingester, IngestReport, ProgressCallback
from knowledge.search import FusionParams, Retriever
from knowledge.settings import Settings, get_settings
from knowledge.store import ChunkStore, StoredSource
from knowledge.types import Hit


class KnowledgeBase:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        flagger: ChunkFlagger | None = None,
        quarantine: Callable[[str], bool] | None = None,
        fusion: FusionParams | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self._embedder = embedder
        self._flagger = flagger
        self._quarantine = quarantine
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
        return ChunkStore(self.settings, self.embedder.model_id)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.store, self.embedder, self.settings.bm25_path / self.embedder.model_id, self._fusion)

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        return self.retriever.search(query, k=k, collections=collections)

    def ingest(
        self,
        inputs: Sequence[str],
        collection: str | None = None,
        *,
        prune: bool = False,
        progress: ProgressCallback | None = None,
    ) -> IngestReport:
        ingester = Ingester(self.store, self.embedder, flagger=self._flagger, quarantine=self._quarantine)
        report = ingester.ingest(inputs, collection or self.settings.default_collection, prune=prune, progress=progress)
        if any(o.status in ("added", "updated", "removed") for o in report.outcomes):
            self.retriever.rebuild_keyword_index()
        return report

    def remove(self, source: str) -> int:
        removed = Ingester(self.store, self.embedder).remove(source)
        if removed:
            self.retriever.rebuild_keyword_index()
        return removed

    def sources(self) -> list[StoredSource]:
        return sorted(self.store.sources().values(), key=lambda s: (s.collection, s.source))

    def is_empty(self) -> bool:
        return self.store.count() == 0
