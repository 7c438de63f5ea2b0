"""Slack rate-limiting or failing the calls Keel makes while it answers, end to end: the real Bolt app and
slack_sdk client against the Slack emulator, with the model's answer streamed from the LLM stub.

For each call (👀 on the question, the three streaming calls, the replacing ``chat.update``, taking 👀 off)
Slack answers once with a rate limit (429 + Retry-After) and once with a server error (503): slack_sdk's
retry handlers retry both, so the asker sees the same single answer as on a good day, and the log has the
answered turn. ``chat.postMessage`` is covered in tests/bot/test_failures.py; refusals (``ok: false``) in
test_slack_answer_refusals.py, retries running out in test_slack_exhausted_retries.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.bot.conftest import ALICE, HELP, Running
from tests.llm_stub import LLMStub, Reply, point_llm_at
from tests.slack_emulator import Call

# Three stream buffers long (start, append, stop), every sentence from the source: the output guard keeps it.
GROUNDED = " ".join(
    [
        "Parents receive 20 weeks of paid parental leave [1].",
        "The 20 weeks of paid parental leave are to be taken within 18 months of the birth [1].",
        "Parents receive 20 weeks of paid parental leave, to be taken within 18 months of the birth [1].",
    ]
    * 3
)
# The model cites a source that was never retrieved: the checked answer drops "[9]", so the streamed draft
# is replaced with chat.update.
MIS_CITED = GROUNDED.replace("[1]. The 20 weeks", "[1][9]. The 20 weeks")
TRANSIENT = [pytest.param(429, id="429-retry-after"), pytest.param(503, id="503")]


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch, llm_stub: LLMStub) -> LLMStub:
    point_llm_at(llm_stub, monkeypatch)
    return llm_stub


@pytest.fixture
def keel(llm: LLMStub, start_keel: Callable[..., Running]) -> Running:
    """Keel answering with the model: every answer streams (startStream, appendStream, stopStream)."""
    llm.responder = lambda body: Reply(text=GROUNDED)
    return start_keel()


def ask(keel: Running, question: str = "How long is parental leave?") -> str:
    payload = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.post(payload)
    keel.settle()
    return payload["event"]["ts"]


def only_reply(keel: Running, thread: str) -> dict:
    replies = keel.replies(HELP, thread)
    assert len(replies) == 1, [r["text"][:80] for r in replies]
    return replies[0]


def assert_full_answer(reply: dict) -> None:
    """The checked answer, with its sources and 👍/👎 buttons."""
    assert reply["text"].startswith("Parents receive 20 weeks") and "[9]" not in reply["text"]
    assert reply["blocks"][-1]["type"] == "context_actions"


def assert_retried_once(calls: list[Call], status: int) -> None:
    """The first call was refused with ``status`` (injected), the retry that followed went through."""
    first, retry = calls[0], calls[1]
    assert first.injected and first.status == status, first
    assert retry.ok and retry.args == first.args
    if status == 429:  # slack_sdk waited for Retry-After before it retried
        assert retry.at - first.at >= 1.0


def assert_eyes_gone(keel: Running, question_ts: str) -> None:
    question = next(m for m in keel.emulator.messages(HELP) if m["ts"] == question_ts)
    assert "reactions" not in question, question["reactions"]


# -- retried: the asker sees nothing of it ------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerCall:
    method: str
    model_text: str = GROUNDED  # what the model writes for this case


ANSWER_CALLS = [
    AnswerCall("reactions.add"),
    AnswerCall("chat.startStream"),
    AnswerCall("chat.appendStream"),
    AnswerCall("chat.stopStream"),
    AnswerCall("chat.update", model_text=MIS_CITED),
    AnswerCall("reactions.remove"),
]


@pytest.mark.parametrize("status", TRANSIENT)
@pytest.mark.parametrize("case", ANSWER_CALLS, ids=lambda c: c.method)
def test_a_rate_limit_or_server_error_on_an_answer_call_is_retried_and_the_answer_arrives_once(
    keel: Running, llm: LLMStub, case: AnswerCall, status: int
) -> None:
    llm.queue(Reply(text=case.model_text))
    keel.emulator.fail_next(case.method, status=status, retry_after=1)
    thread = ask(keel)

    assert_full_answer(only_reply(keel, thread))
    assert_retried_once(keel.emulator.calls(case.method), status)
    assert len([c for c in keel.emulator.calls("chat.startStream") if c.ok]) == 1  # one message, never two
    assert_eyes_gone(keel, thread)
    (turn,) = keel.turns()
    assert turn["decision"] == "answered"
