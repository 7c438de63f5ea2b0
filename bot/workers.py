"""Pools that know how much work they hold (for graceful shutdown, metrics and tests): threads for
Bolt's listeners, threads or processes for answering."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any


class _Tracking(Executor):
    """Counts queued + running tasks; :meth:`wait_idle` waits until there are none."""

    def _start_tracking(self) -> None:
        self._busy = 0
        self._changed = threading.Condition()

    @property
    def busy(self) -> int:
        """Tasks submitted and not finished yet."""
        with self._changed:
            return self._busy

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._changed:
            self._busy += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._done(None)
            raise
        future.add_done_callback(self._done)
        return future

    def _done(self, _: object) -> None:
        with self._changed:
            self._busy -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running; False if that did not happen within ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True


class TrackedExecutor(_Tracking, ThreadPoolExecutor):
    def __init__(self, max_workers: int, thread_name_prefix: str) -> None:
        ThreadPoolExecutor.__init__(self, max_workers=max_workers, thread_name_prefix=thread_name_prefix)
        self._start_tracking()


class TrackedProcessPool(_Tracking, ProcessPoolExecutor):
    """Worker processes started fresh ("spawn": no inherited threads or open SQLite handles)."""

    def __init__(self, max_workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]) -> None:
        ProcessPoolExecutor.__init__(
            self,
            max_workers=max_workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=initializer,
            initargs=initargs,
        )
        self._start_tracking()
