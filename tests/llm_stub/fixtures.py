"""The ``llm_stub`` pytest fixture; tests/conftest.py loads this module through ``pytest_plugins``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import LLMStub


@pytest.fixture
def llm_stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[LLMStub]:
    """A fresh stub server per test, so no scripted reply or recorded request leaks between tests."""
    # A proxy from the developer's environment must not capture requests meant for 127.0.0.1.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    with LLMStub() as stub:
        yield stub
