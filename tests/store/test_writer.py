"""The background writer: callers never wait, nothing is lost under concurrency or a locked database."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.store import LogWriter, open_db, reconstruct_turn, record_feedback, record_turn, turn_votes
from tests.store.helpers import EXPENSES, answered

THREADS, CLICKS_PER_THREAD, TURNS = 50, 20, 5


def _stored_votes(path: Path) -> int:
    conn = sqlite3.connect(path)  # a separate, plain connection: what is on disk
    try:
        return conn.execute("SELECT count(*) FROM feedback").fetchone()[0]
    finally:
        conn.close()


def test_a_thousand_concurrent_clicks_give_a_thousand_stored_votes(db_path: Path) -> None:
    db = open_db(db_path)
    turns = [record_turn(db, answered(f"q{i}", [EXPENSES]), channel="C1", user="U0") for i in range(TURNS)]
    writer = LogWriter(db_path)
    start = threading.Barrier(THREADS)
    expected: dict[tuple[str, str], int] = {}

    def clicker(k: int) -> None:
        user = f"U{k:03d}"
        start.wait()
        for j in range(CLICKS_PER_THREAD):
            vote = 1 if (j + k) % 3 else -1
            writer.submit(record_feedback, turns[j % TURNS], user, vote, source="button")
            expected[(turns[j % TURNS], user)] = vote  # this thread's last click on the turn

    workers = [threading.Thread(target=clicker, args=(k,)) for k in range(THREADS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    writer.flush(timeout=60)

    assert _stored_votes(db_path) == THREADS * CLICKS_PER_THREAD
    for turn in turns:
        votes = [v for (t, _), v in expected.items() if t == turn]
        assert turn_votes(db, turn) == {"up": votes.count(1), "down": votes.count(-1)}
    writer.close()
    db.close()


def test_writes_wait_out_a_held_lock_and_none_is_lost(db_path: Path) -> None:
    writer = LogWriter(db_path, busy_timeout_ms=50, first_backoff=0.02, max_backoff=0.2)
    turn_id = writer.record_turn(answered("q", [EXPENSES]), channel="C1", user="U1")
    writer.flush(timeout=10)

    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    blocker.execute("INSERT INTO audit (actor, action, allowed, created_at) VALUES ('ops', 'backup', 1, 'x')")
    submitted = time.perf_counter()
    futures = [writer.submit(record_feedback, turn_id, f"U{i}", 1) for i in range(100)]
    submit_seconds = time.perf_counter() - submitted
    time.sleep(1.0)
    assert not any(f.done() for f in futures)  # still waiting for the lock, not dropped
    blocker.execute("COMMIT")
    blocker.close()
    writer.flush(timeout=30)

    assert submit_seconds < 0.5  # the callers (Slack handlers) never waited for the lock
    assert writer.retries > 0
    assert all(f.result() > 0 for f in futures)
    assert _stored_votes(db_path) == 100
    writer.close()


def test_a_failing_write_fails_alone_and_reports_its_error(db_path: Path) -> None:
    writer = LogWriter(db_path)
    turn_id = writer.record_turn(answered("q", [EXPENSES]), channel="C1", user="U1")
    good = writer.submit(record_feedback, turn_id, "U1", 1)
    bad = writer.submit(record_feedback, turn_id, "U2", 7)  # an invalid vote
    also_good = writer.submit(record_feedback, turn_id, "U3", -1)
    writer.close()

    with pytest.raises(ValueError):
        bad.result()
    assert good.result() and also_good.result()
    db = open_db(db_path)
    assert turn_votes(db, turn_id) == {"up": 1, "down": 1}
    assert reconstruct_turn(db, turn_id) is not None


def test_close_drains_the_queue_and_then_refuses_new_writes(db_path: Path) -> None:
    writer = LogWriter(db_path)
    turn_ids = [writer.record_turn(answered(f"q{i}", [EXPENSES]), channel="C1", user="U1") for i in range(300)]
    writer.close(timeout=60)
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM turns").fetchone()[0] == 300
    assert len(set(turn_ids)) == 300
    with pytest.raises(RuntimeError):
        writer.submit(record_feedback, turn_ids[0], "U1", 1)
