"""Knowledge added by another process (the admin worker, `keel ingest`) is seen by a running one as a
fresh process would see it: embedded Chroma loads a collection's vector index once per process, so
before issue 16 the new chunks were found by BM25 but had no cosine, and were judged far weaker until
a restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.settings import get_settings
from graphs.agent import Agent
from knowledge.base import KnowledgeBase
from tests.knowledge.helpers import small_kb_folder, write_docs

FERRY = (
    "# Ferry policy\n\nThe Zanzibar ferry allowance is EUR 42 per trip for employees travelling to the island office.\n"
)
QUESTION = "What is the Zanzibar ferry allowance?"


def _ingest_elsewhere(folder: Path) -> None:
    """`keel ingest` in its own process, on the same KEEL_HOME, as an admin would run it."""
    done = subprocess.run(
        [sys.executable, "-c", "from bot.cli import app; app()", "ingest", str(folder)],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_a_running_process_finds_and_trusts_knowledge_ingested_by_another(tmp_path):
    kb = KnowledgeBase(get_settings())
    kb.ingest([str(small_kb_folder(tmp_path))])
    agent = Agent.from_settings(get_settings(), kb=kb)
    assert agent.ask(QUESTION).decision == "handed_over"  # nothing about ferries yet

    _ingest_elsewhere(write_docs(tmp_path / "new", ferry=FERRY))

    hit = kb.search(QUESTION, k=1)[0]
    assert hit.source.endswith("ferry.md") and hit.dense_score > 0.6  # a cosine, not BM25 alone
    result = agent.ask(QUESTION)
    fresh = Agent.from_settings(get_settings(), kb=KnowledgeBase(get_settings())).ask(QUESTION)
    assert result.decision == "answered" and "EUR 42" in result.answer, result.reasons
    assert abs(result.confidence - fresh.confidence) < 0.01  # judged as a fresh process judges it
