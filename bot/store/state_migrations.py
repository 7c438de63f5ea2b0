"""The Slack state file's schema (``KEEL_HOME/slack.sqlite``) as ordered, named migrations.

Its own ``Migrations`` set, apart from the log's: the two files are opened by different helpers and may
be moved apart. Never edit or reorder a migration that has shipped: add a new one below.

State files made before these migrations existed had the same tables, each created on first use with
``CREATE TABLE IF NOT EXISTS``; ``m001`` therefore creates only the tables that are missing and keeps the
rows of those that are there, and ``m002`` adds the draft column only where it is missing.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

state_migrations = Migrations("slack_state")


@state_migrations()
def m001_slack_state(db: Database) -> None:
    """Delivery claims, the pause switch, threads and answer messages, questions in flight, opened modals
    and signatures seen."""
    db.table("claims").create({"key": str, "claimed_at": float}, pk="key", not_null={"claimed_at"}, if_not_exists=True)
    db.table("switches").create(
        {"name": str, "value": int, "set_by": str, "set_at": float},
        pk="name",
        not_null={"value", "set_at"},
        if_not_exists=True,
    )
    db.table("threads").create(
        {"channel": str, "thread_ts": str, "joined_at": float},
        pk=("channel", "thread_ts"),
        not_null={"channel", "thread_ts", "joined_at"},
        if_not_exists=True,
    )
    db.table("answers").create(
        {"channel": str, "ts": str, "thread_ts": str, "turn_id": str, "posted_at": float},
        pk=("channel", "ts"),
        not_null={"channel", "ts", "turn_id", "posted_at"},
        if_not_exists=True,
    )
    db.table("in_flight").create(
        {
            "channel": str,
            "message_ts": str,
            "thread_ts": str,
            "user": str,
            "assistant": int,
            "owner": str,
            "started_at": float,
        },
        pk=("channel", "message_ts"),
        not_null={"channel", "message_ts", "thread_ts", "user", "assistant", "owner", "started_at"},
        if_not_exists=True,
    )
    db.table("opened_views").create(
        {"view_id": str, "user": str, "callback_id": str, "private_metadata": str, "opened_at": float},
        pk="view_id",
        not_null={"user", "callback_id", "private_metadata", "opened_at"},
        if_not_exists=True,
    )
    db.table("seen_signatures").create(
        {"signature": str, "forget_after": float},
        pk="signature",
        not_null={"forget_after"},
        if_not_exists=True,
    )


@state_migrations()
def m002_in_flight_draft(db: Database) -> None:
    """The message a question's answer is being streamed into, so a restart can replace the draft."""
    if "draft_ts" not in db.table("in_flight").columns_dict:
        db.table("in_flight").add_column("draft_ts", str)
