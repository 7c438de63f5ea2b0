"""👎 opens the reason modal (with the offer of a person); submitting it stores the reason and comment."""

from __future__ import annotations

from bot import ids
from bot.store.db import open_db
from knowledge.settings import get_settings
from tests.bot.conftest import BOB, HELP, Running
from tests.bot.listeners.actions.test_feedback import answered, click_feedback


def submit(keel: Running, view: dict, reason: str | None, comment: str = "") -> dict:
    values: dict = {ids.FEEDBACK_COMMENT_BLOCK: {ids.FEEDBACK_COMMENT_BLOCK: comment}}
    if reason:
        option = {"value": reason, "text": {"type": "plain_text", "text": reason}}
        values[ids.FEEDBACK_REASON_BLOCK] = {
            ids.FEEDBACK_REASON_BLOCK: {"type": "radio_buttons", "selected_option": option}
        }
    payload = keel.emulator.payloads.view_submission(
        view["callback_id"], values, view["private_metadata"], user=BOB, view_id=view["id"]
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
