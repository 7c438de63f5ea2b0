"""Test-wide fixtures: every test gets its own data directory; nothing touches a real one."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import get_settings

pytest_plugins = ["tests.llm_stub.fixtures", "tests.slack_emulator.fixtures", "tests.secret_scan"]

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "knowledge" / "samples"


@pytest.fixture(autouse=True)
def keel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "keel-home"
    monkeypatch.setenv("KEEL_HOME", str(home))
    for name in ("KEEL_CHROMA_URL", "KEEL_LLM", "KEEL_LLM_STRONG", "KEEL_POLICY", "KEEL_EMBEDDINGS"):
        monkeypatch.delenv(name, raising=False)
    get_settings(fresh=True)
    yield home
    get_settings(fresh=True)


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        return host in ("localhost", "::1") or host.startswith("127.")
    return isinstance(address, str | bytes)  # unix sockets are local


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Refuse every non-loopback connection; the list records what was attempted."""
    attempts: list[object] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def guarded_connect(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            attempts.append(address)
            raise ConnectionRefusedError(f"test forbids network access to {address!r}")
        return real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: object) -> object:
        if not _is_loopback(address):
            attempts.append(address)
            return 111
        return real_connect_ex(self, address)

    def guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host not in (None, "localhost") and not str(host).startswith("127.") and str(host) != "::1":
            attempts.append(host)
            raise socket.gaierror(f"test forbids resolving {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    return attempts
