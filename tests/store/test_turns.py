"""A turn is written whole and can be told back: asked, found, guards, answer and why."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Database, open_handover, reconstruct_turn, record_feedback, record_turn
from graphs.prompts import PROMPT_VERSION
from graphs.result import GuardVerdict, TurnResult
from tests.store.helpers import EXPENSES, TRAVEL, answered


def test_a_turn_is_reconstructed_from_the_log(db: Database) -> None:
    result = answered(
        "What is the hotel cap in Paris?",
        [EXPENSES, TRAVEL],
        model="openai:gpt-4o-mini",
        route="fast",
        reasons=["two passages agree"],
        timings_ms={"check_input": 3.5, "retrieve": 41.0, "draft": 812.25},
        verdicts=[
            GuardVerdict("input", "pii", True, "pass", "", 1.5),
            GuardVerdict("output", "grounded", False, "fix", "one sentence was not supported", 9.0),
        ],
        thread_id="slack:C9:1700000000.000100",
    )
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    turn_id = record_turn(db, result, channel="C9", user="U7", thread_ts="1700000000.000100", created_at=when)
    record_feedback(db, turn_id, "U8", -1, reason="outdated", comment="the cap changed in March")

    story = reconstruct_turn(db, turn_id)

    assert story is not None
    assert story["turn_id"] == turn_id and len(turn_id) == 32
    assert story["created_at"] == "2025-03-01T09:30:00.000000+00:00"
    assert story["where"] == {
        "channel": "C9",
        "thread_ts": "1700000000.000100",
        "thread_id": "slack:C9:1700000000.000100",
    }
    assert story["asked"] == {
        "question": "What is the hotel cap in Paris?",
        "standalone_question": "What is the hotel cap in Paris?",
    }
    assert [(r["rank"], r["source"], r["cited"]) for r in story["found"]] == [
        (1, EXPENSES, True),
        (2, TRAVEL, True),
        (3, "misc.md", False),
    ]
    assert [(g["stage"], g["check_name"], g["passed"], g["action"], g["reason"]) for g in story["guards"]] == [
        ("input", "pii", True, "pass", ""),
        ("output", "grounded", False, "fix", "one sentence was not supported"),
    ]
    answer = story["answered"]
    assert answer["decision"] == "answered" and answer["answer"].startswith("Here is what the policy says [1]")
    assert [(c["n"], c["source"], c["section"]) for c in answer["citations"]] == [
        (1, EXPENSES, "Rules"),
        (2, TRAVEL, "Rules"),
    ]
    assert (answer["model"], answer["route"], answer["prompt_version"]) == (
        "openai:gpt-4o-mini",
        "fast",
        PROMPT_VERSION,
    )
    assert answer["confidence"] == 0.8 and answer["fallback"] is False
    assert story["why"] == ["two passages agree"]
    assert story["timings_ms"] == {"check_input": 3.5, "draft": 812.25, "retrieve": 41.0}
    assert story["total_ms"] == 856.75
    assert [(f["user"], f["vote"], f["reason"]) for f in story["feedback"]] == [("U8", -1, "outdated")]
    assert story["handover"] is None


def test_an_unknown_turn_reconstructs_to_none(db: Database) -> None:
    assert reconstruct_turn(db, "0" * 32) is None


def test_writing_a_turn_again_replaces_it_instead_of_duplicating(db: Database) -> None:
    first = answered("q?", [EXPENSES], timings_ms={"retrieve": 5.0})
    turn_id = record_turn(db, first, channel="C1", user="U1", turn_id="a" * 32)
    second = TurnResult(decision="refused", answer="no", question="q?", timings_ms={"check_input": 1.0})
    assert record_turn(db, second, channel="C1", user="U1", turn_id=turn_id) == turn_id

    story = reconstruct_turn(db, turn_id)
    assert story is not None
    assert story["answered"]["decision"] == "refused"
    assert story["found"] == [] and story["answered"]["citations"] == []
    assert story["timings_ms"] == {"check_input": 1.0}
    assert db["turns"].count == 1


def test_turns_in_one_thread_share_a_thread_row_and_extractive_turns_have_no_prompt_version(
    db: Database,
) -> None:
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 2, tzinfo=UTC)
    a = record_turn(db, answered("one", [EXPENSES]), channel="C1", user="U1", thread_ts="1.1", created_at=early)
    b = record_turn(db, answered("two", [EXPENSES]), channel="C1", user="U2", thread_ts="1.1", created_at=late)
    local = record_turn(db, answered("three", [EXPENSES]), channel="cli", user="me")

    threads = {r["id"]: r for r in db["threads"].rows}
    assert set(threads) == {"slack:C1:1.1", f"local:{local}"}
    assert threads["slack:C1:1.1"]["started_by"] == "U1"
    assert threads["slack:C1:1.1"]["created_at"].startswith("2025-01-01")
    assert threads["slack:C1:1.1"]["last_turn_at"].startswith("2025-01-02")
    assert {db["turns"].get(t)["prompt_version"] for t in (a, b)} == {""}


def test_a_handover_shows_in_the_reconstruction(db: Database) -> None:
    turn_id = record_turn(
        db, TurnResult(decision="handed_over", answer="asked a person", question="q"), channel="C", user="U"
    )
    open_handover(db, turn_id=turn_id, thread_id="t", channel="C", thread_ts="1.1", question="q", experts=["U5"])
    story = reconstruct_turn(db, turn_id)
    assert story is not None and story["handover"]["status"] == "pending"
