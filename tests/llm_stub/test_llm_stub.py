"""The stub speaks OpenAI's wire protocol well enough for the real LangChain clients, failures included."""

from __future__ import annotations

import json
import time

import httpx
import numpy as np
import openai
import pytest
from langchain.chat_models import init_chat_model
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.known_secrets import LLM_API_KEY

from .server import DEFAULT_TEXT, LLMStub, Reply
from .wire import EMBEDDING_DIMENSION, hashed_unit_vector

API_KEY = LLM_API_KEY
QUESTION = [("system", "Answer from the sources."), ("user", "How many vacation days do I get?")]


def chat_model(stub: LLMStub, timeout: float = 5.0, max_retries: int = 0, **kwargs: object) -> ChatOpenAI:
    return ChatOpenAI(
        base_url=stub.base_url,
        api_key=API_KEY,
        model="gpt-4o-mini",
        timeout=timeout,
        max_retries=max_retries,
        **kwargs,
    )


# The wire format itself, read with a plain HTTP client.


def test_chat_completion_has_the_openai_shape(llm_stub: LLMStub) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}]}
    response = httpx.post(f"{llm_stub.base_url}/chat/completions", json=body)

    assert response.status_code == 200
    completion = response.json()
    assert completion["object"] == "chat.completion"
    assert completion["id"].startswith("chatcmpl-")
    assert isinstance(completion["created"], int)
    assert completion["model"] == "gpt-4o-mini"
    assert completion["choices"][0]["message"] == {"role": "assistant", "content": DEFAULT_TEXT}
    assert completion["choices"][0]["finish_reason"] == "stop"
    assert completion["usage"]["prompt_tokens"] == 2
    assert completion["usage"]["total_tokens"] == 2 + completion["usage"]["completion_tokens"]


def test_stream_is_server_sent_events_ending_in_done(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(stream_text=["Twenty", " days."]))
    body = {"model": "gpt-4o-mini", "messages": [], "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", f"{llm_stub.base_url}/chat/completions", json=body) as response:
        assert response.headers["content-type"] == "text/event-stream"
        events = [line.removeprefix("data: ") for line in response.iter_lines() if line]

    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[:-2]] == ["", "Twenty", " days."]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 2


def test_embeddings_accept_strings_and_token_arrays(llm_stub: LLMStub) -> None:
    body = {"model": "text-embedding-3-small", "input": ["vacation policy", [1734, 4947]]}
    data = httpx.post(f"{llm_stub.base_url}/embeddings", json=body).json()["data"]

    vectors = np.array([item["embedding"] for item in data])
    assert vectors.shape == (2, EMBEDDING_DIMENSION)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(vectors[0], hashed_unit_vector("vacation policy"), rtol=1e-6)
    assert not np.allclose(vectors[0], vectors[1])


def test_models_lists_one_model(llm_stub: LLMStub) -> None:
    models = httpx.get(f"{llm_stub.base_url}/models").json()
    assert [model["id"] for model in models["data"]] == ["gpt-4o-mini"]


# The real LangChain clients against the stub.


def test_invoke_returns_the_scripted_text_and_records_the_prompt(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(text="You get 25 days."))

    answer = chat_model(llm_stub).invoke(QUESTION)

    assert answer.content == "You get 25 days."
    (request,) = llm_stub.chat_requests
    assert [m["content"] for m in request.messages] == [
        "Answer from the sources.",
        "How many vacation days do I get?",
    ]
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert llm_stub.where_sent(API_KEY) == []


def test_where_sent_finds_text_in_prompts_even_when_json_escaped(llm_stub: LLMStub) -> None:
    chat_model(llm_stub).invoke("Zoë's address is zoe@example.com")

    assert llm_stub.where_sent("zoe@example.com") == ["POST /v1/chat/completions: body"]
    assert llm_stub.where_sent("Zoë") == ["POST /v1/chat/completions: body"]


def test_replies_are_used_in_order_then_the_responder_answers(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(text="first"), Reply(text="second"))
    llm_stub.responder = lambda body: Reply(text=body["messages"][-1]["content"].upper())
    model = chat_model(llm_stub)

    answers = [model.invoke(text).content for text in ("a", "b", "echo me")]

    assert answers == ["first", "second", "ECHO ME"]


def test_stream_yields_the_chunks_and_usage(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(stream_text=["You get ", "25 ", "days."]))

    chunks = list(chat_model(llm_stub, stream_usage=True).stream(QUESTION))

    assert [c.content for c in chunks if c.content] == ["You get ", "25 ", "days."]
    assert sum(chunks[1:], chunks[0]).usage_metadata["output_tokens"] == 4  # words
    assert llm_stub.chat_requests[0].body["stream_options"] == {"include_usage": True}


def test_a_slow_answer_times_out(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(delay=3))
    started = time.monotonic()

    with pytest.raises(openai.APITimeoutError):
        chat_model(llm_stub, timeout=0.5).invoke(QUESTION)

    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (500, openai.InternalServerError),
        (429, openai.RateLimitError),
        (401, openai.AuthenticationError),
        (400, openai.BadRequestError),
    ],
)
def test_error_statuses_raise_without_retrying(llm_stub: LLMStub, status: int, error: type[Exception]) -> None:
    llm_stub.queue(Reply(status=status))

    with pytest.raises(error) as raised:
        chat_model(llm_stub).invoke(QUESTION)

    assert raised.value.body["message"] == f"Stub error {status}."
    assert len(llm_stub.chat_requests) == 1


def test_rate_limit_sends_retry_after_and_a_retrying_client_gets_through(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(status=429, retry_after=0.1), Reply(text="after the wait"))

    answer = chat_model(llm_stub, max_retries=1).invoke(QUESTION)

    assert answer.content == "after the wait"
    assert len(llm_stub.chat_requests) == 2
    llm_stub.queue(Reply(status=429, error_body={"error": {"message": "slow down", "type": "tokens"}}))
    with pytest.raises(openai.RateLimitError, match="slow down") as raised:
        chat_model(llm_stub).invoke(QUESTION)
    assert raised.value.response.headers["retry-after"] == "1"


def test_garbage_body_raises(llm_stub: LLMStub) -> None:
    model = chat_model(llm_stub)
    llm_stub.queue(Reply(garbage=True), Reply(garbage=True))

    # openai 2.x lets json.JSONDecodeError (a ValueError) escape; a wrapped APIError would also do.
    with pytest.raises((ValueError, openai.APIError)):
        model.invoke(QUESTION)
    with pytest.raises((ValueError, openai.APIError)):
        list(model.stream(QUESTION))


def test_cut_stream_yields_the_partial_answer_then_raises(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(stream_text=["one", " two", " three", " four"], cut_stream_after=2))
    received: list[str] = []

    # openai 2.x lets httpx's RemoteProtocolError through mid-stream; newer clients wrap it.
    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)):
        for chunk in chat_model(llm_stub).stream(QUESTION):
            received.append(chunk.content)

    assert "".join(received) == "one two"


def test_cut_non_streaming_body_raises_a_connection_error(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(cut_stream_after=0))

    with pytest.raises(openai.APIConnectionError):
        chat_model(llm_stub).invoke(QUESTION)


def test_empty_and_refused_answers(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(empty=True), Reply(refusal="I can't help with that."))
    model = chat_model(llm_stub)

    empty, refused = model.invoke(QUESTION), model.invoke(QUESTION)

    assert empty.content == ""
    assert refused.content == ""
    assert refused.additional_kwargs["refusal"] == "I can't help with that."


def test_init_chat_model_reaches_the_stub_with_its_timeout(llm_stub: LLMStub) -> None:
    model = init_chat_model(
        "openai:gpt-4o-mini", base_url=llm_stub.base_url, api_key=API_KEY, timeout=0.5, max_retries=0
    )
    llm_stub.queue(Reply(text="via init_chat_model"), Reply(delay=3))

    assert model.invoke(QUESTION).content == "via init_chat_model"
    assert llm_stub.chat_requests[0].body["model"] == "gpt-4o-mini"
    with pytest.raises(openai.APITimeoutError):
        model.invoke(QUESTION)


def test_openai_embeddings_are_deterministic_unit_vectors(llm_stub: LLMStub) -> None:
    # check_embedding_ctx_length=False sends text; the default would tokenise with tiktoken, whose
    # encoding file is downloaded on first use (no network in tests).
    embedder = OpenAIEmbeddings(
        base_url=llm_stub.base_url,
        api_key=API_KEY,
        model="text-embedding-3-small",
        check_embedding_ctx_length=False,
        max_retries=0,
    )

    documents = embedder.embed_documents(["vacation policy", "expense policy"])
    query = embedder.embed_query("vacation policy")

    assert np.array(documents).shape == (2, EMBEDDING_DIMENSION)
    np.testing.assert_allclose(query, documents[0], rtol=1e-6)
    np.testing.assert_allclose(documents[0], hashed_unit_vector("vacation policy"), rtol=1e-6)
    assert llm_stub.requests[0].body["input"] == ["vacation policy", "expense policy"]


def test_stop_does_not_wait_for_a_delayed_reply() -> None:
    stub = LLMStub().start()
    stub.queue(Reply(delay=30))
    with pytest.raises(openai.APITimeoutError):
        chat_model(stub, timeout=0.3).invoke(QUESTION)

    started = time.monotonic()
    stub.stop()

    assert time.monotonic() - started < 2


def test_a_token_limit_cuts_the_reply_mid_sentence_as_a_real_server_does(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(text="One two three. Four five six seven."), Reply(text="One two three. Four five six seven."))
    limited = chat_model(llm_stub, max_tokens=5)  # words stand in for tokens
    reply = limited.invoke(QUESTION)
    assert reply.content == "One two three. Four five" and reply.response_metadata["finish_reason"] == "length"
    streamed = list(chat_model(llm_stub, max_tokens=5, streaming=True).stream(QUESTION))
    assert "".join(str(c.content) for c in streamed) == "One two three. Four five"
    assert llm_stub.chat_requests[-1].body["max_completion_tokens"] == 5


def test_a_slow_stream_sends_its_chunks_apart(llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(stream_text=["One", " two", " three"], chunk_delay=0.3))
    started = time.monotonic()
    arrivals = [time.monotonic() - started for chunk in chat_model(llm_stub).stream(QUESTION) if chunk.content]
    assert len(arrivals) == 3 and arrivals[2] - arrivals[0] >= 0.5
