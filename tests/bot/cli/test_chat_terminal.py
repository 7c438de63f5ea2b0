"""keel chat in a real pseudo-terminal, with LangChain's OpenAI client against the LLM stub: the model's
streamed draft is shown while it is written and then replaced by the checked answer, as in Slack."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.knowledge.helpers import small_kb_folder
from tests.llm_stub import LLMStub, Reply, point_llm_at

from .terminal import Terminal

COLUMNS, LINES = 100, 40
KEEL = [sys.executable, "-c", "import sys; from bot.cli import app; sys.argv = ['keel', 'chat']; app()"]
# The second sentence is the model's own: the output guard drops it, so the checked answer differs.
DRAFT = [
    "Parents receive 20 weeks ",
    "of paid parental leave [1]. ",
    "The office canteen serves ",
    "free sushi on Fridays [1].",
]


@pytest.fixture
def chat(tmp_path: Path, llm_stub: LLMStub, monkeypatch: pytest.MonkeyPatch):
    assert CliRunner().invoke(app, ["ingest", str(small_kb_folder(tmp_path))]).exit_code == 0
    point_llm_at(llm_stub, monkeypatch, timeout=10)
    terminal = Terminal(KEEL, env=dict(os.environ), cwd=tmp_path, columns=COLUMNS, lines=LINES)
    yield terminal
    terminal.close()


@pytest.mark.timeout(240)
def test_the_streamed_draft_is_replaced_on_screen_by_the_checked_answer(chat: Terminal, llm_stub: LLMStub) -> None:
    llm_stub.queue(Reply(stream_text=DRAFT, chunk_delay=0.3))
    prompt = chat.expect("you", timeout=120)
    chat.send("How long is parental leave?\r")
    chat.expect("free sushi", timeout=120, after=prompt)  # the draft, on screen while the model writes
    answered = chat.expect("Answered", timeout=60, after=prompt)
    chat.expect("you", timeout=30, after=answered)
    chat.send("exit\r")
    assert chat.wait(timeout=30) == 0

    screen = chat.screen.everything()
    assert "Parents receive 20 weeks of paid parental leave [1]." in screen
    assert "Answered" in screen and "leave.md" in screen
    assert "sushi" not in screen and "canteen" not in screen  # the discarded draft is off the screen
    assert "Parents receive 20 weeks" in "\n".join(chat.screen.display())  # the answer is what is visible
    assert llm_stub.chat_requests[-1].body["max_completion_tokens"] == 512
