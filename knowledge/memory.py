"""Freed memory is overwritten, so that no secret the process once held can reach a file.

Found by the test suite's secret scan: Chroma's embedded HNSW index (hnswlib) writes its whole allocated
block to ``data_level0.bin``, including slots not used yet, whose bytes are whatever the allocator handed
back: there, an earlier HTTP request with ``Authorization: Bearer xoxb-...`` in it. glibc can fill every
block it frees (``mallopt(M_PERTURB)``), so memory reused later holds filler instead. Python's small-object
allocator is not glibc's, but its blocks are not what a native library gets from ``malloc``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

log = logging.getLogger(__name__)

M_PERTURB = -6  # glibc's mallopt parameter
FILLER = 0x5A  # freed blocks become 0x5A bytes; new blocks start as 0xA5 until written

_done = False


def overwrite_freed_memory() -> bool:
    """Ask glibc to overwrite freed heap blocks from now on (once per process); False where unsupported."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _done = bool(libc.mallopt(M_PERTURB, FILLER))
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to set
        _done = False
    if not _done:
        log.info("could not ask the C allocator to overwrite freed memory (not glibc?)")
    return _done
