"""The Slack state file: what an empty one becomes, and a file made before it had migrations upgrades in
place with every row kept and still in force (claims, the pause switch, threads, answers, questions in
flight, opened modals, signatures seen)."""

from __future__ import annotations

import multiprocessing
import os
import socket
import sqlite3
import time
from pathlib import Path

from bot.answering import Asked
from bot.dedupe import EventLedger
from bot.http_guard import ReplayMemory
from bot.inflight import InFlight
from bot.opened_views import OpenedViews
from bot.pause import PauseSwitch
from bot.service import Question
from bot.store.state import StateDB
from bot.store.state_migrations import state_migrations
from bot.threads import KnownThreads

EXPECTED_COLUMNS = {
    "claims": ["key", "claimed_at"],
    "switches": ["name", "value", "set_by", "set_at"],
    "threads": ["channel", "thread_ts", "joined_at"],
    "answers": ["channel", "ts", "thread_ts", "turn_id", "posted_at"],
    "in_flight": ["channel", "message_ts", "thread_ts", "user", "assistant", "owner", "started_at", "draft_ts"],
    "opened_views": ["view_id", "user", "callback_id", "private_metadata", "opened_at"],
    "seen_signatures": ["signature", "forget_after"],
    "_sqlite_migrations": ["id", "migration_set", "name", "applied_at"],
}
MIGRATIONS = ["m001_slack_state", "m002_in_flight_draft"]

# The state file exactly as Keel made it before it had migrations: each module created its table on first
# use (bot/dedupe.py, bot/pause.py, bot/threads.py, bot/inflight.py, bot/opened_views.py, bot/http_guard.py),
# and bot/inflight.py added the draft column to files older than it.
PRAGMAS = ["PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=10000"]
OLD_TABLES = {
    "claims": "CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, claimed_at REAL NOT NULL)",
    "switches": "CREATE TABLE IF NOT EXISTS switches ("
    "name TEXT PRIMARY KEY, value INTEGER NOT NULL, set_by TEXT, set_at REAL NOT NULL)",
    "threads": "CREATE TABLE IF NOT EXISTS threads ("
    "channel TEXT NOT NULL, thread_ts TEXT NOT NULL, joined_at REAL NOT NULL, "
    "PRIMARY KEY (channel, thread_ts))",
    "answers": "CREATE TABLE IF NOT EXISTS answers ("
    "channel TEXT NOT NULL, ts TEXT NOT NULL, thread_ts TEXT, turn_id TEXT NOT NULL, "
    "posted_at REAL NOT NULL, PRIMARY KEY (channel, ts))",
    "in_flight": "CREATE TABLE IF NOT EXISTS in_flight ("
    "channel TEXT NOT NULL, message_ts TEXT NOT NULL, thread_ts TEXT NOT NULL, user TEXT NOT NULL, "
    "assistant INTEGER NOT NULL, owner TEXT NOT NULL, started_at REAL NOT NULL, "
    "PRIMARY KEY (channel, message_ts))",
    "opened_views": "CREATE TABLE IF NOT EXISTS opened_views (view_id TEXT PRIMARY KEY, user TEXT NOT NULL, "
    "callback_id TEXT NOT NULL, private_metadata TEXT NOT NULL, opened_at REAL NOT NULL)",
    "seen_signatures": "CREATE TABLE IF NOT EXISTS seen_signatures "
    "(signature TEXT PRIMARY KEY, forget_after REAL NOT NULL)",
}
ADD_DRAFT = "ALTER TABLE in_flight ADD COLUMN draft_ts TEXT"

GONE = f"{socket.gethostname()}:{os.getpid()}:an-earlier-incarnation"  # this pid, but a process that is gone
VIEW = {"id": "V1", "callback_id": "keel_feedback_reason", "private_metadata": '{"turn": "t1"}'}


def old_state_file(path: Path, tables: list[str], with_draft: bool = True) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=10, isolation_level=None, check_same_thread=False)
    for pragma in PRAGMAS:
        conn.execute(pragma)
    for table in tables:
        conn.execute(OLD_TABLES[table])
    if with_draft and "in_flight" in tables:
        conn.execute(ADD_DRAFT)
    return conn


def test_an_empty_state_file_migrates_to_the_expected_tables(tmp_path: Path) -> None:
    state = StateDB(tmp_path / "slack.sqlite")
    db = state.db
    assert {name: [c.name for c in db[name].columns] for name in db.table_names()} == EXPECTED_COLUMNS
    assert [m.name for m in state_migrations.applied(db)] == MIGRATIONS
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_opening_again_applies_nothing_and_changes_nothing(tmp_path: Path) -> None:
    first = StateDB(tmp_path / "slack.sqlite")
    applied, schema = [(m.name, m.applied_at) for m in state_migrations.applied(first.db)], first.db.schema
    first.close()
    again = StateDB(tmp_path / "slack.sqlite")
    assert [(m.name, m.applied_at) for m in state_migrations.applied(again.db)] == applied
    assert again.db.schema == schema


def test_a_state_file_from_before_migrations_upgrades_in_place_with_every_row_in_force(tmp_path: Path) -> None:
    path = tmp_path / "slack.sqlite"
    now = time.time()
    old = old_state_file(path, list(OLD_TABLES))
    old.execute("INSERT INTO claims (key, claimed_at) VALUES (?, ?)", ["event:Ev1", now])
    old.execute(
        "INSERT OR REPLACE INTO switches (name, value, set_by, set_at) VALUES ('paused', 1, 'U0ADMIN', ?)", [now]
    )
    old.execute("INSERT OR IGNORE INTO threads (channel, thread_ts, joined_at) VALUES ('C1', '1.1', ?)", [now])
    old.execute(
        "INSERT OR REPLACE INTO answers (channel, ts, thread_ts, turn_id, posted_at) VALUES ('C1', '1.2', '1.1', 't1', ?)",
        [now],
    )
    old.execute(
        "INSERT OR REPLACE INTO in_flight (channel, message_ts, thread_ts, user, assistant, owner, started_at) "
        "VALUES ('C1', '1.3', '1.1', 'U0ALICE', 0, ?, ?)",
        [GONE, now],
    )
    old.execute("UPDATE in_flight SET draft_ts = '1.4' WHERE channel = 'C1' AND message_ts = '1.3'")
    old.execute(
        "INSERT OR REPLACE INTO opened_views VALUES ('V1', 'U0BOB', ?, ?, ?)",
        [VIEW["callback_id"], VIEW["private_metadata"], now],
    )
    old.execute("INSERT OR IGNORE INTO seen_signatures (signature, forget_after) VALUES ('v0=aa', ?)", [now + 300])
    old.close()

    state = StateDB(path)
    assert [m.name for m in state_migrations.applied(state.db)] == MIGRATIONS
    assert not EventLedger(state).claim(["event:Ev1"])  # the delivery taken before stays taken
    assert PauseSwitch(state).state().paused and PauseSwitch(state).state().by == "U0ADMIN"
    threads = KnownThreads(state)
    assert ("C1", "1.1") in threads and threads.answer_at("C1", "1.2") == ("t1", "1.1")
    (lost,) = InFlight(state).take_interrupted()
    assert (lost.channel, lost.message_ts, lost.user, lost.draft_ts) == ("C1", "1.3", "U0ALICE", "1.4")
    assert OpenedViews(state).take(VIEW, "U0BOB")
    assert not ReplayMemory.shared(state).first_time("v0=aa", int(now))  # a replay is still refused


def test_a_state_file_from_before_drafts_and_modals_gains_them_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "slack.sqlite"
    old = old_state_file(path, ["claims", "threads", "in_flight"], with_draft=False)
    old.execute(
        "INSERT INTO in_flight (channel, message_ts, thread_ts, user, assistant, owner, started_at) "
        "VALUES ('C1', '1.3', '1.1', 'U0ALICE', 1, ?, 1.0)",
        [GONE],
    )
    old.close()

    state = StateDB(path)
    assert {name: [c.name for c in state.db[name].columns] for name in state.db.table_names()} == EXPECTED_COLUMNS
    (lost,) = InFlight(state).take_interrupted()
    assert (lost.message_ts, lost.in_assistant_thread, lost.draft_ts) == ("1.3", True, None)
    OpenedViews(state).record(VIEW, "U0BOB")
    assert OpenedViews(state).take(VIEW, "U0BOB")


def test_a_draft_noted_in_flight_is_read_back() -> None:
    state = StateDB.in_memory()
    in_flight, asked = InFlight(state), Asked(Question("q", "U0ALICE", "C1", "1.1"), "1.1")
    in_flight.started(asked)
    assert in_flight.draft_of(asked) is None
    in_flight.drafting(asked, "1.5")
    assert in_flight.draft_of(asked) == "1.5"
    in_flight.finished(asked)
    assert in_flight.draft_of(asked) is None


def _open_and_claim(path: str, results: multiprocessing.Queue) -> None:
    results.put(EventLedger(StateDB(Path(path))).claim(["event:Ev1"]))


def test_processes_opening_an_old_state_file_together_migrate_it_once(tmp_path: Path) -> None:
    """Every Keel process opens the state file at start-up; several may start at once after a deploy."""
    path = tmp_path / "slack.sqlite"
    old_state_file(path, list(OLD_TABLES)).close()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    processes = [context.Process(target=_open_and_claim, args=(str(path), results)) for _ in range(3)]
    for p in processes:
        p.start()
    won = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    assert sorted(won) == [False, False, True]  # one delivery, one winner
    state = StateDB(path)
    assert [m.name for m in state_migrations.applied(state.db)] == MIGRATIONS
