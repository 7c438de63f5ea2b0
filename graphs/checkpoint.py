"""The one place that opens LangGraph's checkpointer: SQLite under KEEL_HOME (thread memory and
pending hand-overs). Several Keel instances need a shared one instead (see docs/scaling.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.sqlite import SqliteSaver


def open_checkpointer(path: Path) -> SqliteSaver:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return SqliteSaver(conn)
