from pathlib import Path

from config.settings import get_settings
from knowledge.base import KnowledgeBase
from knowledge.chunking import chunk_document
from knowledge.keyword import KeywordIndex
from knowledge.loaders import load
from tests.knowledge.helpers import EXPENSES, LEAVE, small_kb_folder, write_docs


def sources_of(hits):
    return [Path(h.source).name for h in hits]


def test_ingest_then_search_finds_the_right_section(tmp_path):
    kb = KnowledgeBase()
    report = kb.ingest([str(small_kb_folder(tmp_path))])
    assert report.ok and report.count("added") == 3
    hits = kb.search("how long is parental leave?", k=3)
    assert sources_of(hits)[0] == "leave.md"
    assert hits[0].section == "Parental leave"
    assert hits[0].title == "Leave policy"


def test_reingesting_unchanged_sources_adds_nothing(tmp_path):
    kb = KnowledgeBase()
    folder = small_kb_folder(tmp_path)
    first = kb.ingest([str(folder)])
    count = kb.store.count()
    second = kb.ingest([str(folder)])
    assert second.count("unchanged") == 3 and second.summary()["chunks"] == 0
    assert kb.store.count() == count == first.summary()["chunks"]


def test_a_changed_source_replaces_its_chunks(tmp_path):
    kb = KnowledgeBase()
    folder = small_kb_folder(tmp_path)
    kb.ingest([str(folder)])
    (folder / "expenses.md").write_text(EXPENSES.replace("60 EUR", "75 EUR").replace("30 days", "45 days"))
    report = kb.ingest([str(folder)])
    assert report.count("updated") == 1 and report.count("unchanged") == 2
    texts = " ".join(h.text for h in kb.search("team dinner limit per person", k=10))
    assert "75 EUR" in texts and "60 EUR" not in texts
    assert len(kb.store.ids_for_source(str(folder / "expenses.md"))) == report.summary()["chunks"]


def test_remove_and_prune_drop_sources_from_both_indexes(tmp_path):
    kb = KnowledgeBase()
    folder = small_kb_folder(tmp_path)
    kb.ingest([str(folder)])
    assert kb.remove(str(folder / "vpn.md")) > 0
    assert "vpn.md" not in sources_of(kb.search("Pangolin VPN client", k=10))
    assert "vpn.md" not in sources_of(kb.retriever.keyword("Pangolin", k=10))

    (folder / "expenses.md").unlink()
    report = kb.ingest([str(folder)], prune=True)
    assert [Path(o.source).name for o in report.outcomes if o.status == "removed"] == ["expenses.md"]
    assert {Path(s.source).name for s in kb.sources()} == {
        "leave.md",
        "vpn.md",
    }  # vpn.md is back: still in the folder


def test_remove_of_an_unknown_source_removes_nothing():
    assert KnowledgeBase().remove("/nope/missing.md") == 0


def test_a_bad_file_is_reported_and_the_rest_still_ingested(tmp_path):
    folder = small_kb_folder(tmp_path)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "empty.md").write_text("   \n")
    kb = KnowledgeBase()
    kb.ingest([str(folder / "leave.md")])
    stored_before = kb.store.count()
    report = kb.ingest([str(folder)])
    failed = {Path(o.source).name: o.reason for o in report.failed}
    assert set(failed) == {"broken.pdf", "empty.md"}
    assert all(failed.values())
    assert report.count("added") == 2 and report.count("unchanged") == 1
    assert kb.store.count() > stored_before
    assert not report.ok


def test_collections_scope_search(tmp_path):
    kb = KnowledgeBase()
    kb.ingest([str(write_docs(tmp_path / "hr", leave=LEAVE))], "hr")
    kb.ingest([str(write_docs(tmp_path / "fin", expenses=EXPENSES))], "finance")
    assert {h.collection for h in kb.search("vacation days", k=10, collections=["finance"])} == {"finance"}
    assert {h.collection for h in kb.search("vacation days", k=10, collections=["hr"])} == {"hr"}
    assert kb.search("vacation days", k=10, collections=["nope"]) == []


def test_keyword_index_persists_and_heals_when_out_of_sync(tmp_path):
    kb = KnowledgeBase()
    kb.ingest([str(small_kb_folder(tmp_path))])
    path = get_settings().bm25_path / kb.embedder.model_id
    saved = KeywordIndex.load(path)
    assert saved is not None and len(saved) == kb.store.count()

    fresh = KnowledgeBase()  # a new process on the same data directory
    assert sources_of(fresh.retriever.keyword("Ledgerly receipts", k=1)) == ["expenses.md"]

    for item in path.iterdir():  # the index is lost or corrupted: search rebuilds it from Chroma
        item.write_bytes(b"garbage")
    healed = KnowledgeBase()
    assert sources_of(healed.retriever.keyword("Ledgerly receipts", k=1)) == ["expenses.md"]
    assert KeywordIndex.load(path) is not None


def test_ingest_and_search_need_no_network(tmp_path, no_network):
    kb = KnowledgeBase()
    assert kb.ingest([str(small_kb_folder(tmp_path))]).ok
    assert sources_of(kb.search("VPN client", k=1)) == ["vpn.md"]
    assert no_network == []


def test_a_rerun_cleans_up_after_a_crash_between_writing_and_deleting(tmp_path):
    """Chunks of the old and the new version side by side (the first run died before deleting the old
    ones): the source is not taken as unchanged, and the rerun leaves only the new version."""
    folder = write_docs(tmp_path / "kb", leave=LEAVE)
    kb = KnowledgeBase()
    assert kb.ingest([str(folder)]).ok
    leave = str(folder / "leave.md")
    old_ids = set(kb.store.ids_for_source(leave))
    write_docs(folder, leave=LEAVE.replace("15 vacation days", "18 vacation days"))
    new_chunks = [c for d in load(leave) for c in chunk_document(d, "general")]
    kb.add_chunks(new_chunks)  # the crashed run: new chunks written, old ones still there
    assert kb.store.sources()[leave].content_hash == ""  # two versions: not up to date

    report = kb.ingest([str(folder)])
    assert report.count("updated") == 1
    ids = set(kb.store.ids_for_source(leave))
    assert ids == {c.chunk_id for c in new_chunks} and not ids & old_ids
    assert "18 vacation days" in kb.search("How many vacation days do contractors get?", k=1)[0].text
