"""The keyword half of hybrid retrieval: a BM25 index (bm25s) over the same chunks as Chroma.

The index is rebuilt from the chunk store after every ingest or removal and saved under
``KEEL_HOME/bm25``, together with the ids it covers and a fingerprint of them, so a search can tell
when the index no longer matches the store (e.g. another process ingested) and rebuild it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
META_FILE = "keel-index.json"


def fingerprint(ids: Sequence[str]) -> str:
    """An order-independent digest of a set of chunk ids."""
    digest = hashlib.sha256()
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def _tokenizer() -> bm25s.tokenization.Tokenizer:
    return bm25s.tokenization.Tokenizer(stemmer=_STEMMER, stopwords="en", lower=True)


class KeywordIndex:
    """BM25 over chunk texts; ``search`` returns (chunk id, score) pairs, best first."""

    def __init__(
        self,
        ids: list[str],
        collections: list[str],
        retriever: bm25s.BM25 | None,
        tokenizer: bm25s.tokenization.Tokenizer,
    ) -> None:
        self.ids = ids
        self.collections = np.array(collections, dtype=object)
        self.fingerprint = fingerprint(ids)
        self._retriever = retriever
        self._tokenizer = tokenizer

    @classmethod
    def build(cls, ids: list[str], texts: list[str], collections: list[str]) -> KeywordIndex:
        tokenizer = _tokenizer()
        if not ids:
            return cls([], [], None, tokenizer)
        tokens = tokenizer.tokenize(texts, return_as="tuple", show_progress=False)  # str vocab: saveable
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index(tokens, show_progress=False)
        return cls(ids, collections, retriever, tokenizer)

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[tuple[str, float]]:
        if self._retriever is None or k <= 0:
            return []
        query_ids = self._tokenizer.tokenize(
            [query], return_as="ids", update_vocab=False, show_progress=False
        )
        if not query_ids or not query_ids[0]:
            return []
        mask = None
        if collections:
            mask = np.isin(self.collections, list(collections)).astype(np.float32)
            if not mask.any():
                return []
        docs, scores = self._retriever.retrieve(
            query_ids, k=min(k, len(self.ids)), show_progress=False, weight_mask=mask, n_threads=1
        )
        return [(self.ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bm25-", dir=folder.parent))
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
            self._tokenizer.save_vocab(str(staging))
        meta = {"ids": self.ids, "collections": self.collections.tolist(), "fingerprint": self.fingerprint}
        (staging / META_FILE).write_text(json.dumps(meta))
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            folder.rename(old)
        staging.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """The saved index, or None if there is none or it cannot be read (it is then rebuilt)."""
        try:
            meta = json.loads((folder / META_FILE).read_text())
            tokenizer = _tokenizer()
            retriever = None
            if meta["ids"]:
                retriever = bm25s.BM25.load(str(folder), show_progress=False)
                tokenizer.load_vocab(str(folder))
            index = cls(meta["ids"], meta["collections"], retriever, tokenizer)
        except (OSError, ValueError, KeyError):
            return None
        return index if index.fingerprint == meta.get("fingerprint") else None
