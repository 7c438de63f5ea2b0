"""Never silent: whatever fails, the asker hears back in the thread; details go to the log only. And
Slack's own hiccups (429 with Retry-After, 5xx) are retried by slack_sdk's handlers, not shown to anyone."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot.service import COULD_NOT_ANSWER, KeelService, StoreTurnLog
from bot.store.writer import LogWriter
from config.settings import Settings
from graphs.policy import load_policy
from tests.bot.conftest import ALICE, HELP, Running


class BrokenAnswerer:
    """Stands in for the graph at its seam: a defect that escapes it (the real graph catches its own)."""

    def stream(self, question: str, **_: object) -> Iterator[object]:
        raise KeyError("chunk-1234 missing from the store")
        yield  # pragma: no cover


def mention(keel: Running, question: str = "How long is parental leave?") -> str:
    payload = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.post(payload)
    return payload["event"]["ts"]


def test_when_answering_breaks_the_asker_is_told_and_the_log_keeps_why(
    slack_env: Settings, start_keel, caplog: pytest.LogCaptureFixture
) -> None:
    service = KeelService(
        lambda channel: BrokenAnswerer(),
        StoreTurnLog(LogWriter(slack_env.log_path)),
        policy=lambda: load_policy(slack_env.policy),
    )
    keel = start_keel(service)
    thread = mention(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER
    assert "KeyError" not in json.dumps(reply) and "chunk-1234" not in json.dumps(reply)
    (turn,) = keel.turns()
    assert turn["route"] == "error" and "KeyError" in turn["reasons"]
    assert any(
        "chunk-1234" in r.getMessage() or (r.exc_info and "chunk-1234" in str(r.exc_info[1])) for r in caplog.records
    )


def test_when_slack_refuses_the_answer_the_asker_still_gets_a_message(keel: Running) -> None:
    keel.emulator.fail_next("chat.postMessage", error="invalid_blocks")
    thread = mention(keel)
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == COULD_NOT_ANSWER
    first, second = keel.emulator.calls("chat.postMessage")
    assert first.error == "invalid_blocks" and second.ok


def test_a_server_error_is_retried_and_answered_once(keel: Running) -> None:
    keel.emulator.fail_next("chat.postMessage", status=500)
    thread = mention(keel)
    (reply,) = keel.replies(HELP, thread)
    assert "20 weeks" in reply["text"]
    assert [c.status for c in keel.emulator.calls("chat.postMessage")] == [500, 200]


def test_a_rate_limit_waits_for_retry_after_then_answers_once(keel: Running) -> None:
    keel.emulator.fail_next("chat.postMessage", status=429, retry_after=1)
    thread = mention(keel)
    (reply,) = keel.replies(HELP, thread)
    assert "20 weeks" in reply["text"]
    limited, retried = keel.emulator.calls("chat.postMessage")
    assert limited.status == 429 and retried.ok
    assert retried.at - limited.at >= 1.0


def test_a_failed_progress_reaction_does_not_stop_the_answer(keel: Running) -> None:
    keel.emulator.fail_next("reactions.add", error="missing_scope")
    thread = mention(keel)
    (reply,) = keel.replies(HELP, thread)
    assert "20 weeks" in reply["text"]
    assert keel.emulator.calls("reactions.remove") == []  # nothing to take back


def test_no_token_or_secret_is_ever_logged(keel: Running, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    keel.emulator.fail_next("chat.postMessage", error="invalid_blocks")
    thread = mention(keel)
    keel.replies(HELP, thread)
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (keel.emulator.bot_token, keel.emulator.app_token, keel.emulator.signing_secret):
        assert secret not in logged
    assert "Sending a request" in caplog.text  # slack_sdk did log its requests, with the token redacted
