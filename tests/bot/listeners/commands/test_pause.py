"""While paused, Keel answers nobody: each question gets a notice and a pending hand-over."""

from __future__ import annotations

from bot.store.db import open_db
from knowledge.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.listeners.conftest import run_command


def test_a_question_while_paused_is_handed_over_and_resume_answers_again(admin_keel: Running) -> None:
    run_command(admin_keel, "pause", ALICE)
    mention = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", BOB, HELP)
    admin_keel.post(mention)
    (notice,) = admin_keel.replies(HELP, mention["event"]["ts"])
    assert "I'm paused" in notice["text"] and "passed yours on to a person" in notice["text"]
    db = open_db(get_settings().log_path)
    (turn,) = db["turns"].rows
    assert turn["decision"] == "handed_over" and turn["route"] == "paused"
    (handover,) = db["handovers"].rows
    assert handover["status"] == "pending" and handover["turn_id"] == turn["id"]

    run_command(admin_keel, "resume", ALICE)
    again = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", BOB, HELP)
    admin_keel.post(again)
    (answer,) = admin_keel.replies(HELP, again["event"]["ts"])
    assert "paused" not in answer["text"]
