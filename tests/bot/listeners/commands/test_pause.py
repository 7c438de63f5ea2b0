"""While paused, Keel answers nobody: each question is handed over through the hand-over desk (one
announcement in the thread saying why, 🆘 on the question, "Mark resolved", reminders)."""

from __future__ import annotations

import json

from bot import ids
from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.listeners.conftest import run_command


def test_a_question_while_paused_is_handed_over_and_resume_answers_again(admin_keel: Running) -> None:
    run_command(admin_keel, "pause", ALICE)
    mention = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", BOB, HELP)
    admin_keel.post(mention)
    (announcement,) = admin_keel.replies(HELP, mention["event"]["ts"])
    shown = json.dumps(announcement["blocks"])
    assert "I'm paused by the team that runs me" in shown and f"<@{BOB}>" in shown  # why, and to the asker
    assert ids.MARK_RESOLVED in shown  # "Mark resolved", as for any hand-over
    question = admin_keel.emulator.workspace.message(HELP, mention["event"]["ts"])
    assert ids.HANDOVER_REACTION in {r["name"] for r in question.get("reactions", [])}
    db = open_db(get_settings().log_path)
    (turn,) = db["turns"].rows
    assert turn["decision"] == "handed_over" and turn["route"] == "paused"
    (handover,) = db["handovers"].rows
    assert handover["status"] == "pending" and handover["turn_id"] == turn["id"]
    assert handover["announcement_ts"] == announcement["ts"]  # the monitor will remind, then call the backup

    run_command(admin_keel, "resume", ALICE)
    again = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", BOB, HELP)
    admin_keel.post(again)
    (answer,) = admin_keel.replies(HELP, again["event"]["ts"])
    assert "paused" not in answer["text"]
