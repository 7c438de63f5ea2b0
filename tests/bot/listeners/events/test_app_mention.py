"""@Keel in a channel, end to end over signed HTTP: answered once, in the question's thread."""

from __future__ import annotations

import time

from tests.bot.conftest import ALICE, HELP, Running
from tests.slack_emulator import BOT_USER_ID


def test_a_mention_is_answered_once_in_its_thread_with_sources_and_buttons(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    ts = payload["event"]["ts"]
    keel.post(payload)

    (reply,) = keel.replies(HELP, ts)
    assert reply["thread_ts"] == ts
    text = " ".join(b["text"]["text"] for b in reply["blocks"] if b["type"] == "section")
    assert "20 weeks" in text and "[1]" in text
    kinds = [b["type"] for b in reply["blocks"]]
    assert kinds[-2:] == ["actions", "context_actions"]
    sources = next(b for b in reply["blocks"] if b["block_id"].startswith("keel_sources"))
    assert "Leave policy" in sources["elements"][0]["text"]
    assert "20 weeks" in reply["text"]  # the plain-text fallback for notifications
    assert keel.emulator.rejected_calls() == []

    (turn,) = keel.turns()
    feedback = reply["blocks"][-1]["elements"][0]
    assert feedback["positive_button"]["value"] == f"{turn['id']}:up"
    assert turn["channel"] == HELP and turn["thread_ts"] == ts and turn["decision"] == "answered"


def test_progress_shows_within_a_second_and_is_cleared_after_the_answer(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How many vacation days do employees get?", ALICE, HELP)
    ts = payload["event"]["ts"]
    sent = time.time()
    keel.post(payload)

    added = keel.emulator.wait_for("reactions.add", lambda c: c.args["timestamp"] == ts)
    assert added.args["name"] == "eyes" and added.at - sent < 1.0
    keel.replies(HELP, ts)
    posted = keel.emulator.wait_for("chat.postMessage")
    removed = keel.emulator.wait_for("reactions.remove", lambda c: c.args["timestamp"] == ts)
    assert added.at <= posted.at <= removed.at
    assert "reactions" not in next(m for m in keel.emulator.messages(HELP) if m["ts"] == ts)


def test_a_retried_event_is_never_answered_twice(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    ts = payload["event"]["ts"]
    keel.post(payload)
    keel.post(payload, retry_num=1)  # Slack thought the first delivery failed
    keel.post(payload, retry_num=2)
    assert len(keel.replies(HELP, ts)) == 1
    assert len(keel.turns()) == 1


def test_a_mention_inside_a_thread_is_answered_in_that_thread(keel: Running) -> None:
    parent = keel.emulator.add_message(HELP, "Our team has a question about leave", user=ALICE)
    payload = keel.emulator.payloads.event_app_mention(
        "how many vacation days do contractors get?", ALICE, HELP, thread_ts=parent["ts"]
    )
    keel.post(payload)
    (reply,) = keel.replies(HELP, parent["ts"])
    assert reply["thread_ts"] == parent["ts"] and "15" in reply["text"]


def test_the_mention_alone_gets_a_hint_instead_of_an_answer(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention(f"<@{BOT_USER_ID}>", ALICE, HELP)
    keel.post(payload)
    (reply,) = keel.replies(HELP, payload["event"]["ts"])
    assert "Ask me a question" in reply["text"]
    assert keel.turns() == []


def test_bad_signatures_and_stale_timestamps_are_rejected(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    forged = keel.emulator.sign_and_post(keel.url, payload, signing_secret="not-the-secret")
    replayed = keel.emulator.sign_and_post(keel.url, payload, timestamp=int(time.time()) - 3600)
    assert forged.status == 401 and replayed.status == 401
    assert keel.replies(HELP, payload["event"]["ts"]) == []
