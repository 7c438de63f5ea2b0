"""Personal data in a question reaches neither the LLM nor anything Keel stores. A question in Slack with an
e-mail address, a phone number, a card number and a US social security number goes through the real app
(HTTP mode, the Slack emulator), the real graph and LangChain's real OpenAI client against the LLM stub;
then every request the stub received, and every file under KEEL_HOME read as bytes (the SQLite log, the
LangGraph checkpoints, their -wal files, Chroma), are searched for each value in the forms it may take."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.settings import get_settings
from tests.bot.conftest import ALICE, HELP, Running
from tests.llm_stub import LLMStub, Reply, point_llm_at

PII = {
    "email": "jane.doe+hr@example.org",
    "phone": "+1 (415) 555-0134",
    "card": "4111 1111 1111 1111",
    "ssn": "287-65-4321",
}
QUESTION = (
    f"How many weeks of paid parental leave do parents receive? ({PII['email']}, {PII['phone']}, "
    f"card {PII['card']}, SSN {PII['ssn']})"
)
ANSWER = "Parents receive 20 weeks of paid parental leave [1]."


def forms(value: str) -> set[str]:
    """The value as written, and with its separators dropped or changed (a digits-only card, a dotted
    phone number): whichever way a component might normalise it before storing or sending it."""
    digits = re.sub(r"\D", "", value)
    found = {value}
    if "@" not in value:
        found |= {digits, value.replace(" ", ""), value.replace("-", " "), value.replace(" ", "-")}
        found |= {digits[-10:]} if len(digits) > 10 else set()
    return {f for f in found if len(f) >= 9}


@pytest.fixture
def llm(llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch) -> LLMStub:
    point_llm_at(llm_stub, monkeypatch)
    llm_stub.responder = lambda body: Reply(text=ANSWER)
    return llm_stub


def test_pii_in_a_question_reaches_neither_the_llm_nor_storage(llm: LLMStub, start_keel) -> None:
    keel: Running = start_keel()
    mention = keel.emulator.payloads.event_app_mention(QUESTION, ALICE, HELP)
    keel.post(mention)
    (reply,) = keel.replies(HELP, mention["event"]["ts"])
    (turn,) = keel.turns()

    assert llm.chat_requests, "the question never reached the model: nothing was tested"
    sent = [m.get("content") for r in llm.chat_requests for m in r.messages]
    assert any("parental leave" in str(content) for content in sent)  # the question itself was sent

    leaks = {}
    for kind, value in PII.items():
        for form in forms(value):
            where = llm.where_sent(form)
            where += [
                str(p.relative_to(keel_home())) for p in files_under(keel_home()) if form.encode() in p.read_bytes()
            ]
            if where:
                leaks[f"{kind} as {form!r}"] = where
    assert leaks == {}
    assert "20 weeks" in reply["text"]
    # The log kept the question, with placeholders where the personal data was.
    assert turn["question"] == (
        "How many weeks of paid parental leave do parents receive? ([EMAIL], [PHONE], card [CREDIT_CARD], SSN [US_SSN])"
    )


def keel_home() -> Path:
    return get_settings().home


def files_under(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_pii_in_a_question_handed_over_to_people_is_not_stored(start_keel) -> None:
    """A hand-over keeps the question twice: in the log's hand-over row and in the paused hand-over graph's
    checkpoint. Both get the redacted text; the experts read it redacted in the thread too."""
    keel: Running = start_keel()
    question = f"Can I talk to someone please? Reach me at {PII['email']} or {PII['phone']}, SSN {PII['ssn']}."
    mention = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.post(mention)
    replies = " ".join(m["text"] for m in keel.replies(HELP, mention["event"]["ts"]))
    (turn,) = keel.turns()
    assert turn["decision"] == "handed_over" and "[EMAIL]" in replies

    leaks = {
        f"{kind} as {form!r}": [p.name for p in files_under(keel_home()) if form.encode() in p.read_bytes()]
        for kind, value in PII.items()
        for form in forms(value)
    }
    assert {leak: where for leak, where in leaks.items() if where} == {}
    assert not any(value in replies for value in PII.values())
