"""A pytest plugin: the tokens and keys the suite hands Keel (tests/known_secrets.py) must never turn up
anywhere Keel writes or says things. After the run it fails the session (exit code 1), listing where
each one was found, if any of them appears in:

- any file left under pytest's basetemp, read as bytes: Keel's SQLite log and checkpoints (with their
  -wal files), Chroma, uploads, anything a test or a subprocess wrote;
- any log record (whatever its level reaches the root logger) and any test's captured log, stdout and
  stderr, including a failing test's report;
- what Keel sent to the Slack emulator (message text and blocks, ephemerals, views, response_url
  posts: every call's arguments, the token travelling in its own header) and to the LLM stub (everything
  but the Authorization header, where the API key belongs).

One exception is reported without failing the run: Chroma's embedded HNSW files (``data_level0.bin``
and its siblings). hnswlib writes its whole allocated block to disk, unused slots included, and those
hold whatever bytes the allocator handed back: a full run once found a Slack request (with its token)
that the in-process Slack emulator had parsed. That is a third-party behaviour Keel cannot prevent,
only make unlikely (knowledge/memory.py asks glibc to overwrite freed memory); it is listed as a
warning so that it stays visible without making the suite fail at random (docs/reliability.md).

The report names the secret and the place, never the value. Registered in tests/conftest.py
(``pytest_plugins``); tests/security/test_secret_scan.py proves it catches a planted secret.
Files are only there to scan if pytest keeps them: the default ``tmp_path_retention_policy = "all"``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.known_secrets import KNOWN_SECRETS

CHUNK = 1 << 20
HNSW_FILES = frozenset({"data_level0.bin", "link_lists.bin", "header.bin", "length.bin"})


class SecretScan:
    def __init__(self, secrets: dict[str, str]) -> None:
        self.secrets = {name: value.encode() for name, value in secrets.items()}
        self.found: list[str] = []
        self.warnings: list[str] = []  # found in Chroma's HNSW files: stale memory, see the module's docstring
        self.current = "(outside any test)"

    def check(self, where: str, content: str | bytes) -> None:
        data = content.encode("utf-8", "replace") if isinstance(content, str) else content
        for name, value in self.secrets.items():
            if value in data:
                self.found.append(f"{name} in {where}")

    def check_file(self, path: Path) -> None:
        overlap = max(len(v) for v in self.secrets.values()) - 1
        tail = b""
        names = set()
        with path.open("rb") as handle:
            while piece := handle.read(CHUNK):
                window = tail + piece
                names |= {name for name, value in self.secrets.items() if value in window}
                tail = window[-overlap:]
        found = [f"{name} in file {path}" for name in sorted(names)]
        if path.name in HNSW_FILES:
            self.warnings += found
        else:
            self.found += found

    def check_emulator(self, emulator: Any) -> None:
        said = [call.args for call in emulator.calls()] + [call.args for call in emulator.responses()]
        self.check(f"what Keel sent to Slack in {self.current}", json.dumps(said, default=str))

    def check_llm_stub(self, stub: Any) -> None:
        for name, value in self.secrets.items():
            for place in stub.where_sent(value.decode()):
                self.found.append(f"{name} in a request to the LLM in {self.current} ({place})")


class _LogWatcher(logging.Handler):
    """Sees every record that reaches the root logger, from any thread, at emit time."""

    def __init__(self, scan: SecretScan) -> None:
        super().__init__(logging.NOTSET)
        self.scan = scan

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
            if record.exc_info:
                text += logging.Formatter().formatException(record.exc_info)
        except Exception:  # a record that cannot be formatted cannot leak either
            return
        self.scan.check(f"a log record of {record.name} in {self.scan.current}", text)


_scan = SecretScan(KNOWN_SECRETS)
_watcher = _LogWatcher(_scan)


def pytest_configure(config: pytest.Config) -> None:
    logging.getLogger().addHandler(_watcher)
    _watch_fakes()


def pytest_unconfigure(config: pytest.Config) -> None:
    logging.getLogger().removeHandler(_watcher)


def _watch_fakes() -> None:
    """Scan what the Slack emulator and the LLM stub received when each one stops."""
    from tests.llm_stub.server import LLMStub
    from tests.slack_emulator.server import SlackEmulator

    for fake, check in ((SlackEmulator, _scan.check_emulator), (LLMStub, _scan.check_llm_stub)):
        if getattr(fake.stop, "_secret_scan", False):
            continue
        original = fake.stop

        def stop(self: Any, _original: Any = original, _check: Any = check) -> None:
            _check(self)
            _original(self)

        stop._secret_scan = True  # type: ignore[attr-defined]
        fake.stop = stop  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _scan.current = item.nodeid


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        _scan.check(f"{report.nodeid}: {title}", content)
    if report.failed:
        _scan.check(f"{report.nodeid}: the failure report", report.longreprtext)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    factory = getattr(session.config, "_tmp_path_factory", None)
    basetemp = getattr(factory, "_basetemp", None)
    if basetemp is not None:
        for path in _files(Path(basetemp)):
            try:
                _scan.check_file(path)
            except OSError:
                continue  # vanished or unreadable (a socket, a file a subprocess still holds)
    if _scan.found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _scan.warnings:
        terminalreporter.section("secret scan: stale memory in Chroma's HNSW files (warning)", yellow=True)
        for finding in dict.fromkeys(_scan.warnings):
            terminalreporter.write_line(finding)
    if not _scan.found:
        return
    terminalreporter.section("secret scan: known test secrets found", red=True, bold=True)
    for finding in dict.fromkeys(_scan.found):
        terminalreporter.write_line(finding)


def _files(root: Path) -> Iterator[Path]:
    for folder, _, names in os.walk(root, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path
