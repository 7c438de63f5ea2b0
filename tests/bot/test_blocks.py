"""The answer message's Block Kit, checked with slack_sdk's models and Slack's message limits."""

from __future__ import annotations

import pytest

from bot import ids
from bot.blocks import answer_message, help_message, notice_message, parse_vote, source_label
from graphs.result import Citation, TurnResult
from tests.slack_emulator.validation import check_blocks

FILE = Citation(1, "/srv/kb/people/leave.md", "Leave policy", "Leave policy > Parental leave", "c1", 0.9)
PAGE = Citation(2, "https://wiki.example/it/vpn?tab=1&lang=en", "VPN | setup", "Connecting", "c2", 0.7)


def answered(answer: str = "Twenty weeks [1]; VPN [2].", citations=(FILE, PAGE), confidence=0.82) -> TurnResult:
    return TurnResult(decision="answered", answer=answer, citations=list(citations), confidence=confidence)


def dicts(message) -> list[dict]:
    blocks = message.as_kwargs()["blocks"]
    check_blocks(blocks)  # raises PayloadError where Slack would refuse the message
    return blocks


def test_an_answer_has_text_sources_confidence_and_both_kinds_of_buttons() -> None:
    blocks = dicts(answer_message(answered(), "t1"))
    assert [b["type"] for b in blocks] == ["section", "context", "context", "actions", "context_actions"]
    assert blocks[0]["text"]["type"] == "mrkdwn"
    assert "<https://wiki.example/it/vpn?tab=1&amp;lang=en|[2]>" in blocks[0]["text"]["text"]
    assert "*high* (82%)" in blocks[2]["elements"][0]["text"]
    assert blocks[3]["elements"][0] == {
        "type": "button",
        "action_id": ids.ASK_HUMAN,
        "value": "t1",
        "text": {"type": "plain_text", "text": "Ask a human", "emoji": True},
    }
    feedback = blocks[4]["elements"][0]
    assert feedback["type"] == "feedback_buttons" and feedback["action_id"] == ids.FEEDBACK
    assert (feedback["positive_button"]["value"], feedback["negative_button"]["value"]) == (
        "t1:up",
        "t1:down",
    )


def test_sources_are_linked_when_they_are_pages_and_named_by_section_when_files() -> None:
    assert source_label(FILE) == "*[1]* Leave policy › Parental leave"
    assert source_label(PAGE) == "*[2]* <https://wiki.example/it/vpn?tab=1&amp;lang=en|VPN ¦ setup> › Connecting"
    untitled = Citation(3, "/srv/kb/it/laptop-setup.md", "", "", "c3", 0.5)
    assert source_label(untitled) == "*[3]* laptop-setup"


@pytest.mark.parametrize(("confidence", "level"), [(0.9, "high"), (0.6, "medium"), (0.2, "low")])
def test_confidence_is_shown_in_words(confidence: float, level: str) -> None:
    meta = dicts(answer_message(answered(confidence=confidence), "t1"))[2]
    assert f"*{level}*" in meta["elements"][0]["text"]


def test_a_hand_over_has_no_sources_and_no_second_ask_for_a_human() -> None:
    result = TurnResult(decision="handed_over", answer="I'm handing this to a person.")
    blocks = dicts(answer_message(result, "t2"))
    assert [b["type"] for b in blocks] == ["section", "context_actions"]


def test_a_refusal_still_offers_a_human() -> None:
    result = TurnResult(decision="refused", answer="I can't help with that request.")
    assert [b["type"] for b in dicts(answer_message(result, "t3"))] == [
        "section",
        "actions",
        "context_actions",
    ]


def test_a_huge_answer_stays_within_fifty_blocks_of_three_thousand_characters() -> None:
    paragraphs = "\n\n".join(f"Paragraph {n} [1]. " + "word " * 500 for n in range(200))
    blocks = dicts(answer_message(answered(paragraphs), "t4"))
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(blocks) == 50 and all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert sections[-1]["text"]["text"].endswith("shortened to fit in one Slack message._")
    assert len(answer_message(answered(paragraphs), "t4").text) <= 3000


def test_many_sources_fit_one_context_block() -> None:
    citations = [Citation(n, f"/kb/doc{n}.md", f"Doc {n}", "", f"c{n}", 0.5) for n in range(1, 15)]
    sources = dicts(answer_message(answered("x [1]", citations), "t5"))[1]
    assert len(sources["elements"]) == 10 and sources["elements"][-1]["text"] == "and 5 more"


def test_block_ids_are_unique_per_turn() -> None:
    first = {b["block_id"] for b in dicts(answer_message(answered(), "t6"))}
    second = {b["block_id"] for b in dicts(answer_message(answered(), "t7"))}
    assert not first & second


def test_feedback_values_round_trip() -> None:
    assert parse_vote("abc:up") == ("abc", "up") and parse_vote("abc:down") == ("abc", "down")
    assert parse_vote("abc:maybe") is None and parse_vote("") is None and parse_vote(":up") is None


def test_notices_and_help_are_valid_messages() -> None:
    dicts(notice_message("Sorry, I couldn't answer this."))
    assert "Mention me" in help_message().text and dicts(help_message())
