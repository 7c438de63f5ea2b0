"""Drafting helpers without a network: citation styles read as [n], cut replies, failures in plain words,
token limits on the provider's own field, and a deadline that bounds the whole call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_openai import ChatOpenAI

from config.settings import Settings
from graphs.context import attribute_lexically, build_context
from graphs.drafting import (
    DraftFailure,
    checkable_answer,
    describe_failure,
    normalise_citations,
    tidy,
    without_cut_sentence,
)
from graphs.llm import CallLimits, DeadlinePassed, call_within, with_token_limit
from tests.known_secrets import LLM_API_KEY

HITS = [
    {"chunk_id": "c1", "source": "leave.md", "text": "Parents receive 20 weeks of paid parental leave."},
    {"chunk_id": "c2", "source": "leave.md", "text": "Employees get 25 vacation days per calendar year."},
    {"chunk_id": "c3", "source": "vpn.md", "text": "Use the Pangolin VPN client with your SSO account."},
]


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("Twenty weeks [1].", "Twenty weeks [1]."),
        ("Twenty weeks [Source 1].", "Twenty weeks [1]."),
        ("Twenty weeks [source: 2].", "Twenty weeks [2]."),
        ("Twenty weeks (Source 1).", "Twenty weeks [1]."),
        ("Twenty weeks (sources 1 and 3).", "Twenty weeks [1][3]."),
        ("Twenty weeks (1).", "Twenty weeks [1]."),
        ("Twenty weeks (1, 2).", "Twenty weeks [1][2]."),
        ("Twenty weeks【1】.", "Twenty weeks [1]."),
        ("Twenty weeks【2†source】.", "Twenty weeks [2]."),
        ("Twenty weeks [1, 2].", "Twenty weeks [1][2]."),
        ("Twenty weeks [1][2].", "Twenty weeks [1][2]."),
        ("Twenty weeks [1] [2].", "Twenty weeks [1][2]."),
        ("Twenty weeks [^1].", "Twenty weeks [1]."),
        ("As Source 2 says, twenty weeks.", "As [2] says, twenty weeks."),
        ("Twenty weeks [7].", "Twenty weeks."),  # names no passage: dropped
        ("Twenty weeks [1, 9].", "Twenty weeks [1]."),
        ('<source n="1" title="Leave">Twenty weeks.</source>', "Twenty weeks."),
        ("<sources>\nTwenty weeks.\n</sources>", "Twenty weeks."),
        ("Steps: (1) open the form, (2) sign it.", "Steps: (1) open the form, (2) sign it."),  # a list, not markers
    ],
)
def test_citation_styles_are_read_as_numbered_markers(written, read):
    assert tidy(normalise_citations(written, sources=3)) == read


def test_uncited_sentences_get_the_source_that_supports_them():
    text = "Parents receive 20 weeks of paid parental leave. You should use the Pangolin VPN client."
    answer = checkable_answer(text, HITS, attribute=attribute_lexically)
    assert answer["answer"] == (
        "Parents receive 20 weeks of paid parental leave [1]. You should use the Pangolin VPN client [3]."
    )
    assert [c["chunk_id"] for c in answer["citations"]] == ["c1", "c3"] and answer["dropped"] == 0


def test_an_answer_no_source_supports_cannot_be_checked():
    with pytest.raises(DraftFailure) as failure:
        checkable_answer("The canteen serves sushi on Fridays. Parking is free.", HITS, attribute=attribute_lexically)
    assert failure.value.kind == "unchecked" and "could not be checked against the sources" in failure.value.reason


def test_a_reply_cut_at_the_token_limit_keeps_its_finished_sentences():
    assert without_cut_sentence("Twenty weeks [1]. It must be taken within eigh") == "Twenty weeks [1]."
    assert without_cut_sentence("Twenty weeks of") == "Twenty weeks of"


def _status_error(status: int) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")
    return openai.APIStatusError("failed", response=httpx.Response(status, request=request), body=None)


@pytest.mark.parametrize(
    ("error", "kind", "said"),
    [
        (DeadlinePassed(20), "timeout", "the language model (openai:m) timed out after 20 s"),
        (openai.APITimeoutError(httpx.Request("POST", "http://127.0.0.1")), "timeout", "timed out"),
        (_status_error(429), "busy", "rate-limited"),
        (_status_error(503), "error", "failed (HTTP 503)"),
        (openai.APIConnectionError(request=httpx.Request("POST", "http://127.0.0.1")), "unreachable", "reached"),
        (ValueError("bad json"), "error", "call failed (ValueError)"),
    ],
)
def test_failures_are_described_naming_the_model(error, kind, said):
    failure = describe_failure(error, "openai:m")
    assert failure.kind == kind and said in failure.reason and "openai:m" in failure.reason


def test_the_token_limit_uses_the_providers_field_and_both_names_for_a_compatible_server():
    official = ChatOpenAI(model="gpt-4o-mini", api_key=LLM_API_KEY)
    compatible = ChatOpenAI(model="qwen2.5", api_key=LLM_API_KEY, base_url="http://127.0.0.1:8080/v1")
    assert with_token_limit(official, 512).max_tokens == 512 and not with_token_limit(official, 512).extra_body
    limited = with_token_limit(compatible, 96)
    assert limited.max_tokens == 96 and limited.extra_body == {"max_tokens": 96}
    assert compatible.max_tokens is None  # a copy: the shared model is not changed
    assert limited.client is compatible.client


class _Trickle(BaseChatModel):
    """A model that writes one word every ``gap`` seconds."""

    words: int = 50
    gap: float = 0.1

    @property
    def _llm_type(self) -> str:
        return "trickle"

    def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Iterator:
        for _ in range(self.words):
            time.sleep(self.gap)
            yield ChatGenerationChunk(message=AIMessageChunk(content="word "))

    def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        raise NotImplementedError


def test_the_deadline_bounds_the_whole_call_not_the_gap_between_tokens():
    started = time.monotonic()
    with pytest.raises(DeadlinePassed):
        call_within(_Trickle(words=50, gap=0.1), [HumanMessage("hi")], deadline=0.5)
    assert time.monotonic() - started < 0.5 + 0.3
    assert call_within(_Trickle(words=3, gap=0.01), [HumanMessage("hi")], deadline=5).content == "word word word "


def test_the_limits_are_settings_with_bounded_defaults(tmp_path, monkeypatch):
    settings = Settings(home=tmp_path)
    assert (settings.llm_max_tokens, settings.llm_rewrite_max_tokens, settings.llm_deadline) == (512, 96, 20.0)
    assert settings.llm_min_confidence is None
    monkeypatch.setenv("KEEL_LLM_DEADLINE", "7.5")
    monkeypatch.setenv("KEEL_LLM_MAX_TOKENS", "300")
    monkeypatch.setenv("KEEL_LLM_MIN_CONFIDENCE", "0.2")
    context = build_context(Settings(home=tmp_path), kb=object())  # type: ignore[arg-type]
    assert context.llm_limits == CallLimits(max_tokens=300, rewrite_max_tokens=96, deadline=7.5)
    assert context.llm_min_confidence == 0.2
