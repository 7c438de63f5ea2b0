"""The LLM path against real small-model behaviour, replayed by the OpenAI-compatible stub on 127.0.0.1
through LangChain's real client and the whole answer graph (guards included): answers with no citation
markers or markers in other styles, the prompt's <source> markup copied back, answers longer than asked,
slow streams past the deadline; weak evidence goes to the model, off-topic evidence does not."""

from __future__ import annotations

import pytest

from config.settings import get_settings
from graphs.agent import Agent
from graphs.drafting import LLM_MIN_CONFIDENCE
from knowledge.base import KnowledgeBase
from tests.llm_stub import LLMStub, Reply, point_llm_at

QUESTION = "How long is parental leave?"
ANSWER = "Parents receive 20 weeks of paid parental leave [1]."
MODEL = "openai:gpt-4o-mini"


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch, llm_stub: LLMStub) -> LLMStub:
    point_llm_at(llm_stub, monkeypatch, timeout=5)
    return llm_stub


def agent_for(kb: KnowledgeBase, **overrides) -> Agent:
    return Agent.from_settings(get_settings(), kb=kb, **overrides)


# -- what small models write -----------------------------------------------------------------------------
SMALL_MODEL_REPLIES = {
    "no-markers": ("Parents receive 20 weeks of paid parental leave.", ANSWER),
    "source-n-in-brackets": ("Parents receive 20 weeks of paid parental leave [Source 1].", ANSWER),
    "parenthesised-number": ("Parents receive 20 weeks of paid parental leave (1).", ANSWER),
    "lenticular-brackets": ("Parents receive 20 weeks of paid parental leave【1】.", ANSWER),
    "lenticular-with-dagger": ("Parents receive 20 weeks of paid parental leave【1†source】.", ANSWER),
    "two-in-one-bracket": (
        "Parents receive 20 weeks of paid parental leave [1, 2].",
        "Parents receive 20 weeks of paid parental leave [1][2].",
    ),
    "adjacent-brackets": (
        "Parents receive 20 weeks of paid parental leave [1][2].",
        "Parents receive 20 weeks of paid parental leave [1][2].",
    ),
    "bare-source-n": (
        "According to Source 1, parents receive 20 weeks of paid parental leave.",
        "According to [1], parents receive 20 weeks of paid parental leave.",
    ),
    "source-markup-copied-back": (
        '<source n="1" title="Leave policy" section="Parental leave">\n'
        "Parents receive 20 weeks of paid parental leave, to be taken within 18 months of the birth.\n</source>",
        "Parents receive 20 weeks of paid parental leave, to be taken within 18 months of the birth [1].",
    ),
}


@pytest.mark.parametrize("behaviour", list(SMALL_MODEL_REPLIES))
def test_what_small_models_write_is_read_as_a_cited_answer(kb, llm, behaviour):
    reply, expected = SMALL_MODEL_REPLIES[behaviour]
    llm.queue(Reply(text=reply))
    result = agent_for(kb).ask(QUESTION)
    assert result.decision == "answered" and not result.fallback, result.reasons
    assert result.model == MODEL and result.route == "llm"
    assert result.answer == expected
    assert "leave.md" in {c.source.rsplit("/", 1)[-1] for c in result.citations}


def test_a_sentence_no_source_supports_is_left_out_and_the_reasons_say_so(kb, llm):
    llm.queue(
        Reply(text="Parents receive 20 weeks of paid parental leave. The office canteen serves free sushi on Fridays.")
    )
    result = agent_for(kb).ask(QUESTION)
    assert result.decision == "answered" and not result.fallback
    assert result.answer == ANSWER
    assert any("no source supports were left out" in r for r in result.reasons)


def test_an_answer_longer_than_asked_is_cut_at_the_token_limit_and_at_a_sentence_end(kb, llm, monkeypatch):
    point_llm_at(llm, monkeypatch, timeout=5, max_tokens=30)
    rambling = (
        "Parents receive 20 weeks of paid parental leave [1]. The leave is to be taken within 18 months of the "
        "birth [1]. After the leave ends, parents may return part time for a while, and many of them ask their "
        "manager about flexible hours before they come back to the office full time."
    )
    llm.queue(Reply(text=rambling))
    result = agent_for(kb).ask(QUESTION)
    body = llm.chat_requests[-1].body
    assert body["max_tokens"] == 30 and body["max_completion_tokens"] == 30  # both names: any OpenAI-like server
    assert result.decision == "answered" and not result.fallback
    assert result.answer == ANSWER + " The leave is to be taken within 18 months of the birth [1]."


def test_every_call_sends_its_token_limit_the_answer_512_and_the_rewrite_96(kb, llm):
    thread = "slack:C1:1700000000.000900"
    llm.queue(Reply(text="Employees get 25 vacation days per calendar year [1]."))
    agent_for(kb).ask("How many vacation days do employees get?", thread_id=thread)
    llm.queue(
        Reply(text="How many vacation days do contractors get?"), Reply(text="Contractors get 15 vacation days [1].")
    )
    agent_for(kb).ask("and for contractors?", thread_id=thread)
    answer, rewrite, second_answer = llm.chat_requests
    assert answer.body["max_completion_tokens"] == answer.body["max_tokens"] == 512
    assert rewrite.body["max_completion_tokens"] == rewrite.body["max_tokens"] == 96
    assert second_answer.body["max_tokens"] == 512


# -- bounded calls ------------------------------------------------------------------------------------------
SLOW = {
    "slow-stream": Reply(text=" ".join(["Parents receive 20 weeks of paid parental leave [1]."] * 4), chunk_delay=0.25),
    "silent-server": Reply(text=ANSWER, delay=8),
}


@pytest.mark.parametrize("slow", list(SLOW))
def test_a_model_slower_than_the_deadline_is_abandoned_and_named(kb, llm, monkeypatch, slow):
    point_llm_at(llm, monkeypatch, timeout=10, deadline=1.5)
    llm.queue(SLOW[slow], SLOW[slow])
    result = agent_for(kb).ask(QUESTION)
    assert result.timings_ms["draft"] < (1.5 + 1.0) * 1000  # the deadline bounds the whole call
    assert result.decision == "answered" and result.fallback
    assert result.model == "extractive" and result.route == "llm-fallback"
    assert f"the language model ({MODEL}) timed out after 1.5 s; answered from the passages instead" in result.reasons
    assert "did not answer in time, so this answer was put together from the sources" in result.answer


def test_a_slow_follow_up_rewrite_is_abandoned_at_the_deadline(kb, llm, monkeypatch):
    point_llm_at(llm, monkeypatch, timeout=10, deadline=1.5)
    thread = "slack:C1:1700000000.001000"
    llm.queue(Reply(text="Employees get 25 vacation days per calendar year [1]."))
    agent_for(kb).ask("How many vacation days do employees get?", thread_id=thread)
    llm.queue(
        Reply(text="How many vacation days do contractors get?", chunk_delay=1.0),
        Reply(text="Contractors get 15 vacation days [1]."),
    )
    result = agent_for(kb).ask("and for contractors?", thread_id=thread)
    assert result.timings_ms["in_thread"] < (1.5 + 1.0) * 1000
    assert f"thread read without the model: the language model ({MODEL}) timed out after 1.5 s" in result.reasons
    assert result.decision == "answered" and "15" in result.answer


# -- which evidence reaches the model ----------------------------------------------------------------------
WEAK = {"judge_threshold": 0.999}  # every question's evidence is weak for the judge, but on-topic


def test_weak_but_on_topic_evidence_goes_to_the_model_which_answers(kb, llm):
    llm.queue(Reply(text=ANSWER))
    result = agent_for(kb, **WEAK).ask(QUESTION)
    assert result.decision == "answered" and result.route == "llm" and result.answer == ANSWER
    assert any("answered from evidence the judge found weak" in r for r in result.reasons)


def test_weak_evidence_the_model_cannot_answer_from_is_handed_over(kb, llm):
    llm.queue(Reply(text="NO_ANSWER"))
    result = agent_for(kb, **WEAK).ask(QUESTION)
    assert result.decision == "handed_over"
    assert "the model found no answer in the passages" in result.reasons


def test_weak_evidence_is_handed_over_not_answered_from_the_passages_when_the_model_fails(kb, llm):
    llm.queue(Reply(status=500), Reply(status=500))
    result = agent_for(kb, **WEAK).ask(QUESTION)
    assert result.decision == "handed_over" and result.citations == []
    assert any(r.endswith("the passages are too weak to answer from without it") and MODEL in r for r in result.reasons)


def test_off_topic_evidence_skips_the_model(kb, llm):
    result = agent_for(kb).ask("What is the company car policy for sales staff?")
    assert result.decision == "handed_over" and result.confidence < LLM_MIN_CONFIDENCE
    assert llm.chat_requests == []


def test_the_model_floor_is_a_setting(kb, llm, monkeypatch):
    monkeypatch.setenv("KEEL_LLM_MIN_CONFIDENCE", "1.0")
    get_settings(fresh=True)
    result = agent_for(kb, **WEAK).ask(QUESTION)
    assert result.decision == "handed_over" and llm.chat_requests == []
