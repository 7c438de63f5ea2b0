"""Commands that do one thing and end (``keel ask``, ``keel sources``) run without Python's cyclic
garbage collector.

A cold ``keel ask`` creates about 200,000 objects that live until the process ends (the modules and
pydantic models of LangGraph, LangChain, guardrails and chromadb). The collector walked all of them
four times while they were imported, and several times more as the interpreter shut down, looking for
reference cycles that a process about to end need not free: 0.4-0.6 s and 0.6-0.7 s of a 4.8 s
``keel ask`` on this machine (benchmarks/startup.py), with the same peak memory without it. What must
be closed is closed by the command itself (the thread checkpointer); the rest is the operating system's.
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_exit_hook_registered = False


@contextmanager
def without_garbage_collection() -> Iterator[None]:
    """No cyclic collection while the command runs, nor at interpreter exit. The collector is turned
    back on afterwards, for a caller that goes on (the tests run commands in their own process)."""
    global _exit_hook_registered
    if not _exit_hook_registered:
        # Frozen objects are skipped by the interpreter's final collections; every other atexit
        # handler (logging's flush, OpenTelemetry's shutdown) runs as before.
        atexit.register(gc.freeze)
        _exit_hook_registered = True
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
