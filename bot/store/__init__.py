"""Keel's two SQLite files (the only importer of sqlite-utils), each with its own migrations.

The log (``keel.db``): turns, feedback, hand-overs, knowledge operations, audit, reports and retention.
Open it with :func:`open_db`; write from Slack handlers through :class:`LogWriter` so a write never delays
an ack. The Slack state file (``slack.sqlite``): open it with :class:`StateDB`; its rows are read and
written through :mod:`bot.store.slack_state`.
"""

from sqlite_utils import Database  # re-exported so callers can type-hint without importing sqlite-utils

from bot.store.audit import audit, recent_audit
from bot.store.db import default_log_path, open_db
from bot.store.feedback import REASONS, current_vote, record_feedback, turn_votes
from bot.store.handovers import (
    due_for_backup,
    due_for_reminder,
    get_handover,
    handover_for_turn,
    mark_backup_notified,
    mark_reminded,
    open_handover,
    pending_handover_for_thread,
    pending_handovers,
    resolve_handover,
    set_learned_source,
)
from bot.store.knowledge_log import list_sources, recent_ingest_runs, record_ingest_run
from bot.store.reports import build_report, home_summary
from bot.store.retention import prune
from bot.store.scrub import scrub
from bot.store.state import StateDB, state_path
from bot.store.turns import new_turn_id, reconstruct_turn, record_turn
from bot.store.writer import LogWriter

__all__ = [
    "Database",
    "REASONS",
    "LogWriter",
    "StateDB",
    "audit",
    "build_report",
    "current_vote",
    "default_log_path",
    "due_for_backup",
    "due_for_reminder",
    "get_handover",
    "handover_for_turn",
    "home_summary",
    "list_sources",
    "mark_backup_notified",
    "mark_reminded",
    "new_turn_id",
    "open_db",
    "open_handover",
    "pending_handover_for_thread",
    "pending_handovers",
    "prune",
    "recent_audit",
    "recent_ingest_runs",
    "reconstruct_turn",
    "record_feedback",
    "record_ingest_run",
    "record_turn",
    "resolve_handover",
    "scrub",
    "state_path",
    "set_learned_source",
    "turn_votes",
]
