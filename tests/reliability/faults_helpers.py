"""Shared pieces of the fault suite (tests/reliability/test_faults_*.py): asking Keel in Slack, reading the
log back, and the faults themselves (a lock on the log held by another process, a proxy in front of the
Chroma server that stalls or refuses, ``keel serve`` as a real process that can be killed)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, HELP, Running
from tests.known_secrets import LLM_API_KEY

FALLBACK_MARK = "put together from the sources"  # the line a fallback answer ends with (graphs.graph)
API_KEY = LLM_API_KEY


def ask(keel: Running, question: str, *, user: str = ALICE, channel: str = HELP) -> str:
    """Mention Keel with ``question`` and wait until it has finished; returns the thread's ts."""
    mention = keel.emulator.payloads.event_app_mention(question, user, channel)
    keel.post(mention)
    keel.settle()
    return mention["event"]["ts"]


def log_rows(table: str, where: str = "1", args: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a table of the SQLite log, as a person would read them with any SQLite tool."""
    db = open_db(get_settings().log_path)
    try:
        return list(db[table].rows_where(where, args or []))
    finally:
        db.close()


def reactions_on(keel: Running, channel: str, ts: str) -> set[str]:
    (message,) = [m for m in keel.emulator.messages(channel) if m["ts"] == ts]
    return {r["name"] for r in message.get("reactions", [])}


def wait_until(condition: Any, timeout: float, what: str, every: float = 0.05) -> Any:
    """Poll ``condition()`` until it returns something truthy (returned) or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


# -- a lock on the log, held by another process ----------------------------------------------------------
_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
print("released", flush=True)
"""


class LockHolder:
    """Another process that takes the write lock on a SQLite file (``BEGIN EXCLUSIVE``) for ``seconds``."""

    def __init__(self, path: Path, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        self.locked_at = self.released_at = 0.0
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> LockHolder:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, str(self.path), str(self.seconds)], stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        assert self._proc.stdout.readline().strip() == "locked", "the other process could not lock the log"
        self.locked_at = time.monotonic()
        return self

    def wait_released(self, timeout: float = 30) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        assert self._proc.stdout.readline().strip() == "released"
        self.released_at = time.monotonic()
        self._proc.wait(timeout)

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


# -- a slow network in front of a server --------------------------------------------------------------
class StallingProxy:
    """A TCP proxy on 127.0.0.1 in front of ``target_port`` that passes bytes through until told otherwise.

    Stalled, it accepts connections and requests but forwards nothing, the way an overloaded server or a
    black-holed network looks to a client; after ``cut_after`` seconds of stalling it drops the connection
    (so a client with no timeout of its own still comes back, and the test ends). With ``drop_marker``
    set, a request whose bytes contain it (e.g. ``b"/upsert "``) loses its connection: the server vanished
    in the middle of that call."""

    def __init__(self, target_port: int, cut_after: float = 8.0) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.drop_marker: bytes | None = None
        self.dropped = 0
        self._passing = threading.Event()
        self._passing.set()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, name="stalling-proxy", daemon=True).start()

    def stall(self) -> None:
        self._passing.clear()

    def resume(self) -> None:
        self._passing.set()

    def close(self) -> None:
        self._closed.set()
        self._passing.set()
        with self._lock:
            for sock in [self._listener, *self._sockets]:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self._passing.wait(self.cut_after):
                    break  # stalled for too long: drop the connection
                if self.drop_marker is not None and self.drop_marker in data:
                    self.dropped += 1
                    break
                target.sendall(data)
        except OSError:
            pass
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.close()


# -- keel serve as a real process ---------------------------------------------------------------------
class KeelServe:
    """``keel serve --http`` in its own process group (so a kill takes its worker processes too)."""

    def __init__(self, port: int, log_file: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = port
        self.log_file = log_file  # the process's output (a pipe nobody reads could fill up and block it)
        self.args = args
        self.env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def start(self, timeout: float = 90) -> KeelServe:
        command = [sys.executable, "-c", "from bot.cli import app; app()", "serve", "--http"]
        command += ["--port", str(self.port), "--host", "127.0.0.1", *self.args]
        with self.log_file.open("ab") as out:
            self.proc = subprocess.Popen(
                command, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, self.output
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "keel serve did not start listening"
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group: no handler, no drain, no flush (a crash, an OOM kill)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        """SIGTERM and wait: Keel drains what it accepted, then exits."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        return self.proc.returncode

    def answer_workers(self) -> list[int]:
        """The pids of its answer worker processes (multiprocessing children, not the resource tracker)."""
        assert self.proc is not None
        workers = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                command = (stat.parent / "cmdline").read_bytes()
                if ppid == self.proc.pid and b"spawn_main" in command and b"resource_tracker" not in command:
                    workers.append(int(stat.parent.name))
        return workers

    @property
    def output(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
