"""One answer at a time per Slack thread, across every Keel process that shares ``KEEL_HOME``.

Two questions in one thread must not be answered at once: both would read the thread's memory (the
checkpointer) and the later write would drop the earlier turn. Keel answers in several processes (the
answer workers of ``keel serve``, several instances behind a load balancer), so a lock inside one
process is not enough: each lock stripe is also an advisory lock (``flock``) on a file under
``KEEL_HOME/locks``, which the kernel releases if its process dies. Across machines this does not
reach; docs/scaling.md says what does.
"""

from __future__ import annotations

import os
import sys
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if sys.platform == "win32":  # pragma: no cover - no fcntl on Windows: one process at a time per thread only
    fcntl = None
else:
    import fcntl

STRIPES = 64  # threads share a lock when their ids hash alike: rare, and it only makes one wait


class ThreadLocks:
    """Striped locks by thread id; with a ``folder``, held across processes too."""

    def __init__(self, folder: Path | None = None, stripes: int = STRIPES) -> None:
        self.folder = folder if fcntl is not None else None
        self._locks = [threading.Lock() for _ in range(stripes)]
        self._files: dict[int, int] = {}  # stripe -> open lock file (opened once, under the stripe's lock)

    @contextmanager
    def hold(self, thread_id: str) -> Iterator[None]:
        stripe = zlib.crc32(thread_id.encode()) % len(self._locks)
        # The in-process lock first: flock would let a second thread of this process in (same open file).
        with self._locks[stripe]:
            if self.folder is None:
                yield
                return
            descriptor = self._file(stripe)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)

    def _file(self, stripe: int) -> int:
        descriptor = self._files.get(stripe)
        if descriptor is None:
            assert self.folder is not None
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"thread-{stripe:02d}.lock"
            descriptor = self._files[stripe] = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        return descriptor

    def close(self) -> None:
        for stripe, descriptor in list(self._files.items()):
            with self._locks[stripe]:
                os.close(descriptor)
                del self._files[stripe]
