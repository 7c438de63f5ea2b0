"""Chat models: the only place that builds one or calls one. Any LangChain provider by a ``provider:model``
string; every call is bounded (a token limit and a deadline for the whole call, :func:`call_within`)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage, BaseMessageChunk
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult


class ModelConfigError(ValueError):
    """The configured chat model cannot be built (unknown provider, missing extra...)."""


PROVIDER_EXTRAS = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama"}


def load_chat_model(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 30.0,
    max_retries: int = 1,
    streaming: bool = True,
) -> BaseChatModel:
    """Build a chat model from ``provider:model`` (e.g. ``openai:gpt-4o-mini``) with LangChain's
    ``init_chat_model``; the provider package is imported lazily, so only installed extras are needed."""
    from langchain.chat_models import init_chat_model

    provider, sep, model = spec.partition(":")
    if not sep or not provider or not model:
        raise ModelConfigError(f"KEEL_LLM must look like 'provider:model' (e.g. openai:gpt-4o-mini), got {spec!r}.")
    kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": max_retries, "temperature": 0}
    if streaming:
        kwargs["streaming"] = True
    if base_url:
        kwargs["base_url"] = base_url
    if api_key:
        kwargs["api_key"] = api_key
    if provider == "openai":
        kwargs["http_client"] = _no_long_retry_waits(timeout)
    try:
        return init_chat_model(model, model_provider=provider, configurable_fields=None, **kwargs)
    except ImportError as exc:
        extra = PROVIDER_EXTRAS.get(provider, provider)
        raise ModelConfigError(f"The {provider!r} provider needs: pip install 'keel[{extra}]'") from exc
    except ValueError as exc:
        raise ModelConfigError(f"Cannot build chat model {spec!r}: {exc}") from exc


def _no_long_retry_waits(timeout: float) -> httpx.Client:
    """An HTTP client for the OpenAI SDK that does not wait out a Retry-After longer than ``timeout``.

    The SDK sleeps for a 429's (or 503's) Retry-After, up to two minutes, before its retry, while the asker
    watches 👀 with no answer; Keel would rather answer from the sources now. Such a response is marked not
    to be retried (the SDK obeys ``x-should-retry: false``), so the error surfaces at once and the graph
    falls back. A short Retry-After is still waited out and retried.
    """
    import openai

    def refuse_long_waits(response: httpx.Response) -> None:
        wait = retry_after_seconds(response.headers)
        if wait is not None and wait > timeout:
            response.headers["x-should-retry"] = "false"

    return openai.DefaultHttpxClient(event_hooks={"response": [refuse_long_waits]})


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """How long a vendor asks the client to wait (``retry-after-ms``, or ``retry-after`` in seconds or as an
    HTTP date); None when it does not say."""
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
    except (TypeError, ValueError):
        return None


def model_name(model: BaseChatModel | None, spec: str | None) -> str:
    """A stable name for the log: the configured spec, or 'extractive' when no LLM is used."""
    if model is None:
        return "extractive"
    return spec or getattr(model, "model_name", None) or type(model).__name__


@dataclass(frozen=True)
class CallLimits:
    """Bounds on each model call (KEEL_LLM_MAX_TOKENS, KEEL_LLM_REWRITE_MAX_TOKENS, KEEL_LLM_DEADLINE)."""

    max_tokens: int = 512  # an answer: the prompt asks for at most 4 sentences (~150 tokens)
    rewrite_max_tokens: int = 96  # a follow-up rewritten as one standalone question
    deadline: float = 20.0  # seconds for the whole call, first byte to last token


class DeadlinePassed(Exception):
    """The model was still writing (or had not started) when the call's deadline passed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete reply within {seconds:g} s")
        self.seconds = seconds


def with_token_limit(model: BaseChatModel, max_tokens: int) -> BaseChatModel:
    """A copy of ``model`` that writes at most ``max_tokens`` tokens (the provider's own field: ``max_tokens``,
    or Ollama's ``num_predict``); the copy shares the model's HTTP client.

    ChatOpenAI sends the limit as ``max_completion_tokens`` (OpenAI's current name). Servers that only
    speak the older name (llama.cpp, some vLLM and Ollama versions) would ignore it, so for a custom
    ``KEEL_LLM_BASE_URL`` the body carries ``max_tokens`` as well."""
    fields = type(model).model_fields
    name = "max_tokens" if "max_tokens" in fields else "num_predict" if "num_predict" in fields else None
    if name is None:
        return model
    update: dict[str, Any] = {name: max_tokens}
    if "extra_body" in fields and getattr(model, "openai_api_base", None):
        update["extra_body"] = {**(getattr(model, "extra_body", None) or {}), "max_tokens": max_tokens}
    return model.model_copy(update=update)


def call_within(model: BaseChatModel, messages: Sequence[BaseMessage], deadline: float) -> AIMessageChunk:
    """The model's whole reply, streamed; raises :class:`DeadlinePassed` when it is not complete within
    ``deadline`` seconds, and whatever the provider raised when the call failed.

    A client's timeout bounds each wait for a byte, not the call: a slow server that keeps sending
    tokens is never cut off. So the HTTP call runs in a worker thread and this thread waits for its
    chunks, at most until the deadline; then it gives up (the worker stops at its next chunk and closes
    the connection). The chunks are replayed here through :class:`_Replay`, so LangGraph's "messages"
    stream and tracing see the tokens in the caller's own run, and none arrives after the deadline."""
    reply = AIMessageChunk(content="")
    for chunk in _Replay(chunks=_read_in_worker(model, messages, deadline)).stream(list(messages)):
        reply = reply + chunk
    return reply


def _read_in_worker(model: BaseChatModel, messages: Sequence[BaseMessage], deadline: float) -> Iterator[AIMessageChunk]:
    inbox: queue.Queue[tuple[str, Any]] = queue.Queue()
    abandoned = threading.Event()

    def read() -> None:  # a fresh thread: no caller callbacks, so nothing it reads leaks into the run
        try:
            for chunk in model.stream(list(messages)):
                if abandoned.is_set():
                    return  # leaving the stream closes the HTTP response
                inbox.put(("chunk", chunk))
            inbox.put(("end", None))
        except Exception as exc:  # handed to the caller's thread, which raises it
            inbox.put(("error", exc))

    threading.Thread(target=read, name="keel-llm-call", daemon=True).start()
    ends = time.monotonic() + deadline
    try:
        while True:
            try:
                kind, value = inbox.get(timeout=max(0.0, ends - time.monotonic()))
            except queue.Empty:
                raise DeadlinePassed(deadline) from None
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        abandoned.set()


class _Replay(BaseChatModel):
    """Chunks read elsewhere, replayed as this chat model's stream (see :func:`call_within`)."""

    chunks: Any = None  # an iterator of AIMessageChunk

    @property
    def _llm_type(self) -> str:
        return "keel-replay"

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self.chunks:
            yield ChatGenerationChunk(message=chunk)

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        reply: BaseMessageChunk = AIMessageChunk(content="")
        for generation in self._stream(messages):
            reply = reply + generation.message
        return ChatResult(generations=[ChatGeneration(message=reply)])
