"""The log writer: one background thread owns the write connection, so Slack handlers never wait on SQLite.

Callers ``submit(fn, *args)`` any store function that takes the database first (``record_turn``,
``record_feedback``, ``audit``, ...) and get a ``Future`` back at once. The thread drains the queue in
batches, one transaction per batch with a savepoint per job (a bad job fails alone), and retries the
whole batch with backoff while the database is locked by someone else. A job's future resolves only
after its transaction committed, so once :meth:`LogWriter.flush` returns, everything submitted before
it is on disk.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.store.db import DEFAULT_BUSY_TIMEOUT_MS, is_busy_error, open_db
from bot.store.turns import new_turn_id, record_turn

log = logging.getLogger(__name__)

MAX_BATCH = 200


@dataclass
class _Job:
    fn: Callable[..., Any] | None  # None: a flush barrier, or the stop signal
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    future: Future[Any] = field(default_factory=Future)
    stop: bool = False


class LogWriter:
    """A single background writer for the log at ``path`` (default ``KEEL_HOME/keel.db``)."""

    def __init__(
        self,
        path: Path | str | None = None,
        *,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        first_backoff: float = 0.05,
        max_backoff: float = 2.0,
    ) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._first_backoff = first_backoff
        self._max_backoff = max_backoff
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self.retries = 0  # how many times a batch waited for a lock (for tests and metrics)
        open_db(path, busy_timeout_ms=busy_timeout_ms).close()  # migrate now, so errors reach the caller
        self._thread = threading.Thread(target=self._run, name="keel-log-writer", daemon=True)
        self._thread.start()

    # -- the caller's side ------------------------------------------------------------------------
    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Queue ``fn(db, *args, **kwargs)``; returns at once with a future for its result."""
        job = _Job(fn, args, kwargs)
        with self._lock:
            if self._closed:
                raise RuntimeError("the log writer is closed")
            self._queue.put(job)
        return job.future

    def record_turn(self, result: Any, *, channel: str, user: str, thread_ts: str | None = None, **kwargs: Any) -> str:
        """Queue a turn and return its id at once, ready to go into the answer's button values."""
        turn_id = kwargs.pop("turn_id", None) or new_turn_id()
        self.submit(record_turn, result, channel=channel, user=user, thread_ts=thread_ts, turn_id=turn_id, **kwargs)
        return turn_id

    def flush(self, timeout: float | None = None) -> None:
        """Block until everything submitted before this call is committed (or raise TimeoutError)."""
        barrier = _Job(None)
        with self._lock:
            closed = self._closed
            if not closed:
                self._queue.put(barrier)
        if closed:  # the stop signal is queued: the thread drains everything, then ends
            self._thread.join(timeout)
            return
        barrier.future.result(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Drain the queue, commit, and stop the thread. Further submits raise RuntimeError."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_Job(None, stop=True))
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError("the log writer did not finish writing in time")

    def __enter__(self) -> LogWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread --------------------------------------------------------------------------
    def _run(self) -> None:
        db = open_db(self._path, busy_timeout_ms=self._busy_timeout_ms)
        try:
            stopping = False
            while not stopping:
                batch = [self._queue.get()]
                while len(batch) < MAX_BATCH:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stopping = any(job.stop for job in batch)
                self._write_batch(db, batch)
        finally:
            db.close()

    def _write_batch(self, db: Database, batch: list[_Job]) -> None:
        jobs = [job for job in batch if job.fn is not None]
        backoff = self._first_backoff
        while True:
            try:
                outcomes = self._attempt(db, jobs)
                break
            except Exception as exc:
                db.rollback()
                if not is_busy_error(exc):  # e.g. disk full: nothing in this batch can be written
                    log.exception("the log writer could not write %d records", len(jobs))
                    outcomes = [exc] * len(jobs)
                    break
                self.retries += 1
                if self.retries % 20 == 1:
                    log.warning("the log is locked by another connection; retrying (%s)", exc)
                time.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
        for job, outcome in zip(jobs, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        for job in batch:
            if job.fn is None:
                job.future.set_result(None)

    def _attempt(self, db: Database, jobs: list[_Job]) -> list[Any]:
        """Run every job in one transaction; a job that fails (not for a lock) is rolled back alone."""
        outcomes: list[Any] = []
        if not jobs:
            return outcomes
        db.execute("BEGIN IMMEDIATE")
        for n, job in enumerate(jobs):
            if job.fn is None:  # a barrier has nothing to write (_write_batch leaves them out)
                outcomes.append(None)
                continue
            savepoint = f"job_{n}"
            db.execute(f"SAVEPOINT {savepoint}")
            try:
                outcomes.append(job.fn(db, *job.args, **job.kwargs))
            except Exception as exc:
                if is_busy_error(exc):
                    raise
                log.error("a log write failed and was skipped: %s(%s)", getattr(job.fn, "__name__", job.fn), exc)
                db.execute(f"ROLLBACK TO {savepoint}")
                outcomes.append(exc)
            db.execute(f"RELEASE {savepoint}")
        db.execute("COMMIT")
        return outcomes
