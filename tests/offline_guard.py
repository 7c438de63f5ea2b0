"""Run a Python snippet in a fresh process where every non-loopback connection is refused.

Used by tests that prove Keel never downloads anything at run time: a fresh process also covers the
cold start (model loading, Chroma start-up, guard construction), which an in-process patch could miss.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

PRELUDE = r"""
import json, sys
ATTEMPTS = []
def _local(host):
    host = str(host)
    return host in ("localhost", "::1", "None", "") or host.startswith("127.") or host.startswith("/")
def _audit(event, args):
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else address
        if not _local(host):
            ATTEMPTS.append(f"connect {address!r}")
            raise ConnectionRefusedError(f"network forbidden: {address!r}")
    elif event == "socket.getaddrinfo":
        if not _local(args[0]):
            ATTEMPTS.append(f"resolve {args[0]!r}")
            raise OSError(f"network forbidden: {args[0]!r}")
sys.addaudithook(_audit)
import atexit
atexit.register(lambda: sys.stderr.write("\nNETWORK-ATTEMPTS " + json.dumps(ATTEMPTS) + "\n"))
"""


def run_offline(snippet: str, env: dict[str, str] | None = None, timeout: float = 240) -> tuple[str, list[str]]:
    """Run ``snippet``; return (stdout, the network attempts that were refused). Fails on a non-zero exit."""
    code = PRELUDE + "\n" + textwrap.dedent(snippet)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )
    marker = proc.stderr.rfind("NETWORK-ATTEMPTS ")
    attempts = json.loads(proc.stderr[marker + len("NETWORK-ATTEMPTS ") :].splitlines()[0]) if marker >= 0 else []
    if proc.returncode != 0:
        raise AssertionError(f"offline snippet failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}")
    return proc.stdout, attempts
