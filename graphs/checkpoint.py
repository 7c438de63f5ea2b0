"""The one place that opens LangGraph's checkpointer: SQLite under KEEL_HOME (thread memory and
pending hand-overs). Several Keel instances need a shared one instead (see docs/scaling.md).

The answer graph's state holds typed objects (graphs.state); the serializer is told which classes it
may rebuild from a checkpoint, so a thread comes back with its typed fields and nothing else is imported.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver


def open_checkpointer(path: Path) -> SqliteSaver:
    from graphs.state import STORED_TYPES  # here, not at the top: the hand-over desk opens it without the graph

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    allowed = [(cls.__module__, cls.__name__) for cls in STORED_TYPES]
    return SqliteSaver(conn, serde=JsonPlusSerializer(allowed_msgpack_modules=allowed))
