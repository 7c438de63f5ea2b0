"""``keel serve --http`` as a real process on 127.0.0.1, for the tests that need the whole command."""

from __future__ import annotations

import os
import subprocess
import sys


def start_keel_serve(port: int, *extra: str) -> subprocess.Popen[str]:
    """``keel serve --http`` on ``port`` (plus ``extra`` options), its output captured as text."""
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.cli import app; app()", "serve", "--http", "--port", str(port)]
        + ["--host", "127.0.0.1", *extra],
        env={**os.environ, "NO_PROXY": "127.0.0.1,localhost"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
