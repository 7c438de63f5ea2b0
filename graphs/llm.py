"""Chat models: the only place that builds one. Any LangChain provider by a ``provider:model`` string."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel


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
        return init_chat_model(model, model_provider=provider, **kwargs)
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
