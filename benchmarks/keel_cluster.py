"""Keel instances for the scale-out benchmark: ``keel serve --http`` processes, the CPU each kind of
process uses (read from /proc), and Keel's replies as the Slack emulator receives them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.common import REPO
from bot.ids import HANDOVER_BLOCK
from bot.service import COULD_NOT_ANSWER
from tests.servers import free_port
from tests.slack_emulator import Call, SlackEmulator

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# -- the instances ---------------------------------------------------------------------------------
@dataclass
class Instance:
    """One ``keel serve --http`` process (and its answer worker process)."""

    number: int
    port: int
    log_path: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"

    def errors(self) -> int:
        """ERROR lines (and tracebacks) Keel wrote to its log so far."""
        text = self.log_path.read_text(errors="replace")
        return sum(1 for line in text.splitlines() if " ERROR " in line or line.startswith("Traceback"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # Keel finishes accepted questions, flushes its log
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_instance(number: int, home: Path, answer_processes: int) -> Instance:
    port = free_port()
    log_path = home / f"keel-serve-{number}.log"
    args = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port), "--workers", str(answer_processes)]
    process = subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import app; app()", *args],
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        cwd=REPO,
    )
    return Instance(number, port, log_path, process)


def wait_until_listening(instance: Instance, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if instance.process.poll() is not None:
            sys.exit(f"keel serve exited with {instance.process.returncode}:\n{instance.log_path.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{instance.port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    sys.exit(f"keel serve #{instance.number} did not start listening in {timeout:.0f}s")


# -- CPU and memory accounting ------------------------------------------------------------------------
PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20


@dataclass(frozen=True)
class Usage:
    parent: int
    cpu_s: float  # CPU seconds used so far (user + system)
    rss_mb: float  # resident memory now


def _processes() -> dict[int, Usage]:
    """Every process we can read, from /proc/<pid>/stat."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        found[int(entry.name)] = Usage(int(fields[1]), cpu, int(fields[21]) * PAGE_MB)
    return found


def usage_by_role(roles: dict[int, str]) -> dict[str, dict[str, float]]:
    """CPU seconds, resident memory and process count per role. A process counts under its nearest
    ancestor in ``roles``; the children of a ``keel serve`` are its answer workers (and multiprocessing's
    resource tracker), told apart as "keel answer workers"."""
    table = _processes()
    totals: dict[str, Counter] = {}
    for pid, usage in table.items():
        role, current = None, pid
        while current in table and role is None:
            role = roles.get(current)
            if role is None:
                current = table[current].parent
        if role is None:
            continue
        if role == "keel http" and pid != current:
            role = "keel answer workers"
        totals.setdefault(role, Counter()).update({"cpu_s": usage.cpu_s, "rss_mb": usage.rss_mb, "processes": 1})
    return {role: dict(counts) for role, counts in totals.items()}


def cpu_by_role(roles: dict[int, str]) -> dict[str, float]:
    """CPU seconds used so far per role."""
    return {role: usage["cpu_s"] for role, usage in usage_by_role(roles).items()}


# -- replies ----------------------------------------------------------------------------------------
@dataclass
class Thread:
    first_reply_at: float | None = None
    replies: int = 0  # Keel's reply to the question: the answer (or hand-over notice, refusal, apology)
    announcements: int = 0  # the hand-over's message bringing people in, when the graph handed over
    apologies: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)


def is_handover_announcement(blocks: list[dict] | None) -> bool:
    """A hand-over's announcement carries the hand-over block id; a reply does not."""
    block_ids = [str(b.get("block_id", "")) for b in blocks or [] if isinstance(b, dict)]
    return any(b.startswith(HANDOVER_BLOCK) for b in block_ids)


def message_kind(call: Call) -> str:
    """Is this a hand-over's announcement or a reply?"""
    return "announcement" if is_handover_announcement(call.args.get("blocks")) else "reply"


class ReplyWatcher:
    """Reads the emulator's call journal as it grows; notes each thread's Keel messages."""

    def __init__(self, slack: SlackEmulator) -> None:
        self._journal = slack._api.journal  # the emulator's record of every Web API call
        self._threads: dict[str, Thread] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reply-watcher", daemon=True)
        self._thread.start()

    def expect(self, ts: str) -> Thread:
        with self._lock:
            return self._threads.setdefault(ts, Thread())

    def calls_seen(self) -> int:
        return len(self._journal)

    def _run(self) -> None:
        seen = 0
        while not self._stop.is_set():
            if self._journal.wait_for(lambda _: True, timeout=0.5, after=seen) is None:
                continue
            calls = self._journal.snapshot()
            for call in calls[seen:]:
                if call.method == "chat.postMessage" and call.ok and call.args.get("thread_ts"):
                    self._note(call)
            seen = len(calls)

    def _note(self, call: Call) -> None:
        thread = self.expect(call.args["thread_ts"])
        if message_kind(call) == "announcement":
            thread.announcements += 1
            return
        thread.replies += 1
        if str(call.args.get("text", "")).startswith(COULD_NOT_ANSWER[:40]):
            thread.apologies += 1
        if thread.first_reply_at is None:
            thread.first_reply_at = call.at
            thread.arrived.set()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
