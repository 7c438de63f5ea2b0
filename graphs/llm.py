"""Chat models: the only place that builds one. Any LangChain provider by a ``provider:model`` string."""

from __future__ import annotations

from typing import Any

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
    try:
        return init_chat_model(model, model_provider=provider, **kwargs)
    except ImportError as exc:
        extra = PROVIDER_EXTRAS.get(provider, provider)
        raise ModelConfigError(f"The {provider!r} provider needs: pip install 'keel[{extra}]'") from exc
    except ValueError as exc:
        raise ModelConfigError(f"Cannot build chat model {spec!r}: {exc}") from exc


def model_name(model: BaseChatModel | None, spec: str | None) -> str:
    """A stable name for the log: the configured spec, or 'extractive' when no LLM is used."""
    if model is None:
        return "extractive"
    return spec or getattr(model, "model_name", None) or type(model).__name__
