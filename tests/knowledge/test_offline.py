"""Nothing downloads anything at run time: a cold process ingests and searches with the network refused."""

from tests.knowledge.helpers import small_kb_folder
from tests.offline_guard import run_offline


def test_cold_ingest_and_search_make_no_network_connection(tmp_path, keel_home):
    folder = small_kb_folder(tmp_path)
    stdout, attempts = run_offline(
        f"""
        from knowledge.base import KnowledgeBase
        kb = KnowledgeBase()
        report = kb.ingest([{str(folder)!r}])
        assert report.ok, report.outcomes
        print(kb.search("how long is parental leave", k=1)[0].section)
        """,
        env={"KEEL_HOME": str(keel_home)},
    )
    assert stdout.strip() == "Parental leave"
    assert attempts == []
