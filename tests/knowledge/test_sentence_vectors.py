"""Sentence vectors computed at ingestion (knowledge/sentence_vectors.py): stored beside the chunks,
kept in step with them, and good enough that the judge needs to embed nothing but the question."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from graphs.evidence import HITS_CONSIDERED, judge_evidence
from knowledge.base import KnowledgeBase
from knowledge.embed import default_embedder
from knowledge.sentence_vectors import embed_chunks, sentence_in_context
from knowledge.sentences import split_sentences
from knowledge.store import TITLE_POSITION
from knowledge.types import Chunk
from tests.knowledge.helpers import LEAVE, small_kb_folder, write_docs


class CountingEmbedder:
    """The real embedder, recording what it was asked to embed."""

    def __init__(self) -> None:
        self.inner = default_embedder()
        self.model_id, self.dimension = self.inner.model_id, self.inner.dimension
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def test_every_chunk_gets_its_title_and_sentence_vectors(kb: KnowledgeBase) -> None:
    hits = kb.search("How many vacation days do contractors get?", k=3)
    stored = kb.sentences_of(hits)
    assert set(stored) == {h.chunk_id for h in hits}
    for hit in hits:
        rows = stored[hit.chunk_id]
        assert rows[0].position == TITLE_POSITION and rows[0].text == hit.title
        assert [r.text for r in rows[1:]] == [s.text for s in split_sentences(hit.text)]
        assert all(r.vector.shape == (384,) and abs(float(np.linalg.norm(r.vector)) - 1) < 0.01 for r in rows)


def test_a_sentence_read_in_its_passage_stays_close_to_the_sentence_alone() -> None:
    chunk = Chunk(
        "c1", LEAVE.split("## Vacation\n")[1].split("\n\n")[0], "leave.md", "Leave policy", "Vacation", "hr", "h", 0
    )
    embedder = default_embedder()
    _, _, (rows,) = embed_chunks([chunk], embedder, embedder)
    sentences = split_sentences(chunk.text)
    alone = embedder.embed([sentence_in_context(chunk.title, chunk.section, s) for s in sentences])
    in_passage = np.stack([r.vector for r in rows[1:]])
    similarity = in_passage @ alone.T
    assert np.all(np.diag(similarity) > 0.7)
    assert np.all(np.argmax(similarity, axis=1) == np.arange(len(sentences)))  # each is closest to itself


def test_sentences_past_the_model_window_are_embedded_on_their_own() -> None:
    filler = " ".join(f"Clause {n} of the handbook covers an ordinary topic in plain words." for n in range(40))
    text = filler + " Contractors get 15 vacation days per year."
    chunk = Chunk("c2", text, "long.md", "Handbook", "", "hr", "h", 0)
    embedder = default_embedder()
    _, _, (rows,) = embed_chunks([chunk], embedder, embedder)
    last = rows[-1]
    assert last.text == "Contractors get 15 vacation days per year."
    expected = embedder.embed([sentence_in_context("Handbook", "", split_sentences(text)[-1])])[0]
    assert float(last.vector @ expected) > 0.999


def test_the_judge_embeds_only_the_question_when_sentences_are_stored(kb: KnowledgeBase) -> None:
    question = "How many vacation days do contractors get?"
    hits = kb.search(question, k=5)
    counting = CountingEmbedder()
    judgement = judge_evidence(question, hits, embedder=counting, stored=kb.sentences_of(hits[:HITS_CONSIDERED]))
    assert judgement.sufficient and "15 vacation days" in judgement.evidence[0].sentence
    assert counting.texts == [question]


def test_a_store_without_sentence_vectors_still_answers(kb: KnowledgeBase) -> None:
    question = "How many vacation days do contractors get?"
    hits = kb.search(question, k=5)
    kb.sentences.delete([h.chunk_id for h in hits])  # e.g. chunks stored before sentence vectors existed
    assert kb.sentences_of(hits) == {}
    counting = CountingEmbedder()
    judgement = judge_evidence(question, hits, embedder=counting, stored=kb.sentences_of(hits[:HITS_CONSIDERED]))
    assert judgement.sufficient and "15 vacation days" in judgement.evidence[0].sentence
    assert len(counting.texts) > 1  # the sentences were embedded on the spot


def test_removing_or_changing_a_source_drops_its_sentence_vectors(tmp_path: Path) -> None:
    kb = KnowledgeBase()  # documents of its own, not the shared kb_folder: this test edits one
    assert kb.ingest([str(small_kb_folder(tmp_path))]).ok
    leave = str(tmp_path / "kb" / "leave.md")
    old_ids = kb.store.ids_for_source(leave)
    assert set(kb.sentences.for_chunks(old_ids)) == set(old_ids)
    write_docs(tmp_path / "kb", leave=LEAVE.replace("15 vacation days", "18 vacation days"))
    assert kb.ingest([leave]).count("updated") == 1
    new_ids = kb.store.ids_for_source(leave)
    assert kb.sentences.for_chunks(old_ids).keys() <= set(new_ids)
    assert set(kb.sentences.for_chunks(new_ids)) == set(new_ids)
    assert kb.remove(leave) == len(new_ids)
    assert kb.sentences.for_chunks(new_ids) == {}
