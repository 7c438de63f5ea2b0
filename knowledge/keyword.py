"""The keyword half of hybrid retrieval: a BM25 index (bm25s) over the same chunks as Chroma.

The index is rebuilt from the chunk store after every ingest or removal and saved under
``KEEL_HOME/bm25``, together with the ids it covers and a fingerprint of them, so a search can tell
when the index no longer matches the store (e.g. another process ingested) and rebuild it.

Tokenisation: lower case, English stopwords removed, Snowball (PyStemmer) English stems, so "leaves",
"leave" and "leaving" match. A chunk's heading path (document title and section) is indexed
``HEADING_WEIGHT`` times: a simple stand-in for BM25F field weights, since a question usually names
the topic a heading names (FAQ questions, policy section titles). The weight was chosen on the tuning
half of the benchmark questions (benchmarks/retrieval.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import Stemmer

if TYPE_CHECKING:
    import bm25s

log = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")
META_FILE = "keel-index.json"
HEADING_WEIGHT = 3
BM25_K1 = 1.2
BM25_B = 0.75
# Saved with the index: an index written under other settings is rebuilt rather than trusted.
SCHEME = f"bm25s-lucene-k1={BM25_K1}-b={BM25_B}-stem=english-stop=en-headings={HEADING_WEIGHT}-words"


def fingerprint(ids: Sequence[str]) -> str:
    """An order-independent digest of a set of chunk ids."""
    digest = hashlib.sha256()
    for chunk_id in sorted(ids):
        digest.update(chunk_id.encode())
        digest.update(b"\0")
    return digest.hexdigest()


def keyword_text(text: str, title: str, section: str, heading_weight: int = HEADING_WEIGHT) -> str:
    """What BM25 indexes for a chunk: its heading path repeated ``heading_weight`` times, then the text."""
    heading = " > ".join(part for part in (title, section) if part)
    if not heading or heading_weight <= 0:
        return text
    return "\n".join([heading] * heading_weight + [text])


def saved_stamp(folder: Path) -> tuple[int, ...] | None:
    """Identifies the saved index on disk (a save replaces the file), or None if there is none."""
    try:
        stat = (folder / META_FILE).stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _bm25s() -> Any:  # bm25s ships no types: the module is Any to the type checker
    """bm25s, imported when an index is first built or loaded (not by commands that search nothing)."""
    import bm25s

    return bm25s


def _tokenizer() -> bm25s.tokenization.Tokenizer:
    return _bm25s().tokenization.Tokenizer(stemmer=_STEMMER, stopwords="en", lower=True)


class KeywordIndex:
    """BM25 over chunk texts; ``search`` returns (chunk id, score) pairs, best first."""

    def __init__(
        self,
        ids: list[str],
        collections: list[str],
        retriever: bm25s.BM25 | None,
        tokenizer: bm25s.tokenization.Tokenizer,
        words: int = 0,
    ) -> None:
        self.ids = ids
        self.words = words  # running words in the chunks' texts: the collection's size for word statistics
        self.collections = np.array(collections, dtype=object)
        self.fingerprint = fingerprint(ids)
        self.position = {chunk_id: n for n, chunk_id in enumerate(ids)}
        self._retriever = retriever
        self._tokenizer = tokenizer
        self._masks: dict[tuple[str, ...], np.ndarray | None] = {}
        self._stopwords = frozenset(tokenizer.stopwords or ())

    @classmethod
    def build(cls, ids: list[str], texts: list[str], collections: list[str]) -> KeywordIndex:
        tokenizer = _tokenizer()
        if not ids:
            return cls([], [], None, tokenizer)
        # The tuple form carries the tokenizer's string vocabulary, which bm25s saves as JSON.
        tokens = tokenizer.tokenize(texts, return_as="tuple", update_vocab=True, show_progress=False)
        lib = _bm25s()
        tokens = lib.tokenization.Tokenized(ids=tokens.ids, vocab=dict(tokens.vocab))
        retriever = lib.BM25(k1=BM25_K1, b=BM25_B)
        retriever.index(tokens, show_progress=False)
        return cls(ids, collections, retriever, tokenizer, sum(len(text.split()) for text in texts))

    def __len__(self) -> int:
        return len(self.ids)

    def share(self, collections: Sequence[str] | None) -> float:
        """The fraction of chunks inside ``collections`` (1.0 for no restriction)."""
        mask = self._mask(collections)
        if mask is None or not len(self.ids):
            return 1.0
        return float(mask.mean())

    def scores(self, query: str, collections: Sequence[str] | None = None) -> np.ndarray:
        """The BM25 score of every chunk (aligned with ``ids``; 0 outside ``collections``)."""
        if self._retriever is None:
            return np.zeros(0, dtype=np.float32)
        query_ids = self._tokenizer.tokenize([query], return_as="ids", update_vocab=False, show_progress=False)
        empty = self._tokenizer.word_to_id.get("")  # what a query of only stopwords becomes: no match
        vocabulary = self._retriever.unique_token_ids_set
        known = [i for i in (query_ids[0] if query_ids else []) if i in vocabulary and i != empty]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        scores: np.ndarray = self._retriever.get_scores(known, weight_mask=self._mask(collections))
        return scores

    def chunks_with(self, text: str) -> list[np.ndarray] | None:
        """For each indexed word of ``text`` (stopwords dropped, stemmed as the index stems), the
        positions of the chunks that contain it; None when some word of ``text`` is in no chunk."""
        if self._retriever is None:
            return None
        pointers, positions = self._retriever.scores["indptr"], self._retriever.scores["indices"]
        found = []
        for stem in self.stems(text):
            token = self._tokenizer.stem_to_sid.get(stem)
            if token is None or token not in self._retriever.unique_token_ids_set:
                return None
            found.append(positions[pointers[token] : pointers[token + 1]])
        return found

    def stems(self, text: str) -> list[str]:
        """The words of ``text`` as the index holds them: lower case, stopwords dropped, stemmed."""
        tokenizer = self._tokenizer
        words = [w for w in tokenizer.splitter(text.lower()) if w and w not in self._stopwords]
        return [_STEMMER.stemWord(w) for w in words]

    def top(self, scores: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` best (chunk id, score) pairs of a score array, best first; zero scores left out."""
        k = min(k, len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best = best[np.lexsort((best, -scores[best]))]  # by score, ties by position: deterministic
        return [(self.ids[n], float(scores[n])) for n in best if scores[n] > 0]

    def search(self, query: str, k: int, collections: Sequence[str] | None = None) -> list[tuple[str, float]]:
        if self._retriever is None or k <= 0:
            return []
        return self.top(self.scores(query, collections), k)

    def _mask(self, collections: Sequence[str] | None) -> np.ndarray | None:
        if not collections:
            return None
        key = tuple(sorted(set(collections)))
        if key not in self._masks:  # built once per scope: np.isin over every chunk is not free
            mask = np.isin(self.collections, list(key)).astype(np.float32)
            self._masks[key] = None if mask.all() else mask
        return self._masks[key]

    def save(self, folder: Path) -> None:
        """Write atomically: a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".bm25-", dir=folder.parent))
        if self._retriever is not None:
            self._retriever.save(str(staging), show_progress=False)
            self._tokenizer.save_vocab(str(staging))
        meta = {
            "ids": self.ids,
            "words": self.words,
            "collections": self.collections.tolist(),
            "fingerprint": self.fingerprint,
            "scheme": SCHEME,
        }
        (staging / META_FILE).write_text(json.dumps(meta))
        old = Path(tempfile.mkdtemp(prefix=".bm25-old-", dir=folder.parent))  # a name no other process uses
        # swap the current index out (there may be none yet, or another process is swapping its own in)
        with contextlib.suppress(FileNotFoundError):
            folder.replace(old)
        try:
            staging.rename(folder)
        except OSError:
            # Another process saved an index of the same store at the same moment (several Keel
            # processes share KEEL_HOME): theirs stands, ours is dropped; both came from the store.
            log.info("another process saved the keyword index first; keeping theirs")
            shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        """The saved index, or None if there is none or it cannot be read (it is then rebuilt)."""
        try:
            meta = json.loads((folder / META_FILE).read_text())
            if meta.get("scheme") != SCHEME:
                return None
            tokenizer = _tokenizer()
            retriever = None
            if meta["ids"]:
                retriever = _bm25s().BM25.load(str(folder), show_progress=False)
                tokenizer.load_vocab(str(folder))
            index = cls(meta["ids"], meta["collections"], retriever, tokenizer, int(meta.get("words", 0)))
        except (OSError, ValueError, KeyError):
            return None
        return index if index.fingerprint == meta.get("fingerprint") else None
