"""Hand-overs move from pending to resolved; reminders and the backup notice go out once each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import (
    Database,
    due_for_backup,
    due_for_reminder,
    get_handover,
    mark_backup_notified,
    mark_reminded,
    open_handover,
    pending_handover_for_thread,
    pending_handovers,
    record_turn,
    resolve_handover,
    set_learned_source,
)
from bot.store.handovers import handover_askers_in_thread, note_slack_posts
from bot.thread_ids import slack_thread_id
from graphs.result import TurnResult

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def _handover(db: Database, question: str, at: datetime, thread_ts: str = "1.1") -> int:
    turn_id = record_turn(
        db, TurnResult(decision="handed_over", answer="...", question=question), channel="C1", user="U1"
    )
    return open_handover(
        db,
        turn_id=turn_id,
        thread_id=f"slack:C1:{thread_ts}",
        channel="C1",
        thread_ts=thread_ts,
        question=question,
        reason="the evidence is too weak",
        experts=["U_EXPERT", "S_FINANCE"],
        created_at=at,
    )


def test_a_handover_is_pending_until_the_first_person_answers(db: Database) -> None:
    hid = _handover(db, "Can I expense a taxi?", T0)
    assert [h["id"] for h in pending_handovers(db)] == [hid]
    assert pending_handover_for_thread(db, "slack:C1:1.1")["experts"] == ["U_EXPERT", "S_FINANCE"]

    assert resolve_handover(db, hid, resolved_by="U_EXPERT", answer="Yes, up to 50 EUR.", at=T0 + timedelta(hours=1))
    assert not resolve_handover(db, hid, resolved_by="U_LATE", answer="No!")  # first answer wins
    set_learned_source(db, hid, "slack://C1/1.1")

    done = get_handover(db, hid)
    assert done is not None
    assert (done["status"], done["resolved_by"], done["answer"]) == (
        "resolved",
        "U_EXPERT",
        "Yes, up to 50 EUR.",
    )
    assert done["resolved_at"].startswith("2025-03-10T10:00") and done["learned_source"] == "slack://C1/1.1"
    assert pending_handovers(db) == [] and pending_handover_for_thread(db, "slack:C1:1.1") is None


def test_opening_the_same_turns_handover_twice_returns_the_same_row(db: Database) -> None:
    hid = _handover(db, "q", T0)
    turn_id = get_handover(db, hid)["turn_id"]
    again = open_handover(db, turn_id=turn_id, thread_id="x", channel="C1", thread_ts="1.1", question="q")
    assert again == hid and db["handovers"].count == 1


def test_reminders_and_backup_notices_are_due_once(db: Database) -> None:
    old = _handover(db, "old question", T0, thread_ts="1.1")
    new = _handover(db, "new question", T0 + timedelta(hours=3), thread_ts="2.2")
    now = T0 + timedelta(hours=4)

    assert [h["id"] for h in due_for_reminder(db, timedelta(hours=2), now)] == [old]
    mark_reminded(db, old, at=now)
    assert due_for_reminder(db, timedelta(hours=2), now) == []
    assert [h["id"] for h in due_for_reminder(db, timedelta(minutes=30), now)] == [new]

    assert [h["id"] for h in due_for_backup(db, timedelta(hours=4), now)] == [old]
    mark_backup_notified(db, old, at=now)
    assert due_for_backup(db, timedelta(hours=4), now) == []
    resolve_handover(db, new, resolved_by="U2", answer="done")
    assert due_for_reminder(db, timedelta(0), now) == []


def test_a_reminder_is_marked_once_so_two_monitors_do_not_both_send_it(db: Database) -> None:
    hid = _handover(db, "q", T0)
    assert mark_reminded(db, hid, at=T0) and not mark_reminded(db, hid, at=T0 + timedelta(minutes=1))
    assert mark_backup_notified(db, hid, at=T0) and not mark_backup_notified(db, hid, at=T0)
    assert get_handover(db, hid)["reminded_at"].startswith("2025-03-10T09:00")


def test_where_a_handover_lives_in_slack_is_kept_exact(db: Database) -> None:
    turn_id = record_turn(db, TurnResult(decision="handed_over", answer="..."), channel="C1", user="U1")
    hid = open_handover(
        db,
        turn_id=turn_id,
        thread_id=slack_thread_id("C1", "1700000000.000100"),
        channel="C1",
        thread_ts="1700000000.000100",
        question="q",
        asker="U0ALICE",
        question_ts="1700000000.000200",
    )
    note_slack_posts(db, turn_id, announcement_ts="1700000000.000300")
    with pytest.raises(ValueError):
        note_slack_posts(db, turn_id, answer="overwritten")  # only the Slack messages, never the answer
    assert resolve_handover(db, hid, resolved_by="U_EXPERT", answer="yes", kind="expert_reply")
    row = get_handover(db, hid)
    assert (row["asker"], row["question_ts"], row["announcement_ts"], row["resolution_kind"]) == (
        "U0ALICE",
        "1700000000.000200",
        "1700000000.000300",
        "expert_reply",
    )
    assert handover_askers_in_thread(db, "slack:C1:1700000000.000100") == ["U0ALICE"]
