""" "Ask a human": acked, recorded as a pending hand-over for the turn, the experts brought in once."""

from __future__ import annotations

from bot import ids
from bot.store.db import open_db
from bot.store.handovers import handover_for_turn
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running


def test_asking_for_a_person_is_recorded_and_acknowledged_once(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.post(mention)
    (reply,) = keel.replies(HELP, thread)
    button = next(b for b in reply["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["action_id"] == ids.ASK_HUMAN

    click = keel.emulator.payloads.block_action(
        ids.ASK_HUMAN, button["value"], ALICE, HELP, reply["ts"], thread_ts=thread, message=reply
    )
    keel.post(click)
    keel.post(
        keel.emulator.payloads.block_action(ids.ASK_HUMAN, button["value"], BOB, HELP, reply["ts"], thread_ts=thread)
    )

    answer, announcement = keel.replies(HELP, thread)
    assert f"<@{ALICE}> asked for a person" in str(announcement["blocks"])
    sections = " ".join(b["text"]["text"] for b in announcement["blocks"] if b["type"] == "section")
    assert f"<@{ALICE}>, I've asked the team here" in sections  # no experts configured
    (turn,) = keel.turns()
    handover = handover_for_turn(open_db(get_settings().log_path), turn["id"])
    assert handover is not None and handover["status"] == "pending" and handover["thread_ts"] == thread
    assert handover["question"] == "How long is parental leave?"
    (already,) = keel.emulator.ephemerals(HELP, BOB)
    assert "already" in already["text"]
