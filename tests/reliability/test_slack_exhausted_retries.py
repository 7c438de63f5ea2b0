"""Slack failing the same call again and again, until slack_sdk's retry handlers give up (Keel's client
retries a 500/503 twice and a 429 three times, see bot/client.py): the asker still hears back in the
thread when Slack lets anything through, every failure is in the log, the turn is in the log, and Keel
goes on answering the next question. End to end: the real Bolt app and slack_sdk client against the Slack
emulator, answering without a model (one chat.postMessage per answer).
"""

from __future__ import annotations

import time

import pytest

from bot.service import COULD_NOT_ANSWER
from tests.bot.conftest import ALICE, HELP, Running

ATTEMPTS_ON_SERVER_ERROR = 3  # the call and ServerErrorRetryHandler's 2 retries
ATTEMPTS_ON_RATE_LIMIT = 4  # the call and RateLimitErrorRetryHandler's 3 retries


def ask(keel: Running, question: str = "How long is parental leave?") -> str:
    payload = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.post(payload)
    keel.settle()
    return payload["event"]["ts"]


def statuses(keel: Running, method: str) -> list[int | str]:
    """What Slack answered each call: the HTTP status, or the error of an ok:false answer."""
    return [c.status if c.status != 200 else (c.error or 200) for c in keel.emulator.calls(method)]


def assert_still_answering(keel: Running) -> None:
    thread = ask(keel, "How do I connect to the VPN?")
    (reply,) = keel.replies(HELP, thread)
    assert "Pangolin" in reply["text"]


def test_when_server_errors_outlast_the_retries_the_asker_gets_an_apology(
    keel: Running, caplog: pytest.LogCaptureFixture
) -> None:
    keel.emulator.fail_next("chat.postMessage", status=503, count=ATTEMPTS_ON_SERVER_ERROR)
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER
    assert statuses(keel, "chat.postMessage") == [503, 503, 503, 200]
    assert "could not deliver the answer" in caplog.text
    (turn,) = keel.turns()
    assert turn["decision"] == "answered" and "20 weeks" in turn["answer"]  # the answer itself is not lost
    assert_still_answering(keel)


def test_when_rate_limits_outlast_the_retries_the_asker_gets_an_apology(keel: Running) -> None:
    keel.emulator.fail_next("chat.postMessage", status=429, retry_after=1, count=ATTEMPTS_ON_RATE_LIMIT)
    started = time.monotonic()
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER
    assert statuses(keel, "chat.postMessage") == [429, 429, 429, 429, 200]
    assert time.monotonic() - started >= 3  # each retry waited for Retry-After
    assert_still_answering(keel)


def test_when_slack_takes_no_message_at_all_the_failure_is_logged_and_keel_carries_on(
    keel: Running, caplog: pytest.LogCaptureFixture
) -> None:
    # The answer and then the apology each run out of retries: nothing can reach the thread.
    keel.emulator.fail_next("chat.postMessage", status=503, count=2 * ATTEMPTS_ON_SERVER_ERROR)
    thread = ask(keel)
    assert keel.replies(HELP, thread) == []
    question = keel.emulator.workspace.message(HELP, thread)
    assert [r["name"] for r in question.get("reactions", [])] == ["warning"]  # ⚠️ instead of silence; 👀 gone
    assert "could not deliver the answer" in caplog.text
    assert "could not tell the asker" in caplog.text
    (turn,) = keel.turns()
    assert turn["decision"] == "answered"  # the log has the turn, for the team to follow up
    assert_still_answering(keel)


def test_a_bad_gateway_is_not_retried_and_the_asker_gets_an_apology(keel: Running) -> None:
    # slack_sdk retries 500 and 503 only: after a 502 or 504 the message may or may not have been posted.
    keel.emulator.fail_next("chat.postMessage", status=502)
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER
    assert statuses(keel, "chat.postMessage") == [502, 200]


def test_when_the_working_reaction_keeps_failing_the_answer_still_arrives(keel: Running) -> None:
    keel.emulator.fail_next("reactions.add", status=503, count=ATTEMPTS_ON_SERVER_ERROR)
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert "20 weeks" in reply["text"]
    assert statuses(keel, "reactions.add") == [503, 503, 503]
    assert keel.emulator.calls("reactions.remove") == []  # it never went up
