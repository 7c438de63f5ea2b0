"""Fixtures shared by the graph tests: the bundled sample knowledge, ingested once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from knowledge.base import KnowledgeBase

SAMPLES = Path(__file__).resolve().parents[2] / "knowledge" / "samples"


@pytest.fixture(scope="session")
def sample_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """knowledge/samples in a knowledge base of its own (ingesting takes 20-60 s, so it is done once).

    Its settings are explicit, so the per-test KEEL_HOME of tests/conftest.py does not move it."""
    home = tmp_path_factory.mktemp("samples-home")
    kb = KnowledgeBase(Settings(home=home, chroma_url=None, embeddings="onnx:all-MiniLM-L6-v2-int8"))
    report = kb.ingest([str(SAMPLES)])
    assert report.ok, report.failed
    assert not kb.is_empty()
    return kb
