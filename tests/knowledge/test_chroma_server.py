"""Server mode: the same ingest and search through a real `chroma run` on 127.0.0.1."""

import pytest

from config.settings import get_settings
from knowledge.base import KnowledgeBase
from knowledge.store import StoreUnavailable
from tests.knowledge.helpers import small_kb_folder
from tests.servers import ChromaServer, free_port

pytestmark = pytest.mark.server


@pytest.fixture
def chroma_server(tmp_path):
    server = ChromaServer(tmp_path / "chroma-server").start()
    yield server
    server.stop()


def test_ingest_and_search_through_a_chroma_server(tmp_path, monkeypatch, chroma_server):
    monkeypatch.setenv("KEEL_CHROMA_URL", chroma_server.url)
    settings = get_settings(fresh=True)
    kb = KnowledgeBase(settings)
    assert kb.ingest([str(small_kb_folder(tmp_path))]).count("added") == 3
    assert not settings.chroma_path.exists()  # nothing embedded: the server holds the vectors
    hits = kb.search("how long is parental leave", k=1)
    assert hits[0].section == "Parental leave"

    other_worker = KnowledgeBase(get_settings(fresh=True))  # a second Keel process sees the same data
    assert other_worker.search("Ledgerly", k=1)[0].title == "Expenses"
    assert other_worker.ingest([str(tmp_path / "kb")]).count("unchanged") == 3


def test_an_unreachable_server_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("KEEL_CHROMA_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreUnavailable, match="unreachable|unavailable"):
        KnowledgeBase(get_settings(fresh=True)).store.count()
