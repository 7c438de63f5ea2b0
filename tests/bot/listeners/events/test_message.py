"""Messages without a mention: DMs, follow-ups in Keel's threads, auto-answer channels; and everything
Keel must leave alone (its own and other bots' messages, edits, deletions, small talk)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.slack_emulator import BOT_ID, BOT_USER_ID
from tests.slack_emulator.events import dm_channel

AUTO = "C0AUTOHELP"


def test_a_direct_message_is_answered_in_its_thread(keel: Running) -> None:
    payload = keel.emulator.payloads.event_message_im("How do I connect to the VPN?", ALICE)
    keel.post(payload)
    (reply,) = keel.replies(dm_channel(ALICE), payload["event"]["ts"])
    assert "Pangolin" in reply["text"]


def test_a_follow_up_in_a_thread_keel_answered_needs_no_mention(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How many vacation days do employees get?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.post(mention)
    assert "25" in keel.replies(HELP, thread)[0]["text"]

    follow_up = keel.emulator.payloads.event_message_channel("and for contractors?", ALICE, HELP, thread_ts=thread)
    keel.post(follow_up)
    first, second = keel.replies(HELP, thread)
    assert "15" in second["text"]


def test_replies_in_threads_keel_is_not_in_are_left_alone(keel: Running) -> None:
    parent = keel.emulator.add_message(HELP, "Lunch plans?", user=BOB)
    reply = keel.emulator.payloads.event_message_channel(
        "How long is parental leave?", ALICE, HELP, thread_ts=parent["ts"]
    )
    keel.post(reply)
    keel.settle()
    assert keel.emulator.bot_messages(HELP) == []
    assert keel.emulator.calls("reactions.add") == []


def test_thanks_in_keel_s_thread_is_not_answered(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.post(mention)
    keel.settle()
    keel.post(keel.emulator.payloads.event_message_channel("thanks!", ALICE, HELP, thread_ts=thread))
    assert len(keel.replies(HELP, thread)) == 1


def test_the_same_message_as_mention_and_message_event_is_answered_once(keel: Running) -> None:
    """Slack sends both app_mention and message.channels for a mention in a thread Keel is in."""
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.post(mention)
    keel.settle()
    again = keel.emulator.payloads.event_app_mention("and for contractors?", ALICE, HELP, thread_ts=thread)
    as_message = {**again, "event_id": "Ev-other-id", "event": {**again["event"], "type": "message"}}
    keel.post(as_message)
    keel.post(again)
    answers = [m for m in keel.replies(HELP, thread) if "needs a person" not in m["text"]]  # not hand-overs
    assert len(answers) == 2


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(
            lambda p, t: p.event_message_channel("How long is leave?", "", HELP, thread_ts=t, subtype="bot_message"),
            id="other-bot",
        ),
        pytest.param(
            lambda p, t: p.event_message_channel(
                "How long is leave? please tell me",
                "",
                HELP,
                thread_ts=t,
                subtype="bot_message",
                bot_id=BOT_ID,
            ),
            id="own-bot-message",
        ),
        pytest.param(
            lambda p, t: p.event_message_channel(
                "How long is leave really?",
                ALICE,
                HELP,
                ts=t,
                subtype="message_changed",
                previous_text="How long is leave?",
            ),
            id="edit",
        ),
        pytest.param(
            lambda p, t: p.event_message_channel("", ALICE, HELP, ts=t, subtype="message_deleted"),
            id="deletion",
        ),
        pytest.param(
            lambda p, t: p.event_message_channel("Where is the VPN guide?", BOT_USER_ID, HELP, thread_ts=t),
            id="own-user",
        ),
    ],
)
def test_bots_edits_and_deletions_are_ignored(keel: Running, make) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.post(mention)
    keel.settle()
    keel.post(make(keel.emulator.payloads, thread))
    assert len(keel.replies(HELP, thread)) == 1
    assert len(keel.turns()) == 1


def test_a_bot_mentioning_keel_gets_no_answer(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    mention["event"]["bot_id"] = "B0OTHERBOT"
    keel.post(mention)
    assert keel.replies(HELP, mention["event"]["ts"]) == []


@pytest.fixture
def auto_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    policy = tmp_path / "keel.toml"
    policy.write_text(f"[defaults]\nauto_answer = false\n\n[channels.{AUTO}]\nauto_answer = true\n")
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    get_settings(fresh=True)
    return policy


def test_top_level_questions_are_answered_in_channels_the_policy_lists(auto_policy: Path, start_keel) -> None:
    keel = start_keel()
    asked = keel.emulator.payloads.event_message_channel("How do I connect to the VPN?", ALICE, AUTO)
    elsewhere = keel.emulator.payloads.event_message_channel("How do I connect to the VPN?", ALICE, HELP)
    chatter = keel.emulator.payloads.event_message_channel("morning all", BOB, AUTO)
    for payload in (asked, elsewhere, chatter):
        keel.post(payload)
    (reply,) = keel.replies(AUTO, asked["event"]["ts"])
    assert "Pangolin" in reply["text"] and reply["thread_ts"] == asked["event"]["ts"]
    assert keel.emulator.bot_messages(HELP) == []
    assert keel.replies(AUTO, chatter["event"]["ts"]) == []


def test_policy_auto_answer_off_for_a_listed_channel_is_respected(tmp_path: Path, monkeypatch, start_keel) -> None:
    policy = tmp_path / "keel.toml"
    policy.write_text(f"[channels.{AUTO}]\nauto_answer = false\n")
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    get_settings(fresh=True)
    keel = start_keel()
    payload = keel.emulator.payloads.event_message_channel("How do I connect to the VPN?", ALICE, AUTO)
    keel.post(payload)
    assert keel.replies(AUTO, payload["event"]["ts"]) == []
