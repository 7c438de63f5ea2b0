"""👍/👎 on an answer: the click reaches the handler, is acked and stored against the answer's turn."""

from __future__ import annotations

import pytest

from bot import ids
from bot.store.db import open_db
from bot.store.feedback import turn_votes
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running


def answered(keel: Running) -> tuple[dict, str]:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    keel.post(mention)
    (reply,) = keel.replies(HELP, mention["event"]["ts"])
    return reply, mention["event"]["ts"]


def click_feedback(keel: Running, reply: dict, thread: str, user: str, vote: str):
    buttons = reply["blocks"][-1]["elements"][0]
    button = buttons["positive_button" if vote == "up" else "negative_button"]
    payload = keel.emulator.payloads.feedback_buttons_action(
        buttons["action_id"], button["value"], user, HELP, reply["ts"], thread_ts=thread, message=reply
    )
    return keel.post(payload)


@pytest.mark.parametrize("vote", ["up", "down"])
def test_a_vote_is_acked_and_stored_for_the_turn(keel: Running, vote: str) -> None:
    reply, thread = answered(keel)
    delivery = click_feedback(keel, reply, thread, BOB, vote)
    assert delivery.status == 200
    (turn,) = keel.turns()
    votes = turn_votes(open_db(get_settings().log_path), turn["id"])
    assert votes == ({"up": 1, "down": 0} if vote == "up" else {"up": 0, "down": 1})
    (thanks,) = keel.emulator.ephemerals(HELP, BOB)
    assert thanks["thread_ts"] == thread


def test_a_changed_vote_counts_once(keel: Running) -> None:
    reply, thread = answered(keel)
    click_feedback(keel, reply, thread, ALICE, "up")
    keel.settle()
    click_feedback(keel, reply, thread, ALICE, "down")
    (turn,) = keel.turns()
    assert turn_votes(open_db(get_settings().log_path), turn["id"]) == {"up": 0, "down": 1}


def test_a_click_with_a_foreign_value_is_acked_and_ignored(keel: Running) -> None:
    payload = keel.emulator.payloads.feedback_buttons_action(ids.FEEDBACK, "nonsense", ALICE, HELP, "1700000000.000100")
    assert keel.post(payload).status == 200
    keel.settle()
    assert list(open_db(get_settings().log_path)["feedback"].rows) == []
