"""Hybrid retrieval: dense (Chroma) and BM25 candidates fused into one ranking.

The default fusion is a convex combination of normalised scores (Bruch et al., "An Analysis of Fusion
Functions for Hybrid Retrieval", 2023): each candidate scores
``dense_weight * cosine / best_cosine + bm25_weight * bm25 / best_bm25``. Unlike reciprocal-rank
fusion it keeps how far apart the candidates are, so a clear dense winner is not overruled by a
middling keyword rank. Weights, candidate depth and the BM25 heading weight were fitted on the tuning
half of the benchmark questions and checked on the other half (benchmarks/retrieval.py,
docs/retrieval.md). Weighted RRF stays available (``method="rrf"``) for comparison.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from knowledge.embed import Embedder
from knowledge.keyword import KeywordIndex, keyword_text, saved_stamp
from knowledge.store import ChunkStore, DenseMatch
from knowledge.types import Hit

log = logging.getLogger(__name__)

SYNC_CHECK_SECONDS = 2.0
# Asked collections holding at least this share of all chunks are searched by over-fetching, not filtering.
OVERFETCH_MIN_SHARE = 0.5
OVERFETCH_MARGIN = 1.5
DENSE_ENOUGH = 10


@dataclass(frozen=True)
class FusionParams:
    """How dense and BM25 candidates are combined.

    ``method="convex"``: score = dense_weight * cosine/best cosine + bm25_weight * bm25/best bm25.
    ``method="rrf"``: score = dense_weight/(rrf_k + dense rank) + bm25_weight/(rrf_k + bm25 rank).
    ``candidates`` is how many each retriever contributes before fusion.
    """

    method: str = "convex"
    dense_weight: float = 0.55
    bm25_weight: float = 0.45
    rrf_k: int = 60
    candidates: int = 30

    def __post_init__(self) -> None:
        if self.method not in ("convex", "rrf"):
            raise ValueError(f"Unknown fusion method {self.method!r}: use 'convex' or 'rrf'.")


class Retriever:
    """Finds the chunks that best match a question, optionally within some collections."""

    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        keyword_path: Path,
        params: FusionParams | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.params = params or FusionParams()
        self._keyword_path = keyword_path
        self._keyword: KeywordIndex | None = None
        self._stamp: tuple[int, ...] | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    # -- keyword index lifecycle -------------------------------------------------------------------
    def rebuild_keyword_index(self) -> KeywordIndex:
        """Rebuild BM25 from every chunk in the store and save it (after ingest or removal)."""
        ids, texts, collections = [], [], []
        for chunk_id, text, meta in self.store.iter_chunks():
            ids.append(chunk_id)
            texts.append(keyword_text(text, str(meta.get("title", "")), str(meta.get("section", ""))))
            collections.append(str(meta.get("collection", "")))
        index = KeywordIndex.build(ids, texts, collections)
        try:
            index.save(self._keyword_path)
        except OSError:  # a full disk or a permissions problem must not fail the search: the index is in memory
            log.warning("could not save the keyword index to %s", self._keyword_path, exc_info=True)
        self._adopt(index)
        return index

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index in sync with the store: loaded from disk, rebuilt if it does not match.

        Counting the store costs a database round trip, so a search only does it every
        ``SYNC_CHECK_SECONDS``; a new index saved by another process (an ingest from the command line)
        is noticed at once by its file stamp.
        """
        with self._lock:
            index, stamp, checked = self._keyword, self._stamp, self._checked_at
        fresh = time.monotonic() - checked < SYNC_CHECK_SECONDS
        if index is not None and fresh and saved_stamp(self._keyword_path) == stamp:
            return index
        count = self.store.count()
        if index is not None and len(index) == count and saved_stamp(self._keyword_path) == stamp:
            self._adopt(index)
            return index
        if index is not None:  # the knowledge changed under this process: see it as a fresh process would
            self.store.reopen()
            count = self.store.count()
        loaded = KeywordIndex.load(self._keyword_path)
        if loaded is not None and len(loaded) == count:
            self._adopt(loaded)
            return loaded
        return self.rebuild_keyword_index()

    def _adopt(self, index: KeywordIndex) -> None:
        with self._lock:
            self._keyword = index
            self._stamp = saved_stamp(self._keyword_path)
            self._checked_at = time.monotonic()

    # -- retrieval --------------------------------------------------------------------------------
    def dense(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[Hit]:
        return self._dense(query, k, self.keyword_index(), collections)

    def keyword(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[Hit]:
        ranked = self.keyword_index().search(query, k, collections)
        found = self.store.get([chunk_id for chunk_id, _ in ranked])
        return [
            _hit(chunk_id, *found[chunk_id], score=score, bm25_rank=r)
            for r, (chunk_id, score) in enumerate(ranked, start=1)
            if chunk_id in found
        ]

    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        """The top ``k`` chunks by fused score. Each hit keeps its dense similarity for evidence checks
        (0.0 when only BM25 found it)."""
        query = query.strip()
        if not query or k <= 0:
            return []
        p = self.params
        index = self.keyword_index()
        # Fusion needs the best few dense candidates within the collections, not necessarily all of them.
        dense = self._dense(query, p.candidates, index, collections, enough=min(p.candidates, DENSE_ENOUGH))
        scores = index.scores(query, collections)
        keyword = [
            Hit(chunk_id, "", "", "", "", "", score=score, bm25_rank=r)
            for r, (chunk_id, score) in enumerate(index.top(scores, p.candidates), start=1)
        ]
        bm25_of_dense = {
            h.chunk_id: float(scores[index.position[h.chunk_id]]) for h in dense if h.chunk_id in index.position
        }
        return self._scoped(self._with_text(fuse(dense, keyword, p, bm25_scores=bm25_of_dense)[:k]), collections)

    def _dense(
        self, query: str, k: int, index: KeywordIndex, collections: Sequence[str] | None, enough: int | None = None
    ) -> list[Hit]:
        """Dense candidates, within ``collections`` if given.

        A Chroma metadata filter that keeps many chunks is slow (~40 ms at 10k chunks on two cores, where
        an unfiltered query takes ~5 ms). When the asked collections hold most of the chunks (the BM25
        index knows the sizes), ask Chroma for a few more results without a filter and drop the others;
        only if fewer than ``enough`` (default ``k``) remain is the filtered query sent. The ones kept are
        exactly the best of the asked collections, just possibly fewer than ``k``.
        """
        vector = self.embedder.embed([query])[0]
        share = index.share(collections) if collections else 1.0
        if share >= OVERFETCH_MIN_SHARE:
            wide = k if share == 1.0 else math.ceil(k / share * OVERFETCH_MARGIN)
            matches = self.store.query(vector, wide, None)
            wanted = set(collections or ())
            kept = [m for m in matches if not wanted or m.metadata.get("collection") in wanted]
            if len(kept) >= (enough or k) or len(matches) < wide:  # enough, or the whole store was searched
                return self._dense_hits(kept[:k])
        return self._dense_hits(self.store.query(vector, k, list(collections or [])))

    @staticmethod
    def _dense_hits(matches: list[DenseMatch]) -> list[Hit]:
        return [
            _hit(m.chunk_id, m.text, m.metadata, score=m.similarity, dense_score=m.similarity, dense_rank=r)
            for r, m in enumerate(matches, start=1)
        ]

    def _scoped(self, hits: list[Hit], collections: Sequence[str] | None) -> list[Hit]:
        """Never return a chunk outside the asked collections, even if the filter was skipped on a
        stale view of which collections exist."""
        if not collections:
            return hits
        wanted = set(collections)
        return [h for h in hits if h.collection in wanted]

    def _with_text(self, hits: list[Hit]) -> list[Hit]:
        """Fill in text and metadata for the hits only BM25 found: one store lookup, for the final few."""
        missing = [h.chunk_id for h in hits if not h.dense_rank]
        if not missing:
            return hits
        found = self.store.get(missing)
        filled = []
        for hit in hits:
            if hit.dense_rank:
                filled.append(hit)
            elif hit.chunk_id in found:  # gone from the store since the index was built: drop it
                text, meta = found[hit.chunk_id]
                base = _hit(hit.chunk_id, text, meta, score=0.0)
                filled.append(
                    replace(
                        hit,
                        text=base.text,
                        source=base.source,
                        title=base.title,
                        section=base.section,
                        collection=base.collection,
                        flags=base.flags,
                    )
                )
        return filled


def fuse(
    dense: list[Hit], keyword: list[Hit], p: FusionParams, bm25_scores: Mapping[str, float] | None = None
) -> list[Hit]:
    """One ranking from a dense list (``dense_score`` = cosine, ranks from 1) and a BM25 list (``score`` =
    BM25). ``bm25_scores`` gives the BM25 score of dense candidates outside the BM25 list, if known."""
    merged: dict[str, Hit] = {hit.chunk_id: hit for hit in dense}
    bm25: dict[str, float] = dict(bm25_scores or {})
    bm25_rank: dict[str, int] = {}
    for hit in keyword:
        merged.setdefault(hit.chunk_id, hit)
        bm25[hit.chunk_id] = hit.score
        bm25_rank[hit.chunk_id] = hit.bm25_rank
    dense_rank = {hit.chunk_id: hit.dense_rank for hit in dense}
    if p.method == "rrf":
        scores = {
            chunk_id: (p.dense_weight / (p.rrf_k + dense_rank[chunk_id]) if chunk_id in dense_rank else 0.0)
            + (p.bm25_weight / (p.rrf_k + bm25_rank[chunk_id]) if chunk_id in bm25_rank else 0.0)
            for chunk_id in merged
        }
    else:
        scores = _convex_scores(dense, merged, bm25, p)
    fused = [
        replace(
            hit,
            score=scores[chunk_id],
            dense_score=hit.dense_score if chunk_id in dense_rank else 0.0,
            dense_rank=dense_rank.get(chunk_id, 0),
            bm25_rank=bm25_rank.get(chunk_id, 0),
        )
        for chunk_id, hit in merged.items()
    ]
    fused.sort(key=lambda h: (-h.score, h.chunk_id))
    return fused


def _convex_scores(
    dense: list[Hit], merged: Mapping[str, Hit], bm25: Mapping[str, float], p: FusionParams
) -> dict[str, float]:
    """Each retriever's scores divided by its best score for this query, then weighted and summed.

    A BM25-only candidate's cosine is unknown but no higher than the lowest cosine the dense list
    returned, so that value stands in for it (an upper bound; measured within a point of exact).
    """
    cosine = {hit.chunk_id: hit.dense_score for hit in dense}
    floor = min(cosine.values(), default=0.0)
    best_cosine = max(cosine.values(), default=0.0)
    best_bm25 = max(bm25.values(), default=0.0)
    scores = {}
    for chunk_id in merged:
        dense_part = cosine.get(chunk_id, floor) / best_cosine if best_cosine > 0 else 0.0
        bm25_part = bm25.get(chunk_id, 0.0) / best_bm25 if best_bm25 > 0 else 0.0
        scores[chunk_id] = p.dense_weight * dense_part + p.bm25_weight * bm25_part
    return scores


def _hit(
    chunk_id: str,
    text: str,
    meta: dict[str, Any],
    *,
    score: float,
    dense_score: float = 0.0,
    dense_rank: int = 0,
    bm25_rank: int = 0,
) -> Hit:
    return Hit(
        chunk_id=chunk_id,
        text=text,
        source=str(meta.get("source", "")),
        title=str(meta.get("title", "")),
        section=str(meta.get("section", "")),
        collection=str(meta.get("collection", "")),
        flags=str(meta.get("flags", "")),
        score=score,
        dense_score=dense_score,
        dense_rank=dense_rank,
        bm25_rank=bm25_rank,
    )


def fuse_rankings(
    rankings: Sequence[tuple[Sequence[Hit], float]], boost: Mapping[str, float] | None = None
) -> list[Hit]:
    """One ranking from several searches of one turn (the question alone, the question in its thread),
    each weighted: a chunk scores the weighted sum of its fused scores, plus ``boost`` (e.g. for the
    sources of the thread's last answer). Its ``dense_score`` is the best cosine any search gave it."""
    scores: dict[str, float] = {}
    best: dict[str, Hit] = {}
    for hits, weight in rankings:
        for hit in hits:
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + weight * hit.score
            known = best.get(hit.chunk_id)
            if known is None or hit.dense_score > known.dense_score:
                best[hit.chunk_id] = hit
    for chunk_id, extra in (boost or {}).items():
        if chunk_id in scores:
            scores[chunk_id] += extra
    fused = [replace(hit, score=round(scores[chunk_id], 6)) for chunk_id, hit in best.items()]
    fused.sort(key=lambda h: (-h.score, h.chunk_id))
    return fused
