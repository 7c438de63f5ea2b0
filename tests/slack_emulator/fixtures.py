"""The ``slack_emulator`` pytest fixture; tests/conftest.py loads this module through ``pytest_plugins``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import SlackEmulator


@pytest.fixture
def slack_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[SlackEmulator]:
    """A fresh emulator per test: no message, call or injected failure leaks between tests."""
    # slack_sdk sends through HTTP(S)_PROXY when set and ignores NO_PROXY: 127.0.0.1 must stay direct.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with SlackEmulator() as emulator:
        yield emulator
