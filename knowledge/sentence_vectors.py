"""Sentence vectors for the evidence judge, computed once at ingestion instead of on every question.

The judge compares the question with each sentence of the passages it reads (graphs/evidence.py).
Embedding those sentences per question was most of a question's cost; here each chunk's sentences
get their vectors while the chunk itself is embedded: the mean of the chunk's contextual token
vectors over the sentence's span ("late chunking", :meth:`OnnxMiniLM.embed_with_spans`), so a
sentence is read in the context of its passage at no extra model cost. A sentence past the model's
256-token window is embedded on its own, with its title and heading as context, as the judge would.
Each chunk's document title gets a vector too (position -1): the judge's *topic similarity*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from knowledge.embed import Embedder, Span
from knowledge.sentences import Sentence, split_sentences
from knowledge.store import TITLE_POSITION, SentenceStore, StoredSentence
from knowledge.types import Chunk, indexed_text

# What is embedded for a sentence on its own is cut to about 40 tokens (the start of a sentence
# carries its subject), and so is a title.
EMBED_CHARS = 200


class SpanEmbedder(Embedder, Protocol):
    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[Span]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]: ...


def sentence_in_context(title: str, section: str, sentence: Sentence) -> str:
    """A sentence as embedded on its own: "Leave policy > Vacation: Contractors get 15 days"."""
    context = " > ".join(dict.fromkeys(part for part in (title, section, sentence.heading) if part))
    text = f"{context}: {sentence.text}" if context else sentence.text
    return text[:EMBED_CHARS]


def embed_chunks(
    chunks: Sequence[Chunk], embedder: Embedder, sentence_embedder: SpanEmbedder
) -> tuple[np.ndarray, np.ndarray, list[list[StoredSentence]]]:
    """The chunks' vectors (``embedder``), and in the sentence model's space each chunk's vector and
    its title and sentence vectors. One forward pass does both when the two embedders are the same."""
    texts = [indexed_text(c.text, c.title, c.section) for c in chunks]
    sentences = [split_sentences(c.text) for c in chunks]
    spans = [
        [(s.start + len(text) - len(c.text), s.end + len(text) - len(c.text)) for s in found]
        for c, text, found in zip(chunks, texts, sentences, strict=True)
    ]
    sentence_space, span_vectors = sentence_embedder.embed_with_spans(texts, spans)
    vectors = sentence_space if embedder is sentence_embedder else embedder.embed(texts)
    alone = [
        (n, k, sentence_in_context(c.title, c.section, s))
        for n, (c, found) in enumerate(zip(chunks, sentences, strict=True))
        for k, s in enumerate(found)
        if span_vectors[n][k] is None
    ]
    titles = list(dict.fromkeys(c.title[:EMBED_CHARS] for c in chunks if c.title))
    extra = sentence_embedder.embed([text for *_, text in alone] + titles)
    for (n, k, _), vector in zip(alone, extra, strict=False):
        span_vectors[n][k] = vector
    title_vectors = dict(zip(titles, extra[len(alone) :], strict=True))
    stored = []
    for c, found, found_vectors in zip(chunks, sentences, span_vectors, strict=True):
        # every span without a vector got one above; the filter only tells the type checker so
        items = [
            StoredSentence(s.position, s.text, v) for s, v in zip(found, found_vectors, strict=True) if v is not None
        ]
        if c.title:
            items.insert(0, StoredSentence(TITLE_POSITION, c.title, title_vectors[c.title[:EMBED_CHARS]]))
        stored.append(items)
    return vectors, sentence_space, stored


PendingSentences = tuple[list[str], np.ndarray, list[list[StoredSentence]]]


class SentenceIndex:
    """The sentence vectors of stored chunks: written beside the chunks, read by the judge."""

    def __init__(self, store: SentenceStore, embedder: SpanEmbedder) -> None:
        self.store = store
        self.embedder = embedder

    def embed(self, chunks: Sequence[Chunk], embedder: Embedder) -> tuple[np.ndarray, PendingSentences]:
        """The chunks' vectors (for the chunk store) and their sentences, ready for :meth:`add`."""
        vectors, sentence_space, sentences = embed_chunks(chunks, embedder, self.embedder)
        return vectors, ([c.chunk_id for c in chunks], sentence_space, sentences)

    def add(self, pending: PendingSentences) -> None:
        self.store.add(*pending)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        self.store.delete(chunk_ids)

    def for_chunks(self, chunk_ids: Sequence[str]) -> dict[str, list[StoredSentence]]:
        return self.store.for_chunks(chunk_ids)
