"""👎 opens the reason modal (with the offer of a person); submitting it stores the reason and comment.
Only the modal Keel opened, submitted once by the person it was opened for, counts (issue 16, 9c)."""

from __future__ import annotations

import json

from bot import ids
from bot.listeners.views.feedback_reason import NOT_OPENED
from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.listeners.actions.test_feedback import answered, click_feedback


def submit(keel: Running, view: dict, reason: str | None, comment: str = "", user: str = BOB) -> dict:
    values: dict = {ids.FEEDBACK_COMMENT_BLOCK: {ids.FEEDBACK_COMMENT_BLOCK: comment}}
    if reason:
        option = {"value": reason, "text": {"type": "plain_text", "text": reason}}
        values[ids.FEEDBACK_REASON_BLOCK] = {
            ids.FEEDBACK_REASON_BLOCK: {"type": "radio_buttons", "selected_option": option}
        }
    payload = keel.emulator.payloads.view_submission(
        view["callback_id"], values, view["private_metadata"], user=user, view_id=view["id"]
    )
    return keel.post(payload).json() or {}


def test_thumbs_down_opens_the_modal_and_the_reason_is_stored(keel: Running) -> None:
    reply, thread = answered(keel)
    click_feedback(keel, reply, thread, BOB, "down")
    keel.settle()
    (view,) = keel.emulator.views()
    assert view["callback_id"] == ids.FEEDBACK_REASON_VIEW
    offer = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert offer[0]["action_id"] == ids.ACCEPT_HUMAN_OFFER and offer[0]["text"]["text"] == "Yes, ask a person"

    assert submit(keel, view, "outdated", "the cap changed in March") == {}
    keel.settle()
    rows = list(open_db(get_settings().log_path)["feedback"].rows_where(order_by="id"))
    assert [(r["vote"], r["reason"], r["comment"]) for r in rows] == [
        (-1, None, None),
        (-1, "outdated", "the cap changed in March"),
    ]
    assert rows[-1]["turn_id"] == offer[0]["value"]
    assert any("noted: it's outdated" in e["text"] for e in keel.emulator.ephemerals(HELP, BOB))


def test_other_needs_a_comment_and_thumbs_up_opens_nothing(keel: Running) -> None:
    reply, thread = answered(keel)
    click_feedback(keel, reply, thread, BOB, "up")
    keel.settle()
    assert keel.emulator.views() == []
    click_feedback(keel, reply, thread, BOB, "down")
    keel.settle()
    (view,) = keel.emulator.views()
    answer = submit(keel, view, "other")
    assert answer["response_action"] == "errors" and ids.FEEDBACK_COMMENT_BLOCK in answer["errors"]


def reasons_stored() -> list[tuple]:
    rows = open_db(get_settings().log_path)["feedback"].rows_where("reason IS NOT NULL", order_by="id")
    return [(r["user"], r["reason"], r["comment"]) for r in rows]


def refusals() -> list[tuple]:
    rows = open_db(get_settings().log_path)["audit"].rows_where("action = ?", ["feedback reason"], order_by="id")
    return [(r["actor"], r["allowed"]) for r in rows]


def test_a_submission_for_a_modal_keel_never_opened_stores_nothing(keel: Running) -> None:
    """Issue 16, 9c: a view_submission Keel did not open (its own view id, metadata naming a real turn)."""
    answered(keel)
    (turn,) = keel.turns()
    forged = {
        "id": "V0FORGED01",
        "callback_id": ids.FEEDBACK_REASON_VIEW,
        "private_metadata": json.dumps({"turn_id": turn["id"], "channel": HELP, "thread_ts": None}),
    }
    answer = submit(keel, forged, "wrong", "it is all wrong")
    assert answer["response_action"] == "errors" and NOT_OPENED in answer["errors"].values()
    keel.settle()
    assert reasons_stored() == [] and list(open_db(get_settings().log_path)["feedback"].rows) == []
    assert refusals() == [(BOB, 0)]
    assert keel.emulator.ephemerals(HELP, BOB) == []


def test_only_the_modal_as_opened_by_the_person_it_was_opened_for_counts_once(keel: Running) -> None:
    reply, thread = answered(keel)
    click_feedback(keel, reply, thread, BOB, "down")
    keel.settle()
    (view,) = keel.emulator.views()
    other_turn = {**view, "private_metadata": json.dumps({"turn_id": "t-another", "channel": HELP})}
    assert submit(keel, other_turn, "outdated")["response_action"] == "errors"  # metadata changed
    assert submit(keel, view, "outdated", user=ALICE)["response_action"] == "errors"  # someone else's modal
    assert submit(keel, view, "outdated") == {}  # the modal as opened, by Bob
    assert submit(keel, view, "outdated")["response_action"] == "errors"  # used up
    keel.settle()
    assert reasons_stored() == [(BOB, "outdated", None)]
    assert refusals() == [(BOB, 0), (ALICE, 0), (BOB, 0)]
