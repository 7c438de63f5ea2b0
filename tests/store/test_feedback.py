"""Every click is stored; the counts use each user's last vote on a turn."""

from __future__ import annotations

import pytest

from bot.store import Database, current_vote, record_feedback, record_turn, turn_votes
from tests.store.helpers import EXPENSES, answered


@pytest.fixture
def turn_id(db: Database) -> str:
    return record_turn(db, answered("q?", [EXPENSES]), channel="C1", user="U1")


def test_every_click_is_stored_and_the_last_vote_per_user_counts(db: Database, turn_id: str) -> None:
    for user, vote in [("U1", 1), ("U2", 1), ("U2", -1), ("U3", -1), ("U3", 1), ("U1", 1)]:
        record_feedback(db, turn_id, user, vote)
    assert db["feedback"].count == 6
    assert turn_votes(db, turn_id) == {"up": 2, "down": 1}
    assert (
        current_vote(db, turn_id, "U2"),
        current_vote(db, turn_id, "U3"),
        current_vote(db, turn_id, "U4"),
    ) == (
        -1,
        1,
        0,
    )


def test_removing_a_reaction_withdraws_the_vote(db: Database, turn_id: str) -> None:
    record_feedback(db, turn_id, "U1", 1, source="reaction")
    record_feedback(db, turn_id, "U1", 0, source="reaction")
    assert turn_votes(db, turn_id) == {"up": 0, "down": 0}
    assert current_vote(db, turn_id, "U1") == 0


def test_the_reason_modal_adds_the_reason_to_a_downvote(db: Database, turn_id: str) -> None:
    record_feedback(db, turn_id, "U1", -1)
    record_feedback(db, turn_id, "U1", -1, reason="not_what_i_asked", comment="  I meant contractors  ")
    assert turn_votes(db, turn_id) == {"up": 0, "down": 1}
    last = next(db.query("SELECT * FROM feedback_last_votes WHERE user = 'U1'"))
    assert (last["reason"], last["comment"]) == ("not_what_i_asked", "I meant contractors")


@pytest.mark.parametrize("kwargs", [{"vote": 2}, {"vote": 1, "reason": "rude"}, {"vote": 1, "source": "email"}])
def test_invalid_feedback_is_rejected_before_writing(db: Database, turn_id: str, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        record_feedback(db, turn_id, "U1", **kwargs)
    assert db["feedback"].count == 0
