"""graphs/evidence.py: the judge answers what the knowledge covers and declines what it does not.

Real knowledge bases (Chroma, BM25, the bundled ONNX embedder), no mocks: three documents (``kb``, a copy
per test, tests/conftest.py), and the bundled samples ingested once per session (tests/graphs/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from graphs import evidence_model
from graphs.evidence import Judgement, hits_to_keep, judge_evidence, passages_to_read, search_for_judging
from graphs.extractive import compose_answer
from knowledge.base import KnowledgeBase


def _judge(kb: KnowledgeBase, question: str, **kwargs: object) -> Judgement:
    """As the graph judges: with the sentence vectors stored at ingestion."""
    hits = search_for_judging(kb, question, 5)
    return judge_evidence(question, hits, stored=kb.sentences_of(passages_to_read(question, hits)), **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "question, expected, source",
    [
        ("How many vacation days do contractors get?", "15 vacation days", "leave.md"),
        ("How long is parental leave?", "20 weeks", "leave.md"),
        ("How much can I spend on a team dinner?", "60 EUR", "expenses.md"),
        ("When are expense reports due?", "within 30 days", "expenses.md"),
        ("How do I connect to the VPN?", "Pangolin", "vpn.md"),
    ],
)
def test_a_covered_question_is_answered_from_the_sentence_that_says_it(kb, question, expected, source):
    judgement = _judge(kb, question)
    assert judgement.sufficient, judgement.reasons
    assert expected in judgement.evidence[0].sentence
    answer, citations = compose_answer(question, judgement)
    assert expected in answer and citations[0].source.endswith(source)


@pytest.mark.parametrize(
    "question, missing",
    [
        ("What is the company car policy for sales staff?", "'car'"),
        ("Can I bring my dog to work?", "'dog'"),
        ("Do we get stock options?", "'stock'"),
    ],
)
def test_an_uncovered_question_is_declined_with_reasons_a_person_can_check(kb, question, missing):
    judgement = _judge(kb, question)
    assert not judgement.sufficient
    assert judgement.confidence < 0.3
    assert any(missing in reason for reason in judgement.reasons)
    assert any("too weak" in reason for reason in judgement.reasons)


def test_a_passage_on_the_topic_that_does_not_say_what_was_asked_is_not_enough(tmp_path):
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "rick.md").write_text(
        "# Rick Grimes\n\nRick Grimes is the main character of The Walking Dead comic book. He is a former "
        "police officer who leads a group of survivors. Rick quickly adapts to killing walkers but keeps "
        "his morality towards the living.\n"
    )
    kb = KnowledgeBase()
    assert kb.ingest([str(folder)]).ok
    about = _judge(kb, "Who is Rick Grimes?")
    when = _judge(kb, "When does Rick Grimes die in the comic book?")
    assert about.sufficient
    assert when.confidence < about.confidence
    assert any("none says when" in reason for reason in when.reasons)


def test_no_hits_means_nothing_to_answer_from():
    judgement = judge_evidence("How many vacation days do I get?", [])
    assert judgement == Judgement(False, 0.0, [], ["nothing in the knowledge base matches the question"], "number")


def test_evidence_is_best_first_and_confidence_is_a_probability(kb):
    judgement = _judge(kb, "How many vacation days do employees get?")
    scores = [e.score for e in judgement.evidence]
    assert scores == sorted(scores, reverse=True)
    assert 0.0 <= judgement.confidence <= 1.0
    assert judgement.question_type == "number"
    assert all(e.hit.chunk_id and e.sentence for e in judgement.evidence)


def test_the_threshold_can_be_overridden(kb):
    question = "How many vacation days do employees get?"
    default = _judge(kb, question)
    assert default.sufficient == (default.confidence >= evidence_model.THRESHOLD)
    assert not _judge(kb, question, threshold=1.01).sufficient
    assert _judge(kb, "Can I bring my dog to work?", threshold=0.0).sufficient


def test_the_judge_is_deterministic(kb):
    question = "How long is parental leave?"
    assert _judge(kb, question) == _judge(kb, question)


# -- the bundled sample knowledge ----------------------------------------------------------------------
SAMPLE_QUESTIONS = [
    ("How many vacation days do I get?", "leave-policy", "25"),
    ("How many sick days do I get?", "leave-policy", "10"),
    ("How long is parental leave?", "leave-policy", "20 weeks"),
    ("What is the meal allowance in Lisbon?", "benefits-lisbon", "10.20"),
    ("Do I need the VPN for Slack?", "vpn", "VPN"),
    pytest.param(
        "What is the deadline for submitting expenses?",
        "expense",
        "30",
        marks=pytest.mark.xfail(strict=True, reason="judged 0.4995 since the refit across data sets (issue 15)"),
    ),
    ("What does my buddy do in the first week?", "buddy-programme", ""),
    ("What should I do if my corporate card is stolen?", "corporate-card", ""),
    # a row of an HTML rates table, in a chunk retrieval ranks below two passages about per diems in general
    ("What is the per diem in London?", "per-diems-and-hotel-caps", "GBP 70"),
    ("What is the per diem in Montreal?", "per-diems-and-hotel-caps", "CAD 95"),
    # the top passage names Toronto in passing ("CAD in Toronto"); the row about Toronto is read and chosen
    ("What is the per diem for a trip to Toronto?", "per-diems-and-hotel-caps", "CAD 100"),
    ("What is the hotel cap in Berlin?", "per-diems-and-hotel-caps", "EUR 180"),
    # the rates table ranks 8th: found by looking deeper for the one term no top passage names
    ("How much per diem do I get in Boston?", "per-diems-and-hotel-caps", "USD 95"),
    ("How much can I spend on hotels in New York?", "per-diems-and-hotel-caps", "USD 340"),
]
ABSENT_TOPICS = [
    "Do employees get stock options?",
    "Is there a company car for employees?",
    "Can I bring my pet to the office?",
    "Does the company sponsor work visas?",
    "What is on the cafeteria menu today?",
]


@pytest.mark.parametrize("question, document, fact", SAMPLE_QUESTIONS)
def test_sample_questions_are_answered_citing_the_right_document(sample_kb, question, document, fact):
    judgement = _judge(sample_kb, question)
    assert judgement.sufficient, (judgement.confidence, judgement.reasons)
    answer, citations = compose_answer(question, judgement)
    assert Path(citations[0].source).stem.startswith(document), citations
    assert fact in answer


@pytest.mark.parametrize("question", ABSENT_TOPICS)
def test_questions_about_topics_the_samples_do_not_cover_are_declined(sample_kb, question):
    judgement = _judge(sample_kb, question)
    assert not judgement.sufficient, judgement.evidence[:1]
    assert judgement.reasons


def test_a_lower_passage_is_read_when_it_alone_names_a_key_term_of_the_question(sample_kb):
    question = "What is the per diem in London?"
    hits = sample_kb.search(question, k=5)
    read = passages_to_read(question, hits)
    assert not any("London" in hit.text for hit in hits[:2])  # else this test proves nothing
    assert len(read) == 3 and "London" in read[-1].text
    covered = "How many vacation days do I get?"
    top = sample_kb.search(covered, k=5)
    assert passages_to_read(covered, top) == top[:2]  # the top two name every key term: nothing more is read


def test_the_row_about_what_is_asked_answers_on_its_own(sample_kb):
    question = "How much per diem do I get in Boston?"
    judgement = _judge(sample_kb, question)
    answer, citations = compose_answer(question, judgement)
    assert answer.startswith("Destination: New York, San Francisco, Boston; Per diem per day: USD 95")
    assert "EUR" not in answer and len(citations) == 1  # not the Paris worked example that scored near it


def test_retrieval_looks_deeper_for_a_term_no_top_passage_names(sample_kb):
    question = "How much per diem do I get in Boston?"
    found = sample_kb.search(question, k=10)
    assert not any("Boston" in hit.text for hit in found[:5])  # else this test proves nothing
    kept = hits_to_keep(question, found, 5)
    assert kept[:5] == found[:5] and len(kept) == 6 and "Boston" in kept[5].text
    assert hits_to_keep("How many vacation days do I get?", found, 5) == found[:5]


def test_a_row_about_a_term_is_read_when_the_top_passages_name_it_only_in_passing(sample_kb):
    question = "What is the per diem for a trip to Toronto?"
    hits = search_for_judging(sample_kb, question, 5)
    read = passages_to_read(question, hits)
    assert "Toronto" in read[0].text and not any("| Toronto" in hit.text for hit in read[:2])
    assert len(read) == 3 and "| Toronto" in read[2].text
