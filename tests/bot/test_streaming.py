"""Streaming a model's answer into Slack (chat.startStream / appendStream / stopStream), through LangChain's
real OpenAI client against the LLM stub; and what happens when the checked answer differs from the stream."""

from __future__ import annotations

import pytest

from bot.answering import Asked
from bot.inflight import INTERRUPTED, InFlight, Interrupted, tell_lost
from tests.bot.conftest import ALICE, HELP, Running
from tests.llm_stub import LLMStub, Reply, point_llm_at

LONG_ANSWER = (  # longer than one stream buffer, and every sentence from the source: the guard keeps it
    "Parents receive 20 weeks of paid parental leave [1]. The 20 weeks of paid parental leave are to be "
    "taken within 18 months of the birth [1]. Parents receive 20 weeks of paid parental leave, to be taken "
    "within 18 months of the birth [1]."
)


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch, llm_stub: LLMStub) -> LLMStub:
    point_llm_at(llm_stub, monkeypatch)
    return llm_stub


def ask(keel: Running, question: str = "How long is parental leave?") -> str:
    mention = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.post(mention)
    keel.settle()
    return mention["event"]["ts"]


def test_a_model_answer_is_streamed_into_one_message_that_ends_with_sources_and_buttons(
    llm: LLMStub, start_keel
) -> None:
    llm.queue(Reply(text=LONG_ANSWER))
    keel = start_keel()
    thread = ask(keel)

    methods = [c.method for c in keel.emulator.calls() if c.method.startswith("chat.")]
    assert methods[0] == "chat.startStream" and methods[-1] == "chat.stopStream"
    assert "chat.postMessage" not in methods and "chat.update" not in methods
    (reply,) = keel.replies(HELP, thread)
    assert reply["text"] == LONG_ANSWER
    assert [b["type"] for b in reply["blocks"]][-3:] == ["context", "actions", "context_actions"]
    start = keel.emulator.calls("chat.startStream")[0]
    assert start.args["recipient_user_id"] == ALICE and start.args["thread_ts"] == thread
    assert keel.emulator.rejected_calls() == []


def test_when_the_checked_answer_differs_the_message_is_replaced_by_it(llm: LLMStub, start_keel) -> None:
    # The model cites a source that was never retrieved: the check drops "[9]" after it was streamed.
    llm.queue(Reply(text=LONG_ANSWER.replace("[1]. The 20 weeks", "[1][9]. The 20 weeks")))
    keel = start_keel()
    thread = ask(keel)

    streamed = "".join(c.args.get("chunks", [{}])[0].get("text", "") for c in keel.emulator.calls("chat.appendStream"))
    streamed += "".join(c.get("text", "") for c in keel.emulator.calls("chat.startStream")[0].args.get("chunks", []))
    assert "[9]" in streamed
    (update,) = keel.emulator.calls("chat.update")
    (reply,) = keel.replies(HELP, thread)
    assert update.args["ts"] == reply["ts"]
    assert "[9]" not in reply["text"] and "20 weeks" in reply["text"]
    assert reply["blocks"][-1]["type"] == "context_actions"


def test_a_made_up_sentence_the_output_guard_removes_does_not_stay_in_slack(llm: LLMStub, start_keel) -> None:
    invented = " Managers can extend it to a full year on request [1]."
    llm.queue(Reply(text=LONG_ANSWER + invented))
    keel = start_keel()
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    assert keel.emulator.calls("chat.startStream") and keel.emulator.calls("chat.update")
    assert "full year" not in reply["text"] and "20 weeks" in reply["text"]
    (turn,) = keel.turns()
    assert "full year" not in turn["answer"]


def test_a_stream_the_model_abandons_ends_as_the_checked_hand_over(llm: LLMStub, start_keel) -> None:
    llm.queue(Reply(text="NO_ANSWER " + "because the sources do not say anything about this topic at all " * 5))
    keel = start_keel()
    thread = ask(keel)
    reply, announcement = keel.replies(HELP, thread)
    assert "NO_ANSWER" not in reply["text"] and "person" in reply["text"]
    assert "needs a person" in announcement["text"]  # the experts were brought in
    assert keel.emulator.calls("chat.update")


def test_streamed_text_never_pings_anyone(llm: LLMStub, start_keel) -> None:
    llm.queue(Reply(text=LONG_ANSWER.replace("Employees plan", "<!here> and <@U0BOSS> plan"), stream_text=None))
    keel = start_keel()
    ask(keel)
    sent = [str(c.args) for c in keel.emulator.calls() if c.method.startswith("chat.")]
    assert not any("<!here>" in s or "<@U0BOSS>" in s for s in sent)


def test_without_an_llm_the_answer_is_posted_as_one_message(keel: Running) -> None:
    thread = ask(keel)
    assert keel.emulator.calls("chat.startStream") == []
    assert len(keel.replies(HELP, thread)) == 1


class RecordingLedger:
    """Keel's own in-flight ledger, with a record of the drafts the answer noted in it."""

    def __init__(self, real: InFlight) -> None:
        self.real = real
        self.noted: list[tuple[str, str, str | None]] = []

    def drafting(self, asked: Asked, draft_ts: str) -> None:
        self.real.drafting(asked, draft_ts)
        self.noted.append((asked.question.thread_ts, draft_ts, self.real.draft_of(asked)))


def test_a_streamed_draft_is_noted_in_flight_so_a_restart_can_replace_it(llm: LLMStub, start_keel) -> None:
    llm.queue(Reply(text=LONG_ANSWER))
    keel = start_keel()
    assert keel.keel.answering.drafts is keel.keel.in_flight  # answers note their drafts in the ledger
    ledger = RecordingLedger(keel.keel.in_flight)
    keel.keel.answering.drafts = ledger
    thread = ask(keel)
    (reply,) = keel.replies(HELP, thread)
    # noted once, while streaming: the message streamed into, and stored where a restart will look
    assert ledger.noted == [(thread, reply["ts"], reply["ts"])]


def test_after_a_crash_mid_stream_the_unchecked_draft_becomes_the_please_ask_again_message(keel: Running) -> None:
    mention = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    thread = mention["event"]["ts"]
    keel.emulator.add_message(HELP, "How long is parental leave?", user=ALICE, ts=thread)
    client = keel.app.client
    draft = client.chat_postMessage(channel=HELP, thread_ts=thread, text="Parents receive 20 we")["ts"]
    lost = Interrupted(HELP, thread, thread, ALICE, False, draft_ts=draft)
    tell_lost(lost, client, keel.keel.service.turn_log, keel.keel.threads)
    (reply,) = keel.replies(HELP, thread)
    assert reply["ts"] == draft and reply["text"] == INTERRUPTED  # the partial, unchecked text is gone
