"""Retention: old turns go with everything attached to them; recent ones stay; the prune is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Database, open_handover, prune, recent_audit, reconstruct_turn
from tests.store.helpers import NOW, seed_log


def test_prune_deletes_old_turns_and_their_children_and_keeps_the_rest(db: Database) -> None:
    ids = seed_log(db)
    open_handover(db, turn_id=ids["OLD"], thread_id="x", channel="C1", thread_ts="1.1", question="old")
    before = {t: db[t].count for t in ("turns", "retrievals", "citations", "guard_verdicts", "turn_timings")}

    deleted = prune(db, timedelta(days=10), actor="cli:ops", now=NOW)

    assert deleted["turns"] == 1 and deleted["feedback"] == 1 and deleted["handovers"] == 1
    assert (deleted["retrievals"], deleted["citations"], deleted["turn_timings"], deleted["threads"]) == (
        2,
        1,
        1,
        1,
    )
    assert reconstruct_turn(db, ids["OLD"]) is None
    assert all(reconstruct_turn(db, ids[name]) is not None for name in ids if name != "OLD")
    assert db["turns"].count == before["turns"] - 1
    assert db["retrievals"].count == before["retrievals"] - 2
    assert db.execute("SELECT count(*) FROM retrievals WHERE turn_id NOT IN (SELECT id FROM turns)").fetchone()[0] == 0
    entry = recent_audit(db, action="prune")[0]
    assert entry["actor"] == "cli:ops" and entry["target"].startswith("before 2025-02-28")
    assert "turns=1" in entry["detail"]


def test_prune_with_nothing_old_deletes_nothing(db: Database) -> None:
    seed_log(db)
    assert prune(db, timedelta(days=90), actor="cli:ops", now=NOW)["turns"] == 0
    assert db["turns"].count == 12
    with pytest.raises(ValueError):
        prune(db, timedelta(0), actor="cli:ops")
