"""The assistant panel: prompts when a thread opens, the status while Keel works, the answer in the thread."""

from __future__ import annotations

from bot.blocks import GREETING, SUGGESTED_PROMPTS, WORKING_STATUS
from tests.bot.conftest import ALICE, Running
from tests.slack_emulator.events import dm_channel


def test_a_new_assistant_thread_gets_a_greeting_and_suggested_prompts(keel: Running) -> None:
    started = keel.emulator.payloads.assistant_thread_started(ALICE)
    thread = started["event"]["assistant_thread"]
    keel.post(started)
    keel.post(started, retry_num=1)
    (greeting,) = keel.replies(thread["channel_id"], thread["thread_ts"])
    assert greeting["text"] == GREETING
    prompts = keel.emulator.assistant_thread(thread["channel_id"], thread["thread_ts"])["prompts"]
    assert prompts == SUGGESTED_PROMPTS
    assert len(keel.emulator.calls("assistant.threads.setSuggestedPrompts")) == 1


def test_a_question_in_the_panel_shows_a_status_then_the_answer(keel: Running) -> None:
    started = keel.emulator.payloads.assistant_thread_started(ALICE)
    thread_ts = started["event"]["assistant_thread"]["thread_ts"]
    keel.post(started)
    keel.settle()
    asked = keel.emulator.payloads.event_message_im("How long is parental leave?", ALICE, thread_ts=thread_ts)
    keel.post(asked)

    status = keel.emulator.wait_for("assistant.threads.setStatus")
    assert status.args["status"] == WORKING_STATUS and status.args["thread_ts"] == thread_ts
    greeting, answer = keel.replies(dm_channel(ALICE), thread_ts)
    assert "20 weeks" in answer["text"]
    assert keel.emulator.assistant_thread(dm_channel(ALICE), thread_ts)["statuses"] == [WORKING_STATUS, ""]
    assert keel.emulator.calls("reactions.add") == []  # the status is the progress sign here
