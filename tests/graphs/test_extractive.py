"""graphs/extractive.py: short answers quoted from the evidence, every sentence cited."""

from __future__ import annotations

import re

from graphs.evidence import Evidence, Judgement
from graphs.extractive import compose_answer, display_text
from knowledge.types import Hit

LEAVE = Hit(
    chunk_id="leave-0",
    text="Employees get 25 vacation days per year. Contractors get 15 vacation days. Unused days expire.",
    source="people/leave.md",
    title="Leave policy",
    section="Vacation",
    collection="default",
    score=0.9,
    dense_score=0.7,
)
LEAVE_OVERLAP = Hit(**{**LEAVE.__dict__, "chunk_id": "leave-1", "score": 0.5})
HANDBOOK = Hit(
    chunk_id="handbook-3",
    text="Contractors get 15 vacation days. Ask your manager before booking.",
    source="people/handbook.md",
    title="Handbook",
    section="Time off",
    collection="default",
    score=0.6,
    dense_score=0.5,
)


def _judgement(*evidence: Evidence, kind: str = "other") -> Judgement:
    # "other": these tests are about citations and order; for "how many" questions a sentence measuring
    # the asked thing comes first (tests/graphs/test_extractive_answers.py)
    return Judgement(True, 0.9, list(evidence), [], kind)


def test_each_sentence_is_followed_by_its_citation_numbered_in_order_of_first_use():
    judgement = _judgement(
        Evidence(HANDBOOK, "Ask your manager before booking.", 0.80),
        Evidence(LEAVE, "Employees get 25 vacation days per year.", 0.78),
    )
    answer, citations = compose_answer("How many vacation days?", judgement)
    assert answer == "Ask your manager before booking. [1] Employees get 25 vacation days per year. [2]"
    assert [(c.n, c.source, c.chunk_id, c.title, c.section) for c in citations] == [
        (1, "people/handbook.md", "handbook-3", "Handbook", "Time off"),
        (2, "people/leave.md", "leave-0", "Leave policy", "Vacation"),
    ]
    assert citations[1].score == LEAVE.score


def test_every_citation_mark_points_to_a_citation():
    judgement = _judgement(
        Evidence(LEAVE, "Contractors get 15 vacation days.", 0.9),
        Evidence(HANDBOOK, "Ask your manager before booking.", 0.85),
        Evidence(LEAVE, "Employees get 25 vacation days per year.", 0.84),
    )
    answer, citations = compose_answer("vacation?", judgement)
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert marks == {c.n for c in citations} == {1, 2}


def test_sentences_from_one_passage_keep_their_reading_order():
    judgement = _judgement(
        Evidence(LEAVE, "Contractors get 15 vacation days.", 0.9),
        Evidence(LEAVE, "Employees get 25 vacation days per year.", 0.85),
    )
    answer, _ = compose_answer("vacation?", judgement)
    assert answer == "Employees get 25 vacation days per year. [1] Contractors get 15 vacation days. [1]"


def test_a_sentence_found_in_two_documents_cites_both_but_one_document_only_once():
    judgement = _judgement(
        Evidence(LEAVE, "Contractors get 15 vacation days.", 0.9),
        Evidence(LEAVE_OVERLAP, "Contractors get 15 vacation days.", 0.9),  # overlapping chunk, same file
        Evidence(HANDBOOK, "Contractors get 15 vacation days.", 0.88),
    )
    answer, citations = compose_answer("How many days do contractors get?", judgement)
    assert answer == "Contractors get 15 vacation days. [1][2]"
    assert [c.source for c in citations] == ["people/leave.md", "people/handbook.md"]


def test_only_sentences_scoring_close_to_the_best_join_and_at_most_max_sentences():
    judgement = _judgement(
        Evidence(LEAVE, "Contractors get 15 vacation days.", 0.90),
        Evidence(LEAVE, "Employees get 25 vacation days per year.", 0.85),
        Evidence(HANDBOOK, "Ask your manager before booking.", 0.84),
        Evidence(LEAVE, "Unused days expire.", 0.50),  # far below the best
    )
    answer, _ = compose_answer("q", judgement)
    assert "Unused days expire" not in answer
    assert answer.count("[") == 3
    short, citations = compose_answer("q", judgement, max_sentences=1)
    assert short == "Contractors get 15 vacation days. [1]" and len(citations) == 1


def test_the_same_judgement_always_gives_the_same_answer():
    judgement = _judgement(
        Evidence(HANDBOOK, "Ask your manager before booking.", 0.80),
        Evidence(LEAVE, "Employees get 25 vacation days per year.", 0.80),
    )
    assert compose_answer("q", judgement) == compose_answer("q", judgement)


def test_no_evidence_gives_no_answer():
    assert compose_answer("q", Judgement(False, 0.0, [], ["nothing matches"], "other")) == ("", [])


def test_display_text_tidies_tokenised_text():
    tokenised = "The wall ( built in 1961 ) was called `` the wall '' , and it 's gone"
    assert display_text(tokenised) == 'The wall (built in 1961) was called "the wall", and it\'s gone.'
    assert display_text("Is it open?") == "Is it open?"
