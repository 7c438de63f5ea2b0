"""Questions read in their thread, on the bundled sample handbook: follow-ups, ellipsis, topic switches
and chatty turns, with the thread remembered across a process restart (a new Agent on the same
checkpoint file). Real guards, real Chroma and BM25, the real LangGraph runtime and checkpointer."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import get_settings
from graphs.agent import Agent
from graphs.result import TurnResult
from graphs.thread import ellipsis, in_thread, is_fragment, without_preface


def agent_for(kb) -> Agent:
    return Agent.from_settings(get_settings(), kb=kb)


def cited(result: TurnResult) -> set[str]:
    return {Path(c.source).name for c in result.citations}


def test_a_follow_up_leans_on_its_thread_after_a_restart(sample_kb):
    thread = "slack:C1:1700000000.000200"
    first = agent_for(sample_kb).ask("How many vacation days do employees get?", thread_id=thread)
    assert first.decision == "answered" and "25" in first.answer

    follow_up = agent_for(sample_kb).ask("and for contractors?", thread_id=thread)  # a new process
    assert follow_up.decision == "answered", follow_up.reasons
    assert "15 working days" in follow_up.answer
    asked, in_context = follow_up.searched
    assert asked["query"] == "and for contractors?" and asked["weight"] == 0.0  # a fragment is read in place
    assert in_context["query"] == "How many vacation days do contractors get?" and in_context["weight"] == 1.0
    assert follow_up.standalone_question == "How many vacation days do contractors get?"


def test_an_ellipsis_is_read_with_the_previous_question(sample_kb):
    thread = "slack:C1:1700000000.000300"
    agent_for(sample_kb).ask("What is the per diem in London?", thread_id=thread)
    result = agent_for(sample_kb).ask("what about Paris?", thread_id=thread)
    assert result.decision == "answered", result.reasons
    assert "EUR 80" in result.answer
    assert cited(result) == {"per-diems-and-hotel-caps.html"}


def test_an_ellipsis_is_not_answered_from_any_page_naming_its_one_word(sample_kb):
    """ "what about Lisbon?" alone matches every page naming Lisbon; in its thread it asks for Lisbon's payday."""
    thread = "slack:C1:1700000000.000310"
    first = agent_for(sample_kb).ask("When is payday in Toronto?", thread_id=thread)
    assert "15th" in first.answer
    for n, fragment in enumerate(["what about Lisbon?", "and in Lisbon?"]):
        thread = f"slack:C1:1700000000.00031{n + 1}"
        agent_for(sample_kb).ask("When is payday in Toronto?", thread_id=thread)
        result = agent_for(sample_kb).ask(fragment, thread_id=thread)
        assert result.decision == "answered", result.reasons
        assert "25th" in result.answer and cited(result) == {"payroll-calendar.md"}
        assert result.standalone_question == "When is payday in Lisbon?"


def test_a_fragment_that_changes_the_subject_is_not_glued_to_the_old_one(sample_kb):
    thread = "slack:C1:1700000000.000320"
    agent_for(sample_kb).ask("How much parental leave do employees get?", thread_id=thread)
    result = agent_for(sample_kb).ask("what about the dental plan?", thread_id=thread)
    top = result.retrieved[0]["source"]  # what it is answered from or handed over with: the judge decides which
    assert "benefits" in top and "leave" not in top
    assert result.standalone_question == "what about the dental plan?"


def test_a_topic_switch_is_not_dragged_back_to_the_old_topic(sample_kb):
    thread = "slack:C1:1700000000.000400"
    agent_for(sample_kb).ask("How many vacation days do employees get?", thread_id=thread)
    result = agent_for(sample_kb).ask("ok, different question: how do I reset my password?", thread_id=thread)
    assert Path(result.retrieved[0]["source"]).name == "password-reset.md"
    assert not any("leave" in r["source"] for r in result.retrieved[:3])
    assert "vacation" not in result.standalone_question.lower()
    assert result.searched[0]["query"] == "how do I reset my password?"  # the preface is not searched


def test_a_chatty_follow_up_is_answered_from_the_same_policy(sample_kb):
    thread = "slack:C1:1700000000.000500"
    agent_for(sample_kb).ask("How much parental leave do employees get?", thread_id=thread)
    result = agent_for(sample_kb).ask("thanks! is that all for parental leave?", thread_id=thread)
    assert result.decision == "answered", result.reasons
    assert cited(result) == {"leave-policy.pdf"}
    assert not any("thanks" in reason for reason in result.reasons)


def test_filler_words_are_not_what_the_evidence_must_name(sample_kb):
    vocabulary = sample_kb.vocabulary()
    assert vocabulary.is_filler("heard")  # common in English, never used by the handbook
    assert not vocabulary.is_filler("vacation")  # the handbook's own subject
    assert not vocabulary.is_filler("visas")  # rare: a word the handbook lacks still counts
    result = agent_for(sample_kb).ask("I heard contractors get vacation too, how many days?")
    assert result.decision == "answered", result.reasons
    assert "15 working days" in result.answer
    assert not any("heard" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("question", "previous", "read"),
    [
        (
            "and for contractors?",
            "How many vacation days do I get?",
            "How many vacation days do I get for contractors?",
        ),
        (
            "how do I submit it?",
            "Which tool do I use for expenses?",
            "Which tool do I use for expenses? how do I submit it?",
        ),
        ("what if it fails?", "How do I connect to the VPN?", "How do I connect to the VPN? what if it fails?"),
        ("what about Paris?", "What is the per diem in London?", "What is the per diem in London Paris?"),
    ],
)
def test_the_question_in_its_thread_without_a_similarity(question, previous, read):
    assert in_thread(question, previous) == read


@pytest.mark.parametrize(
    ("question", "previous", "read"),
    [
        ("what about Paris?", "What is the per diem in London?", "What is the per diem in Paris?"),
        (
            "and for contractors?",
            "How many vacation days do employees get?",
            "How many vacation days do contractors get?",
        ),
        ("and the Toronto one?", "Where is the Lisbon office?", "Where is the Toronto office?"),
        ("what about the dental plan?", "How much parental leave do employees get?", None),  # nothing alike
        ("how do I submit it?", "Which tool do I use for expenses?", None),  # a question, not a fragment
    ],
)
def test_an_ellipsis_takes_the_place_of_its_like(sample_kb, question, previous, read):
    assert ellipsis(question, previous, sample_kb.phrase_similarity) == read


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("what about Lisbon?", True),
        ("and for interns?", True),
        ("and how do I apply?", False),
        ("In Lisbon, when?", False),
    ],
)
def test_a_fragment_is_a_lead_with_no_question_of_its_own(question, fragment):
    assert is_fragment(question) is fragment


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("ok, different question: how do I reset my password?", "how do I reset my password?"),
        ("What is the rule: A or B?", "What is the rule: A or B?"),  # a question before the colon stays
        ("Quick question about the VPN: does it work abroad?", "Quick question about the VPN: does it work abroad?"),
    ],
)
def test_a_short_preface_is_not_searched(question, kept):
    assert without_preface(question) == kept
