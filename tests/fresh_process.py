"""Run a few lines of Python in a fresh interpreter (what a cold `keel` process imports) and read back
the one JSON line it prints last."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def python_json(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 300) -> Any:
    """``code`` (dedented) run with ``args`` in a new interpreter from the repository root; bytecode is
    written as an installed Keel would (the sandbox's PYTHONDONTWRITEBYTECODE is dropped)."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=REPO,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
