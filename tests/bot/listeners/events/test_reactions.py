"""👍/👎 reactions on Keel's answers count as votes, with a private thank-you; others are ignored."""

from __future__ import annotations

from bot.store.db import open_db
from bot.store.feedback import turn_votes
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.listeners.actions.test_feedback import answered


def react(keel: Running, reaction: str, user: str, ts: str, removed: bool = False) -> None:
    payload = keel.emulator.payloads.reaction_added(reaction, user, HELP, ts)
    if removed:
        payload["event"]["type"] = "reaction_removed"
    keel.post(payload)


def test_reactions_on_an_answer_count_and_removing_one_withdraws_it(keel: Running) -> None:
    reply, _ = answered(keel)
    react(keel, "+1::skin-tone-3", ALICE, reply["ts"])
    react(keel, "thumbsdown", BOB, reply["ts"])
    react(keel, "tada", BOB, reply["ts"])  # not a vote
    (turn,) = keel.turns()
    db = open_db(get_settings().log_path)
    assert turn_votes(db, turn["id"]) == {"up": 1, "down": 1}
    assert {r["source"] for r in db["feedback"].rows} == {"reaction"}
    assert len(keel.emulator.ephemerals(HELP, ALICE)) == 1 and len(keel.emulator.ephemerals(HELP, BOB)) == 1

    react(keel, "thumbsdown", BOB, reply["ts"], removed=True)
    keel.settle()
    assert turn_votes(db, turn["id"]) == {"up": 1, "down": 0}


def test_reactions_on_other_messages_are_ignored(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    keel.post(mention)
    keel.settle()
    react(keel, "+1", BOB, mention["event"]["ts"])  # on the question, not on Keel's answer
    keel.settle()
    assert list(open_db(get_settings().log_path)["feedback"].rows) == []
