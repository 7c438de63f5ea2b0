"""Convert untrusted bytes in a child process with a time and a memory budget.

A hostile file can make a converter run for minutes or take gigabytes (a DOCX inflating to 95 MB of XML,
deeply nested HTML). In ``keel serve`` conversion runs inside the Slack process, so it happens here
instead: one worker process per ingest run, fed one file at a time over a pipe, its address space capped
with ``RLIMIT_AS`` and each file given a deadline. A worker past its deadline is killed, one that runs out
of memory or dies is replaced, and the file is reported as failed with the reason; the batch goes on.

Run as ``python -m knowledge.sandbox MAX_MEMORY_BYTES DOCX_MAX_BYTES``: the worker's side of the pipe.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from knowledge.converters import Converted, UnreadableContent

logger = logging.getLogger(__name__)
MB = 1024 * 1024
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[1])
_READ_SIZE = 1 << 20
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT", "HOME")


@dataclass(frozen=True)
class Budget:
    """What one file's conversion may use (settings: KEEL_CONVERT_TIMEOUT, KEEL_CONVERT_MAX_MEMORY_MB,
    KEEL_DOCX_MAX_UNPACKED_MB)."""

    timeout_s: float = 60.0
    max_memory_mb: int = 1024
    docx_max_unpacked_mb: float = 100


class ConversionFailed(UnreadableContent):
    """The worker ran out of time or memory, or died; the reason is meant for people."""


class SandboxedConverter:
    """``convert(fmt, data, charset)`` in a worker process; reuses the worker until a file breaks it."""

    def __init__(self, budget: Budget | None = None) -> None:
        self.budget = budget or Budget()
        self._worker: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def __call__(self, fmt: str, data: bytes, charset: str | None) -> Converted:
        with self._lock:
            worker = self._worker or self._start()
            try:
                reply = self._exchange(worker, fmt, data, charset)
            except ConversionFailed:
                self._stop()  # a garbled or missing reply: the pipe cannot be trusted for the next file
                raise
            if reply.get("fatal") or reply.get("recycle"):
                self._stop()  # a worker that came near its limit starts afresh: its peak tells the next file apart
        for warning in reply.get("warnings", []):
            logger.warning("%s", warning)
        if "error" in reply:
            raise (ConversionFailed if reply.get("fatal") else UnreadableContent)(reply["error"])
        return Converted(title=reply["title"], text=reply["text"])

    def close(self) -> None:
        with self._lock:
            self._stop()

    def __enter__(self) -> SandboxedConverter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self) -> subprocess.Popen[bytes]:
        # Only what Python needs: the worker reads hostile bytes, so it gets no tokens or keys.
        env = {name: os.environ[name] for name in _PASSED_ENV if name in os.environ}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, os.environ.get("PYTHONPATH")]))
        args = [str(self.budget.max_memory_mb * MB), str(int(self.budget.docx_max_unpacked_mb * MB))]
        self._worker = subprocess.Popen(
            [sys.executable, "-m", "knowledge.sandbox", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        return self._worker

    def _stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if worker.poll() is None:
            worker.kill()
        worker.wait()
        for pipe in (worker.stdin, worker.stdout):
            if pipe:
                pipe.close()

    def _exchange(self, worker: subprocess.Popen[bytes], fmt: str, data: bytes, charset: str | None) -> dict[str, Any]:
        assert worker.stdin and worker.stdout
        deadline = time.monotonic() + self.budget.timeout_s
        header = json.dumps({"format": fmt, "charset": charset, "size": len(data)}).encode() + b"\n"
        try:
            worker.stdin.write(header + data)
            worker.stdin.flush()
        except (BrokenPipeError, OSError):
            raise ConversionFailed(self._death_reason(worker)) from None
        line = _read_line(worker.stdout, deadline)
        if line is None:
            if worker.poll() is None:
                raise ConversionFailed(f"conversion took over {self.budget.timeout_s:g} s and was stopped")
            raise ConversionFailed(self._death_reason(worker))
        try:
            return dict(json.loads(line))
        except ValueError:
            raise ConversionFailed("conversion crashed (garbled reply)") from None

    def _death_reason(self, worker: subprocess.Popen[bytes]) -> str:
        code = worker.wait()
        if code == -signal.SIGKILL:  # the kernel's OOM killer, or ours
            return f"conversion ran out of memory (limit {self.budget.max_memory_mb} MB) and was stopped"
        return f"conversion crashed (exit code {code})"


def _read_line(stream: IO[bytes], deadline: float) -> bytes | None:
    """One reply line, or None if the deadline passed or the worker closed its end first."""
    fd = stream.fileno()
    # poll, not select: select() refuses descriptors past 1023, which a long-running server soon hands out.
    waiter = select.poll()
    waiter.register(fd, select.POLLIN)
    buffer = bytearray()
    while not buffer.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not waiter.poll(remaining * 1000):
            return None
        piece = os.read(fd, _READ_SIZE)
        if not piece:
            return None
        buffer.extend(piece)
    return bytes(buffer)


# --- the worker's side -------------------------------------------------------------------------------


_limits: dict[str, int] = {}


class _Collected(logging.Handler):
    """Warnings raised while converting one file, sent back with the reply for the parent to log."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _serve(max_memory: int, docx_max_bytes: int) -> None:
    from knowledge import converters

    converters.MAX_DOCX_UNPACKED_BYTES = docx_max_bytes
    _limits["memory_mb"] = max_memory // MB
    _limit_memory(max_memory)
    requests, replies = sys.stdin.buffer, os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # stray prints must not corrupt the replies
    collected = _Collected()
    logging.getLogger().addHandler(collected)
    while header := requests.readline():
        request = json.loads(header)
        data = requests.read(request["size"])
        collected.messages.clear()
        reply = _convert(converters, request["format"], data, request["charset"])
        reply["warnings"] = collected.messages[:20]
        reply["recycle"] = _peak_memory() >= _limits["memory_mb"] * MB // 2
        replies.write(json.dumps(reply).encode() + b"\n")
        replies.flush()


def _convert(converters: Any, fmt: str, data: bytes, charset: str | None) -> dict[str, Any]:
    out_of_memory = {"error": f"conversion ran out of memory (limit {_limits['memory_mb']} MB)", "fatal": True}
    try:
        converted = converters.CONVERTERS[fmt](data, charset)
    except UnreadableContent as exc:
        # libxml2 reports a failed allocation as a parse error ("corrupt DOCX: unknown error"): say what it was.
        return out_of_memory if _near_memory_limit() else {"error": exc.reason}
    except MemoryError:
        return out_of_memory
    except RecursionError:
        return {"error": "the file is nested too deeply to read", "fatal": True}
    except Exception as exc:  # a converter bug must not take the worker's pipe down with it
        return {"error": f"unexpected error: {type(exc).__name__}", "fatal": True}
    return {"title": converted.title, "text": converted.text}


def _near_memory_limit() -> bool:
    """Whether this worker's address space came within 10% of its limit (the worker is replaced once past
    half of it, so the peak belongs to the file just converted)."""
    limit = _limits.get("memory_mb", 0) * MB
    return bool(limit) and _peak_memory() >= limit * 0.9


def _peak_memory() -> int:
    """This process's largest address space so far, in bytes (Linux; elsewhere 0)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return 0
    peak = next((line.split()[1] for line in status.splitlines() if line.startswith("VmPeak:")), "0")
    return int(peak) * 1024


def _limit_memory(max_memory: int) -> None:
    try:
        import resource
    except ImportError:  # not on Windows: the time budget still applies
        return
    resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
