"""Slack refusing (``ok: false``) the calls Keel makes while it answers, end to end (the real Bolt app and
slack_sdk client against the Slack emulator, the answer streamed from the LLM stub). A refusal is not
retried: each call has its own fallback, and the asker still gets exactly one message in the thread, never
one with text the output guard did not pass.
"""

from __future__ import annotations

import pytest

from bot.service import COULD_NOT_ANSWER
from tests.bot.conftest import HELP, Running
from tests.llm_stub import LLMStub, Reply
from tests.reliability import test_slack_answer_retries as streaming
from tests.reliability.test_slack_answer_retries import MIS_CITED, ask, assert_full_answer, only_reply

llm, keel = streaming.llm, streaming.keel


def test_when_slack_refuses_to_start_the_stream_the_answer_is_posted_as_one_message(keel: Running) -> None:
    keel.emulator.fail_next("chat.startStream", error="invalid_arguments")
    thread = ask(keel)
    reply = only_reply(keel, thread)
    assert_full_answer(reply)
    assert keel.emulator.calls("chat.appendStream") == [] and len(keel.emulator.calls("chat.postMessage")) == 1


@pytest.mark.parametrize("method", ["chat.appendStream", "chat.stopStream"])
def test_when_a_stream_stops_taking_text_the_message_is_replaced_by_the_checked_answer(
    keel: Running, method: str
) -> None:
    # What Slack answers when a stream timed out, or the user pressed stop.
    keel.emulator.fail_next(method, error="message_not_in_streaming_state")
    thread = ask(keel)
    reply = only_reply(keel, thread)
    assert_full_answer(reply)
    (update,) = keel.emulator.calls("chat.update")
    assert update.args["ts"] == reply["ts"]


def test_when_slack_refuses_the_replacement_the_unchecked_draft_gives_way_to_an_apology(
    keel: Running, llm: LLMStub
) -> None:
    llm.queue(Reply(text=MIS_CITED))
    keel.emulator.fail_next("chat.update", error="cant_update_message")
    thread = ask(keel)
    reply = only_reply(keel, thread)
    assert reply["text"] == COULD_NOT_ANSWER  # not the streamed draft with its made-up citation
    (turn,) = keel.turns()
    assert turn["decision"] == "answered" and "[9]" not in turn["answer"]  # the checked answer is logged


def test_when_slack_refuses_every_replacement_the_unchecked_draft_is_deleted(keel: Running, llm: LLMStub) -> None:
    llm.queue(Reply(text=MIS_CITED))
    keel.emulator.fail_next("chat.update", error="cant_update_message", count=2)
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER  # what stays in Slack is never text the output guard did not pass
    (deleted,) = keel.emulator.calls("chat.delete")
    assert deleted.ok and deleted.args["ts"] != reply["ts"]
    streaming_calls = [c for c in keel.emulator.calls() if c.method in ("chat.startStream", "chat.appendStream")]
    assert "[9]" in "".join(chunk["text"] for c in streaming_calls for chunk in c.args["chunks"])  # was streamed


def test_already_reacted_counts_as_the_working_reaction_being_up(keel: Running) -> None:
    # missing_scope (nothing to take down afterwards) is in tests/bot/test_failures.py
    keel.emulator.fail_next("reactions.add", error="already_reacted")
    thread = ask(keel)
    assert_full_answer(only_reply(keel, thread))
    (removed,) = keel.emulator.calls("reactions.remove")
    assert removed.args["timestamp"] == thread


def test_a_refused_removal_of_the_working_reaction_leaves_the_answer_intact(
    keel: Running, caplog: pytest.LogCaptureFixture
) -> None:
    keel.emulator.fail_next("reactions.remove", error="no_reaction")
    thread = ask(keel)
    assert_full_answer(only_reply(keel, thread))
    assert "could not remove the working reaction" in caplog.text
