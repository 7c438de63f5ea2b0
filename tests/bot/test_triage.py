"""Which messages are questions for Keel."""

from __future__ import annotations

import pytest

from bot.triage import from_a_person, looks_like_question, message_kind, thread_of
from tests.slack_emulator import BOT_USER_ID, payloads


def event(payload: dict) -> dict:
    return payload["event"]


def test_kinds_of_messages() -> None:
    dm = event(payloads.event_message_im("hi there, where is the VPN guide?", "U1"))
    top = event(payloads.event_message_channel("where is the VPN guide?", "U1", "C1"))
    reply = event(payloads.event_message_channel("and for contractors?", "U1", "C1", thread_ts="1700000000.000100"))
    mention = event(payloads.event_message_channel(f"<@{BOT_USER_ID}> where is it?", "U1", "C1"))
    assert message_kind(dm, BOT_USER_ID) == "dm"
    assert message_kind(top, BOT_USER_ID) == "top_level"
    assert message_kind(reply, BOT_USER_ID) == "thread_reply"
    assert message_kind(mention, BOT_USER_ID) == "ignore"  # the app_mention event of the same message answers it
    assert thread_of(top) == top["ts"] and thread_of(reply) == "1700000000.000100"


@pytest.mark.parametrize(
    "payload",
    [
        payloads.event_message_channel("hello", "", "C1", subtype="bot_message"),
        payloads.event_message_channel("new", "U1", "C1", ts="1700000000.000100", subtype="message_changed"),
        payloads.event_message_channel("", "U1", "C1", ts="1700000000.000100", subtype="message_deleted"),
        payloads.event_message_channel("from the bot user", BOT_USER_ID, "C1"),
    ],
    ids=["bot", "edit", "deletion", "self"],
)
def test_bots_edits_deletions_and_keel_itself_are_ignored(payload: dict) -> None:
    assert message_kind(event(payload), BOT_USER_ID) == "ignore"


def test_a_thread_broadcast_is_a_person_s_message() -> None:
    reply = event(payloads.event_message_channel("also for contractors?", "U1", "C1", thread_ts="1700000000.000100"))
    assert from_a_person({**reply, "subtype": "thread_broadcast"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks!", False),
        ("Thank you 🙏", False),
        ("ok", False),
        ("great, got it", False),
        ("+1", False),
        ("vpn?", True),
        ("and for contractors?", True),
        ("I can't connect to the VPN from home", True),
        ("<@U123> thanks", False),
    ],
)
def test_small_talk_is_not_a_question(text: str, expected: bool) -> None:
    assert looks_like_question(text) is expected
