"""A name the knowledge base holds is the subject of a question, not personal data: it reaches search
and the judge. Names and addresses the knowledge base does not hold stay redacted, in the result and
in the thread memory on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import get_settings
from graphs.agent import Agent
from graphs.context import knowledge_base
from tests.knowledge.helpers import write_docs

WATSON = """# Watson Assistant

## What it is
Watson Assistant is the chatbot platform the support team uses to answer customer chats on the website.
It hands a chat to a person when it cannot answer.
"""
CURIE = """# Reading group

## This month's book
This month the reading group discusses a biography of Marie Curie, who won the Nobel Prize twice,
in physics in 1903 and in chemistry in 1911.
"""
PRINTERS = """# Printers

## Printing from a laptop
Printing from a Mac works through the Follow-Me queue: add the printer in System Settings with the
address print.example.internal. Windows laptops get the queue automatically.
"""


@pytest.fixture
def agent(tmp_path) -> Agent:
    kb = knowledge_base(get_settings())
    assert kb.ingest([str(write_docs(tmp_path / "kb", watson=WATSON, curie=CURIE, printers=PRINTERS))]).ok
    return Agent.from_settings(get_settings(), kb=kb)


@pytest.mark.parametrize(
    ("question", "name", "source"),
    [
        ("What is Watson Assistant?", "Watson Assistant", "watson.md"),
        ("How many Nobel Prizes did Marie Curie win?", "Marie Curie", "curie.md"),
        ("Can I print from a Mac?", "Mac", "printers.md"),
    ],
)
def test_a_name_the_knowledge_base_holds_reaches_search(agent, question, name, source):
    result = agent.ask(question)
    assert name in result.searched[0]["query"]
    assert name in result.question  # kept for the log too: the knowledge base already holds it
    assert result.decision == "answered", result.reasons
    assert {Path(c.source).name for c in result.citations} == {source}


def test_personal_data_the_knowledge_base_lacks_stays_out_of_storage(agent):
    thread = "slack:C9:1700000000.000900"
    question = "My manager Jonathan Pemberton (jonathan.pemberton@example.com) wants to know what Watson Assistant is."
    result = agent.ask(question, thread_id=thread)
    assert "Watson Assistant" in result.searched[0]["query"]
    assert "watson.md" in {Path(r["source"]).name for r in result.retrieved[:1]}
    for private in ("Pemberton", "jonathan.pemberton@example.com"):
        assert private not in result.question and private not in result.searched[0]["query"]
    stored = b"".join(p.read_bytes() for p in get_settings().checkpoint_path.parent.glob("threads.sqlite*"))
    assert b"Watson Assistant" in stored  # the thread was written...
    assert b"Pemberton" not in stored and b"jonathan.pemberton" not in stored  # ...without the private data
