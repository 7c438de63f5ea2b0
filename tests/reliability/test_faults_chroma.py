"""The Chroma server (server mode, a real ``chroma run`` on 127.0.0.1) stopped or slow.

Answering: the asker is told in the thread that Keel could not answer and the question is handed over
(the experts are brought in; the hand-over row exists); once the server is back, questions are answered
again without restarting Keel. Ingesting: ``keel ingest`` says what failed and exits non-zero; the same
command run again once the server is back stores every chunk once, nothing lost, nothing twice.

A stalled server (a proxy that forwards nothing): chromadb's HTTP client has no timeout of its own, so
Keel sets one (KEEL_CHROMA_TIMEOUT, knowledge/store.py) and the asker is told within seconds."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as keel_cli
from config.settings import Settings, get_settings
from knowledge.base import KnowledgeBase
from tests.bot.conftest import HELP, Running, make_service
from tests.knowledge.helpers import LEAVE, small_kb_folder
from tests.reliability.faults_helpers import StallingProxy, ask, log_rows
from tests.servers import ChromaServer

pytestmark = pytest.mark.server

EXPERT = "U0EXPERT"
QUESTION = "How long is parental leave?"
TOLD = "knowledge base is unreachable"  # graphs.agent: the asker's message names the cause


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    """One real Chroma server for the module (it takes seconds to start); tests that stop it restart it."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma-server")).start()
    yield server
    server.stop()


@pytest.fixture
def proxy(chroma: ChromaServer) -> Iterator[StallingProxy]:
    """A proxy in front of the server (running: a test before may have stopped it)."""
    if chroma._proc is None or chroma._proc.poll() is not None:
        chroma.start()
    proxy = StallingProxy(chroma.port, cut_after=8.0)
    yield proxy
    proxy.close()


@pytest.fixture
def chroma_url(request: pytest.FixtureRequest, chroma: ChromaServer, proxy: StallingProxy) -> str:
    """Straight to the server; parametrized indirectly with "proxy": through the proxy that can stall."""
    return proxy.url if getattr(request, "param", "") == "proxy" else chroma.url


@pytest.fixture
def server_mode(chroma_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Keel in server mode, with an expert to hand questions to."""
    policy = tmp_path / "keel.toml"
    policy.write_text(f'[defaults]\nexperts = ["{EXPERT}"]\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    monkeypatch.setenv("KEEL_CHROMA_URL", chroma_url)
    monkeypatch.setenv("KEEL_CHROMA_TIMEOUT", "1")  # seconds before a Chroma call gives up (default 10)
    get_settings(fresh=True)
    return chroma_url


@pytest.fixture
def kb(server_mode: str, kb_folder: Path, keel_home: Path) -> KnowledgeBase:
    """tests/bot/conftest.py's knowledge base, but in the Chroma server."""
    base = KnowledgeBase(get_settings())
    assert base.ingest([str(kb_folder)]).ok
    return base


def assert_told_and_handed_over(keel: Running, thread: str, told_why: str = TOLD, logged_why: str = TOLD) -> dict:
    told, announcement = keel.replies(HELP, thread)
    assert "couldn't answer" in told["text"] and told_why in told["text"]
    assert "needs a person" in announcement["text"] and EXPERT in str(announcement["blocks"])
    turn = next(t for t in log_rows("turns") if t["thread_ts"] == thread)
    assert turn["decision"] == "handed_over" and turn["route"] == "error" and logged_why in turn["reasons"]
    (handover,) = log_rows("handovers", "turn_id = ?", [turn["id"]])
    assert handover["status"] == "pending" and handover["announcement_ts"] == announcement["ts"]
    return turn


def test_a_stopped_server_is_told_and_handed_over_then_answering_resumes(
    server_mode: str,
    chroma: ChromaServer,
    start_keel,
) -> None:
    keel: Running = start_keel()
    assert "20 weeks" in keel.replies(HELP, ask(keel, QUESTION))[0]["text"]

    chroma.stop()
    started = time.monotonic()
    thread = ask(keel, QUESTION)
    told_after = time.monotonic() - started
    assert_told_and_handed_over(keel, thread)

    chroma.start()  # back on the same port with the same data: Keel reconnects by itself
    again = ask(keel, QUESTION)
    assert "20 weeks" in keel.replies(HELP, again)[0]["text"]
    assert len(log_rows("turns")) == 3 and len(log_rows("handovers")) == 1
    print(f"stopped server: told after {told_after:.2f}s")


@pytest.mark.parametrize("chroma_url", ["proxy"], indirect=True)
@pytest.mark.parametrize(
    ("call", "told_why", "logged_why"),
    [("/query ", TOLD, TOLD), ("/count?", TOLD, TOLD)],
    ids=["during-the-vector-query", "while-syncing-the-keyword-index"],
)
def test_a_connection_dropped_mid_search_is_told_and_handed_over_without_internals(
    server_mode: str,
    proxy: StallingProxy,
    slack_env: Settings,
    start_keel,
    call: str,
    told_why: str,
    logged_why: str,
) -> None:
    # A knowledge base opened afresh, as after a restart: its first search syncs the keyword index.
    keel: Running = start_keel(make_service(slack_env, KnowledgeBase(get_settings())))
    proxy.drop_marker = call.encode()
    thread = ask(keel, QUESTION)
    assert proxy.dropped
    assert_told_and_handed_over(keel, thread, told_why, logged_why)
    assert "Error" not in keel.replies(HELP, thread)[0]["text"]  # no exception names for the asker

    proxy.drop_marker = None
    assert "20 weeks" in keel.replies(HELP, ask(keel, QUESTION))[0]["text"]


@pytest.mark.parametrize("chroma_url", ["proxy"], indirect=True)
def test_a_stalled_server_is_told_and_handed_over_within_seconds(
    server_mode: str,
    proxy: StallingProxy,
    start_keel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keel: Running = start_keel()
    assert "20 weeks" in keel.replies(HELP, ask(keel, QUESTION))[0]["text"]

    proxy.stall()
    started = time.monotonic()
    thread = ask(keel, QUESTION)
    told_after = time.monotonic() - started
    print(f"stalled server: told after {told_after:.2f}s")
    assert_told_and_handed_over(keel, thread)
    assert told_after < 5, f"the asker waited {told_after:.1f}s"


def run_ingest(folder: Path) -> tuple[int, str]:
    result = CliRunner().invoke(keel_cli, ["ingest", str(folder)])
    return result.exit_code, result.output + (repr(result.exception) if result.exception else "")


def stored_chunks(folder: Path) -> dict[str, list[str]]:
    store = KnowledgeBase(get_settings(fresh=True)).store
    return {p.name: sorted(store.ids_for_source(str(p))) for p in sorted(folder.glob("*.md"))}


def test_ingest_reports_a_stopped_server_and_a_rerun_stores_everything_once(
    server_mode: str, chroma: ChromaServer, tmp_path: Path
) -> None:
    folder = small_kb_folder(tmp_path / "docs")
    chroma.stop()
    code, output = run_ingest(folder)
    assert code != 0 and "unreachable" in output and "again" in output and "Traceback" not in output

    chroma.start()
    code, output = run_ingest(folder)
    assert code == 0 and "3 added" in output, output
    first = stored_chunks(folder)
    assert all(first.values())
    code, output = run_ingest(folder)  # and once more: nothing changes
    assert code == 0 and "3 unchanged" in output and stored_chunks(folder) == first


def leave_texts(folder: Path) -> list[str]:
    store = KnowledgeBase(get_settings(fresh=True)).store
    return [text for text, _ in store.get(stored_chunks(folder)["leave.md"]).values()]


@pytest.mark.parametrize("chroma_url", ["proxy"], indirect=True)
@pytest.mark.parametrize("cut_at", ["/upsert ", "/delete "], ids=["writing-new-chunks", "deleting-old-chunks"])
def test_ingest_cut_off_half_way_reports_it_and_a_rerun_leaves_no_stale_or_missing_chunk(
    server_mode: str, proxy: StallingProxy, tmp_path: Path, cut_at: str
) -> None:
    folder = small_kb_folder(tmp_path / "docs")
    assert run_ingest(folder)[0] == 0
    before = stored_chunks(folder)

    # The leave policy changes; the server vanishes in the middle of a call that stores it.
    (folder / "leave.md").write_text(LEAVE.replace("20 weeks", "24 weeks"))
    proxy.drop_marker = cut_at.encode()
    code, output = run_ingest(folder)
    assert proxy.dropped and code != 0 and "Traceback" not in output and "again" in output

    proxy.drop_marker = None
    code, output = run_ingest(folder)
    assert code == 0, output
    after = stored_chunks(folder)
    assert after["vpn.md"] == before["vpn.md"] and after["expenses.md"] == before["expenses.md"]
    assert len(after["leave.md"]) == len(before["leave.md"])  # replaced, not added to
    texts = leave_texts(folder)
    assert any("24 weeks" in t for t in texts) and not any("20 weeks" in t for t in texts)
