"""The ``llm_stub`` pytest fixture and :func:`point_llm_at`, which points Keel's settings at it;
tests/conftest.py loads this module through ``pytest_plugins``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import get_settings
from tests.known_secrets import LLM_API_KEY

from .server import LLMStub


@pytest.fixture
def llm_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMStub]:
    """A fresh stub server per test, so no scripted reply or recorded request leaks between tests."""
    # A proxy from the developer's environment must not capture requests meant for 127.0.0.1.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    with LLMStub() as stub:
        yield stub


def point_llm_at(
    stub: LLMStub,
    monkeypatch: pytest.MonkeyPatch,
    timeout: float | None = None,
    *,
    deadline: float | None = None,
    max_tokens: int | None = None,
) -> None:
    """KEEL_LLM through LangChain's real OpenAI client to ``stub`` (``timeout``: KEEL_LLM_TIMEOUT, seconds;
    ``deadline``: KEEL_LLM_DEADLINE; ``max_tokens``: KEEL_LLM_MAX_TOKENS)."""
    monkeypatch.setenv("KEEL_LLM", "openai:gpt-4o-mini")
    monkeypatch.setenv("KEEL_LLM_BASE_URL", stub.base_url)
    monkeypatch.setenv("KEEL_LLM_API_KEY", LLM_API_KEY)
    for name, value in (("TIMEOUT", timeout), ("DEADLINE", deadline), ("MAX_TOKENS", max_tokens)):
        if value is not None:
            monkeypatch.setenv(f"KEEL_LLM_{name}", str(value))
    get_settings(fresh=True)
