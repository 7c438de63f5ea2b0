"""``keel handovers``: questions handed over to people, with their age and status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.output import console, print_json


def register(app: typer.Typer) -> None:
    app.command()(handovers)


def handovers(
    pending: Annotated[bool, typer.Option("--pending", help="Only those still waiting for a person.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many, newest first.")] = 100,
) -> None:
    """List hand-overs to people: age, status, channel, who was asked and who resolved it."""
    from bot.store import open_db  # the log (sqlite-utils) opens when the command runs, not for --help
    from bot.store.db import utc_now

    db = open_db()
    try:
        where, args = ("status = ?", ["pending"]) if pending else (None, [])
        rows = list(db["handovers"].rows_where(where, args, order_by="created_at desc, id desc", limit=limit))
    finally:
        db.close()
    now = utc_now()
    listed = [_listed(row, now) for row in rows]
    if as_json:
        print_json(listed)
        return
    if not listed:
        console.print("No pending hand-overs." if pending else "No hand-overs yet.")
        return
    table = Table("age", "status", "channel", "question", "reason", "resolved by")
    for row in listed:
        table.add_row(
            row["age"],
            row["status"],
            row["channel"] or "",
            escape(_short(row["question"])),
            escape(_short(row["reason"])),
            row["resolved_by"] or "",
        )
    console.print(table)


def _listed(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    created = datetime.fromisoformat(row["created_at"])
    seconds = int((now - created).total_seconds())
    return {
        "turn_id": row["turn_id"],
        "status": row["status"],
        "age": _age(seconds),
        "age_seconds": seconds,
        "channel": row["channel"],
        "thread_ts": row["thread_ts"],
        "question": row["question"] or "",
        "reason": row["reason"] or "",
        "created_at": row["created_at"],
        "reminded_at": row.get("reminded_at"),
        "backup_notified_at": row.get("backup_notified_at"),
        "resolved_at": row.get("resolved_at"),
        "resolved_by": row.get("resolved_by"),
        "learned_source": row.get("learned_source"),
    }


def _age(seconds: int) -> str:
    minutes = max(seconds, 0) // 60
    if minutes < 60:
        return f"{minutes}m"
    if minutes < 48 * 60:
        return f"{minutes // 60}h {minutes % 60}m"
    return f"{minutes // (24 * 60)}d"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
