"""Test-wide fixtures: every test gets its own data directory; nothing touches a real one. Also the
shared small knowledge base (``kb``) and the rule that sorts tests into the fast lane."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import CodeType, ModuleType
from typing import TYPE_CHECKING

import pytest

from config.settings import Settings, get_settings
from tests.knowledge.helpers import small_kb_folder

if TYPE_CHECKING:
    from knowledge.base import KnowledgeBase

pytest_plugins = ["tests.llm_stub.fixtures", "tests.slack_emulator.fixtures", "tests.secret_scan"]

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "knowledge" / "samples"


# -- the fast lane (`bash scripts/test.sh --fast` runs `-m "not slow"`) ---------------------------------
# A test is slow for what it needs, not for being listed. Each rule below says why; docs/testing.md
# has the timings. Everything else is a unit test with fakes only at the Slack and LLM edge.
SLOW_FOLDERS = {
    # fault injection, retry storms, payload fuzzing: the whole app end to end, often with processes
    "reliability": "the reliability suites",
    # attacks end to end: strace and network namespaces, `keel` subprocesses, nested pytest runs
    "security": "the security suites",
}
SLOW_FIXTURES = {
    "sample_kb": "ingests all of knowledge/samples (20-60 s)",
    # a Bolt app, answer pool, log writer and hand-over monitor per test, every question through the whole
    # graph and the emulator over HTTP: about 0.5 s a test, 90 tests
    "start_keel": "the whole Keel app serving HTTP",
    # many cases wait out real deadlines, timeouts and slow streams
    "llm_stub": "LangChain's real OpenAI client against the stub server",
}
SLOW_MARKERS = {
    "server": "starts a server process (`chroma run`, `keel serve`)",
}
SLOW_NAMES = {
    # zip bombs, memory budgets, servers that drip: each case waits for a limit to trip
    "hostile": "hostile files and servers",
}
# What a test's code (or a fixture's, or a function of its module they call) does:
# - a new Python process imports Keel and loads its models again (2-10 s): the names of these modules,
#   or a helper from PROCESS_HELPERS, mean it starts processes;
# - ingesting embeds every chunk (a second or more): a test that ingests itself (``.ingest(`` or
#   `keel ingest`) is slow; one that only needs a knowledge base takes ``kb``, a copy made in milliseconds.
PROCESS_TOOLS = frozenset({"subprocess", "multiprocessing", "pty"})
PROCESS_HELPERS = {
    "tests.offline_guard": "a fresh process with its sockets audited",
    "tests.bot.cli.terminal": "keel chat in a pseudo-terminal",
    "benchmarks.log_capacity": "spawned log writers",
    "knowledge.sandbox": "the conversion worker process",
}
INGESTS = "ingests documents itself (embeds every chunk)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: left out of the fast lane (tests/conftest.py says why)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        reason = slow_reason(item)
        if reason:
            item.add_marker(pytest.mark.slow(reason=reason))


def slow_reason(item: pytest.Item) -> str | None:
    """Why ``item`` is left out of the fast lane, or None if it belongs in it."""
    parts = item.path.relative_to(REPO / "tests").parts
    if parts[0] in SLOW_FOLDERS:
        return SLOW_FOLDERS[parts[0]]
    for word, reason in SLOW_NAMES.items():
        if word in item.path.stem:
            return reason
    fixtures = getattr(item, "fixturenames", ())
    for name in fixtures:
        if name in SLOW_FIXTURES:
            return SLOW_FIXTURES[name]
    for marker in item.iter_markers():
        if marker.name in SLOW_MARKERS:
            return SLOW_MARKERS[marker.name]
    definitions = getattr(getattr(item, "_fixtureinfo", None), "name2fixturedefs", {})
    # session fixtures are paid once (kb_template ingests, for everyone), so only the others count
    fixture_functions = [defs[-1].func for defs in definitions.values() if defs and defs[-1].scope != "session"]
    functions = [getattr(item, "function", None), *fixture_functions]
    for function in functions:
        found = _what_code_does(function, set())
        if found:
            return found
    return None


def _what_code_does(function: object, seen: set[object]) -> str | None:
    """Why ``function``'s code is slow (processes, ingestion), following the functions of its own module."""
    code, module = getattr(function, "__code__", None), sys.modules.get(getattr(function, "__module__", ""))
    if code is None or module is None or function in seen:
        return None
    seen.add(function)
    names, strings = _names(code)
    if "ingest" in names or "ingest" in strings:
        return INGESTS
    for name in names:
        value = vars(module).get(name)
        if isinstance(value, ModuleType) and value.__name__.split(".")[0] in PROCESS_TOOLS:
            return f"starts Python processes ({value.__name__})"
        origin = getattr(value, "__module__", None)
        if origin in PROCESS_HELPERS:
            return f"starts Python processes ({PROCESS_HELPERS[origin]})"
        if origin == module.__name__:
            found = _what_code_does(value, seen)
            if found:
                return found
    return None


def _names(code: CodeType) -> tuple[set[str], set[str]]:
    """The names (globals and attributes) and the string constants a function's code uses, with those of
    its nested functions and comprehensions."""
    names, strings = set(code.co_names), set()
    for constant in code.co_consts:
        if isinstance(constant, CodeType):
            inner_names, inner_strings = _names(constant)
            names |= inner_names
            strings |= inner_strings
        elif isinstance(constant, str):
            strings.add(constant)
    return names, strings


# -- every test's own data directory ---------------------------------------------------------------------
@pytest.fixture(autouse=True)
def keel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "keel-home"
    monkeypatch.setenv("KEEL_HOME", str(home))
    for name in ("KEEL_CHROMA_URL", "KEEL_LLM", "KEEL_LLM_STRONG", "KEEL_POLICY", "KEEL_EMBEDDINGS"):
        monkeypatch.delenv(name, raising=False)
    get_settings(fresh=True)
    yield home
    get_settings(fresh=True)
    _stop_chroma_under(tmp_path)


def _stop_chroma_under(folder: Path) -> None:
    """Stop the embedded Chroma stores a test opened under its own folder. chromadb keeps one store per
    path for the life of the process and Keel never closes its clients (a server keeps them until it
    exits), so every test's store kept its SQLite file, index files and runtime open: about 8 descriptors
    a test, 1,780 over tests/bot. Stores elsewhere (the session's sample_kb and kb_template) stay open."""
    shared = sys.modules.get("chromadb.api.shared_system_client")
    if shared is None:  # chromadb never imported: nothing to stop
        return
    client = shared.SharedSystemClient
    prefix = str(folder)
    for identifier in [i for i in client._identifier_to_system if i.startswith(prefix)]:
        system = client._identifier_to_system.pop(identifier)
        client._identifier_to_refcount.pop(identifier, None)
        system.stop()


# -- one small knowledge base, embedded once per session -------------------------------------------------
@pytest.fixture(scope="session")
def kb_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/knowledge/helpers.py's three documents; read-only (every ``kb`` stores these paths)."""
    return small_kb_folder(tmp_path_factory.mktemp("kb-docs"))


@pytest.fixture(scope="session")
def kb_template(kb_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A KEEL_HOME holding ``kb_folder`` ingested (Chroma, sentence vectors, BM25). Embedding takes
    seconds; copying the files takes milliseconds, so it is done once and copied for each test."""
    from graphs.context import knowledge_base

    home = tmp_path_factory.mktemp("kb-template")
    default = Settings.model_fields["embeddings"].default  # as the per-test settings: KEEL_EMBEDDINGS unset
    base = knowledge_base(Settings(home=home, chroma_url=None, embeddings=default))
    report = base.ingest([str(kb_folder)])
    assert report.ok, report.failed
    base.store.client.close()  # flushes and releases the store before its files are copied
    _stop_chroma_under(home)
    return home


@pytest.fixture
def kb(kb_template: Path, keel_home: Path) -> KnowledgeBase:
    """``kb_folder`` in this test's KEEL_HOME, as `keel serve` builds the knowledge base (with the
    ingest-time injection scan). A private copy: a test that ingests or removes changes no other test's.
    Chroma keys its stores by path, so the copy is a store of its own."""
    from graphs.context import knowledge_base

    shutil.copytree(kb_template, keel_home, dirs_exist_ok=True)
    return knowledge_base(get_settings())


# -- no network ------------------------------------------------------------------------------------------
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
