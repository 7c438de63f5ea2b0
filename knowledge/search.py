"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused by weighted reciprocal-rank fusion.

Fusion parameters were chosen on held-out data (see benchmarks/retrieval.py and docs/retrieval.md):
dense similarity is the stronger signal on paraphrased questions, BM25 on exact names and numbers.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

from knowledge.embed import Embedder
from knowledge.keyword import KeywordIndex
from knowledge.store import ChunkStore
from knowledge.types import Hit, indexed_text


@dataclass(frozen=True)
class FusionParams:
    """Weighted RRF: score = dense_weight/(rrf_k + dense_rank) + bm25_weight/(rrf_k + bm25_rank)."""

    rrf_k: int = 60
    dense_weight: float = 1.0
    bm25_weight: float = 0.5
    candidates: int = 50


class Retriever:
    """Finds the chunks that best match a question, optionally within some collections."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        keyword_path,
        params: FusionParams | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.params = params or FusionParams()
        self._keyword_path = keyword_path
        self._keyword: KeywordIndex | None = None
        self._lock = threading.Lock()

    # -- keyword index lifecycle -------------------------------------------------------------------
    def rebuild_keyword_index(self) -> KeywordIndex:
        """Rebuild BM25 from every chunk in the store and save it (after ingest or removal)."""
        ids, texts, collections = [], [], []
        for chunk_id, text, meta in self.store.iter_chunks():
            ids.append(chunk_id)
            texts.append(indexed_text(text, str(meta.get("title", "")), str(meta.get("section", ""))))
            collections.append(str(meta.get("collection", "")))
        index = KeywordIndex.build(ids, texts, collections)
        index.save(self._keyword_path)
        with self._lock:
            self._keyword = index
        return index

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index in sync with the store: loaded from disk, rebuilt if it does not match."""
        with self._lock:
            index = self._keyword
        if index is not None and len(index) == self.store.count():
            return index
        loaded = KeywordIndex.load(self._keyword_path)
        if loaded is not None and len(loaded) == self.store.count():
            with self._lock:
                self._keyword = loaded
            return loaded
        return self.rebuild_keyword_index()

    # -- retrieval --------------------------------------------------------------------------------
    def dense(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[Hit]:
        vector = self.embedder.embed([query])[0]
        return [
            _hit(m.chunk_id, m.text, m.metadata, score=m.similarity, dense_score=m.similarity, dense_rank=r)
            for r, m in enumerate(self.store.query(vector, k, collections), start=1)
        ]

    def keyword(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[Hit]:
        ranked = self.keyword_index().search(query, k, collections)
        found = self.store.get([chunk_id for chunk_id, _ in ranked])
        return [
            _hit(chunk_id, *found[chunk_id], score=score, bm25_rank=r)
            for r, (chunk_id, score) in enumerate(ranked, start=1)
            if chunk_id in found
        ]

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        """The top ``k`` chunks by fused rank. Each hit keeps its dense similarity for evidence checks."""
        query = query.strip()
        if not query:
            return []
        p = self.params
        dense = self.dense(query, p.candidates, collections)
        keyword = self.keyword(query, p.candidates, collections)
        return fuse(dense, keyword, p)[:k]


def fuse(dense: list[Hit], keyword: list[Hit], p: FusionParams) -> list[Hit]:
    """Weighted reciprocal-rank fusion of two ranked lists (ranks start at 1)."""
    merged: dict[str, dict] = {}
    for hit in dense:
        merged[hit.chunk_id] = {"hit": hit, "dense_rank": hit.dense_rank, "bm25_rank": 0}
    for hit in keyword:
        entry = merged.setdefault(hit.chunk_id, {"hit": hit, "dense_rank": 0, "bm25_rank": 0})
        entry["bm25_rank"] = hit.bm25_rank
    fused = []
    for entry in merged.values():
        score = 0.0
        if entry["dense_rank"]:
            score += p.dense_weight / (p.rrf_k + entry["dense_rank"])
        if entry["bm25_rank"]:
            score += p.bm25_weight / (p.rrf_k + entry["bm25_rank"])
        base: Hit = entry["hit"]
        fused.append(
            Hit(
                chunk_id=base.chunk_id,
                text=base.text,
                source=base.source,
                title=base.title,
                section=base.section,
                collection=base.collection,
                score=score,
                dense_score=base.dense_score,
                dense_rank=entry["dense_rank"],
                bm25_rank=entry["bm25_rank"],
                flags=base.flags,
            )
        )
    fused.sort(key=lambda h: (-h.score, h.chunk_id))
    return fused


def _hit(chunk_id: str, text: str, meta: dict, **scores: float | int) -> Hit:
    return Hit(
        chunk_id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        collection=str(meta.get("collection", "")),
        flags=str(meta.get("flags", "")),
        **scores,  # type: ignore[arg-type]
    )
