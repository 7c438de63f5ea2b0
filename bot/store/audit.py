"""The audit trail: every admin action, allowed or refused, with who tried what on which target."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from bot.store.db import insert_row, iso, write_transaction
from bot.store.scrub import scrub


def audit(
    db: Database,
    *,
    actor: str,
    action: str,
    target: str = "",
    allowed: bool = True,
    detail: str = "",
    created_at: datetime | None = None,
) -> int:
    """Record one admin action (``actor`` is a Slack user id, or ``cli:<login>`` on the command line)."""
    row = {
        "actor": actor,
        "action": action,
        "target": scrub(target),
        "allowed": int(bool(allowed)),
        "detail": scrub(detail),
        "created_at": iso(created_at),
    }
    with write_transaction(db):
        return insert_row(db, "audit", row)


def recent_audit(
    db: Database, *, limit: int = 50, action: str | None = None, actor: str | None = None
) -> list[dict[str, Any]]:
    """The latest audit entries, newest first, optionally for one action or one actor."""
    where, args = [], []
    if action:
        where.append("action = ?")
        args.append(action)
    if actor:
        where.append("actor = ?")
        args.append(actor)
    rows = db.table("audit").rows_where(" AND ".join(where) or None, args, order_by="id DESC", limit=limit)
    return [{**r, "allowed": bool(r["allowed"])} for r in rows]
