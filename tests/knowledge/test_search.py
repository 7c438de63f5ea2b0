import json
from pathlib import Path

from config.settings import get_settings
from knowledge.base import KnowledgeBase
from knowledge.keyword import META_FILE, KeywordIndex
from knowledge.search import FusionParams, fuse
from knowledge.types import Hit
from tests.knowledge.helpers import EXPENSES, LEAVE, VPN, small_kb_folder, write_docs


def dense_hit(chunk_id: str, cosine: float, rank: int) -> Hit:
    return Hit(chunk_id, f"text {chunk_id}", "src", "", "", "c", score=cosine, dense_score=cosine, dense_rank=rank)


def bm25_hit(chunk_id: str, score: float, rank: int) -> Hit:
    return Hit(chunk_id, "", "", "", "", "", score=score, bm25_rank=rank)


def test_fusion_lets_a_strong_keyword_match_overtake_a_near_tie_in_meaning():
    dense = [dense_hit("a", 0.80, 1), dense_hit("b", 0.78, 2)]
    keyword = [bm25_hit("b", 12.0, 1), bm25_hit("a", 1.0, 2)]
    fused = fuse(dense, keyword, FusionParams())
    assert [h.chunk_id for h in fused] == ["b", "a"]
    assert (fused[0].dense_rank, fused[0].bm25_rank) == (2, 1)


def test_fusion_keeps_a_clear_dense_winner_that_rrf_would_tie():
    dense = [dense_hit("a", 0.90, 1), dense_hit("b", 0.45, 2)]
    keyword = [bm25_hit("b", 10.0, 1), bm25_hit("a", 9.0, 2)]
    assert [h.chunk_id for h in fuse(dense, keyword, FusionParams())] == ["a", "b"]
    rrf = fuse(dense, keyword, FusionParams(method="rrf", dense_weight=1.0, bm25_weight=1.0))
    assert rrf[0].score == rrf[1].score  # equal-weight RRF cannot tell them apart


def test_fusion_uses_bm25_scores_of_dense_candidates_outside_the_bm25_list():
    dense = [dense_hit("a", 0.80, 1), dense_hit("b", 0.79, 2), dense_hit("d", 0.50, 3)]
    keyword = [bm25_hit("c", 10.0, 1)]
    assert [h.chunk_id for h in fuse(dense, keyword, FusionParams())][:2] == ["c", "a"]
    fused = fuse(dense, keyword, FusionParams(), bm25_scores={"b": 9.0})
    assert [h.chunk_id for h in fused][:2] == ["b", "c"]
    only_bm25 = next(h for h in fused if h.chunk_id == "c")
    assert only_bm25.dense_score == 0.0 and only_bm25.dense_rank == 0


def test_search_finds_an_exact_name_and_fills_in_keyword_only_hits(tmp_path):
    kb = KnowledgeBase()
    kb.ingest([str(small_kb_folder(tmp_path))])
    hits = kb.search("Ledgerly", k=3)
    assert Path(hits[0].source).name == "expenses.md" and hits[0].bm25_rank == 1
    assert all(h.text and h.source and h.collection for h in hits)


def test_a_query_of_only_stopwords_still_gets_dense_results(tmp_path):
    kb = KnowledgeBase()
    kb.ingest([str(small_kb_folder(tmp_path))])
    assert kb.retriever.keyword("what is the", k=5) == []
    hits = kb.search("what is the", k=2)
    assert len(hits) == 2 and all(h.bm25_rank == 0 for h in hits)


def test_scoped_search_stays_inside_large_and_small_collections(tmp_path):
    kb = KnowledgeBase()
    big = {f"policy{n}": LEAVE.replace("Leave policy", f"Leave policy {n}") for n in range(6)}
    kb.ingest([str(write_docs(tmp_path / "hr", **big))], "hr")  # most chunks: searched by over-fetching
    kb.ingest([str(write_docs(tmp_path / "fin", expenses=EXPENSES))], "finance")  # few: Chroma filter
    assert kb.retriever.keyword_index().share(["hr"]) > 0.5 > kb.retriever.keyword_index().share(["finance"])
    for collection, query in (("hr", "receipts for team dinners"), ("finance", "parental leave weeks")):
        hits = kb.search(query, k=10, collections=[collection])
        assert hits and {h.collection for h in hits} == {collection}
        dense = kb.retriever.dense(query, k=10, collections=[collection])
        assert dense and {h.collection for h in dense} == {collection}


def test_an_index_saved_by_another_process_is_used_at_once(tmp_path):
    reader = KnowledgeBase()
    writer = KnowledgeBase()
    writer.ingest([str(write_docs(tmp_path / "a", leave=LEAVE))])
    assert reader.retriever.keyword("Pangolin", k=3) == []
    writer.ingest([str(write_docs(tmp_path / "b", vpn=VPN))])
    assert [Path(h.source).name for h in reader.retriever.keyword("Pangolin", k=3)] == ["vpn.md"]


def test_an_index_saved_with_other_settings_is_rebuilt(tmp_path):
    kb = KnowledgeBase()
    kb.ingest([str(small_kb_folder(tmp_path))])
    path = get_settings().bm25_path / kb.embedder.model_id
    meta = json.loads((path / META_FILE).read_text())
    (path / META_FILE).write_text(json.dumps(meta | {"scheme": "bm25-from-an-older-keel"}))
    assert KeywordIndex.load(path) is None
    fresh = KnowledgeBase()
    assert [Path(h.source).name for h in fresh.retriever.keyword("Ledgerly", k=1)] == ["expenses.md"]
    assert KeywordIndex.load(path) is not None
