"""Issue 16: hostile files and unbounded web ingest, through the real `keel ingest` command."""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import resource
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from config.settings import get_settings
from knowledge import loaders
from tests.knowledge.builders import inflating_docx
from tests.knowledge.test_loaders_url import Site, site  # noqa: F401 - the local web server fixture

runner = CliRunner()
MB = 1024 * 1024


def keel(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "KEEL_DOCX_MAX_UNPACKED_MB": "2",
        "KEEL_CONVERT_TIMEOUT": "4",
        "KEEL_CONVERT_MAX_MEMORY_MB": "512",
        "KEEL_INGEST_MAX_URLS": "5",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings(fresh=True)


def test_hostile_files_fail_with_a_reason_and_the_good_file_is_added(tmp_path: Path, small_limits: None) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Bikes\n\nBikes live in the basement.\n")
    (folder / "liar.docx").write_bytes(inflating_docx(20 * MB, stated=4096))
    (folder / "inflates.docx").write_bytes(inflating_docx(100 * MB))
    (folder / "lists.html").write_bytes(b"<ul><li>x" * 9500)
    (folder / "tables.html").write_bytes(b"<table><tr><td>cell " * 60000)
    started = time.monotonic()
    result = keel("ingest", str(folder), "--json")
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    outcomes = {Path(o["source"]).name: o for o in json.loads(result.output)["sources"]}
    assert outcomes["good.md"]["status"] == "added"
    reasons = {name: o["reason"] for name, o in outcomes.items() if o["status"] == "failed"}
    assert set(reasons) == {"liar.docx", "inflates.docx", "lists.html", "tables.html"}
    assert "corrupt DOCX" in reasons["liar.docx"] or "zip bomb" in reasons["liar.docx"]
    assert "over the 2 MB limit (a zip bomb?)" in reasons["inflates.docx"]
    assert reasons["lists.html"] == "HTML nested more than 200 levels deep"
    assert reasons["tables.html"] in (
        "HTML nested more than 200 levels deep",
        "conversion took over 4 s and was stopped",
    )
    assert elapsed < 30


def test_a_small_docx_inflating_to_95_mb_is_stopped_at_the_memory_budget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's 290 KB DOCX: under the unpacked-size limit, but python-docx needs gigabytes for it."""
    monkeypatch.setenv("KEEL_DOCX_MAX_UNPACKED_MB", "200")
    monkeypatch.setenv("KEEL_CONVERT_MAX_MEMORY_MB", "512")
    get_settings(fresh=True)
    bomb = inflating_docx(95 * MB)
    assert len(bomb) < 400 * 1024
    (tmp_path / "inflates.docx").write_bytes(bomb)
    (tmp_path / "good.md").write_text("# Canteen\n\nLunch is at noon.\n")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.monotonic()
    result = keel("ingest", str(tmp_path / "inflates.docx"), str(tmp_path / "good.md"), "--json")
    assert time.monotonic() - started < 30
    outcomes = {Path(o["source"]).name: o for o in json.loads(result.output)["sources"]}
    assert outcomes["good.md"]["status"] == "added"
    assert outcomes["inflates.docx"] == {
        "source": str(tmp_path / "inflates.docx"),
        "status": "failed",
        "chunks": 0,
        "reason": "conversion ran out of memory (limit 512 MB)",
    }
    # The worker that parsed it was held to its budget (the reason says so); this process never parsed it.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 300 * 1024


def test_a_folder_ingest_does_not_follow_a_link_out_of_the_folder(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("the root password is hunter2\n")
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.md").write_text("# Bikes\n\nBikes live in the basement.\n")
    os.symlink(outside, folder / "passwd.txt")
    result = keel("ingest", str(folder), "--json")
    outcomes = {Path(o["source"]).name: o for o in json.loads(result.output)["sources"]}
    assert outcomes["passwd.txt"]["status"] == "failed" and "outside the folder" in outcomes["passwd.txt"]["reason"]
    assert str(outside) not in {s["source"] for s in json.loads(keel("sources", "--json").output)}
    followed = keel("ingest", str(folder), "--follow-links", "--json")
    assert followed.exit_code == 0, followed.output
    assert any(Path(o["source"]).name == "passwd.txt" for o in json.loads(followed.output)["sources"])


def test_file_names_with_escape_codes_and_newlines_are_printed_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "red\x1b[31mflag\nadded fake.md").write_text("# Bikes\n\nBikes live in the basement.\n")
    (folder / "bad\x1b[2Jname.txt").write_bytes(b"\x00\x01binary")
    ingested = keel("ingest", str(folder))
    listed = keel("sources")
    for output in (ingested.output, listed.output):
        assert "\x1b" not in output
    unwrapped = ingested.output.replace("\n", "")  # the console wraps long lines
    assert "red\\x1b[31mflag\\nadded fake.md" in unwrapped
    assert "bad\\x1b[2Jname.txt" in unwrapped
    assert "fake.md" in listed.output  # listed (the table truncates the middle of a long path)


def test_a_cli_ingest_is_logged(tmp_path: Path, keel_home: Path) -> None:
    (tmp_path / "good.md").write_text("# Bikes\n\nBikes live in the basement.\n")
    assert keel("ingest", str(tmp_path / "good.md"), "-c", "hr").exit_code == 0
    with sqlite3.connect(keel_home / "keel.db") as db:
        runs = db.execute("SELECT trigger, collection, added, ok FROM ingest_runs").fetchall()
        sources = db.execute("SELECT source, status FROM knowledge_sources").fetchall()
    assert runs == [("cli", "hr", 1, 1)]
    assert sources == [(str(tmp_path / "good.md"), "active")]


def test_a_huge_sitemap_fetches_only_the_cap_and_says_how_many_were_skipped(site: Site, small_limits: None) -> None:  # noqa: F811
    urls = "".join(f"<url><loc>{site.url}/page{n}.html</loc></url>" for n in range(10_000))
    site.add(
        "/sitemap.xml",
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
        "application/xml",
    )
    for n in range(10_000):
        site.add(f"/page{n}.html", f"<h1>Page {n}</h1><p>About topic {n}.</p>")
    result = keel("ingest", f"{site.url}/sitemap.xml", "--json")
    report = json.loads(result.output)
    assert report["summary"]["added"] == 5 and report["summary"]["skipped"] == 9_995
    skipped = [o for o in report["sources"] if o["status"] == "skipped"]
    assert skipped and "9,995 URLs skipped: over the limit of 5 per run" in skipped[0]["reason"]
    assert result.exit_code == 0
    text = keel("ingest", f"{site.url}/sitemap.xml")
    assert "9995 skipped" in " ".join(text.output.split())
    with sqlite3.connect(get_settings().log_path) as db:  # the sitemap is not logged as a stored source
        logged = {row[0] for row in db.execute("SELECT source FROM knowledge_sources")}
    assert len(logged) == 5 and f"{site.url}/sitemap.xml" not in logged


@pytest.fixture
def dripping_server() -> Iterator[str]:
    class Drip(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            with contextlib.suppress(OSError):  # Keel hangs up first
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(200):  # one header line every 50 ms: 10 s of headers
                    self.wfile.write(b"X-Slow: 1\r\n")
                    self.wfile.flush()
                    time.sleep(0.05)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Drip)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slow.html"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_dripping_headers_fails_within_the_deadline(
    dripping_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loaders, "FETCH_TIMEOUT_S", 1.0)
    started = time.monotonic()
    result = keel("ingest", dripping_server, "--json")
    elapsed = time.monotonic() - started
    [outcome] = json.loads(result.output)["sources"]
    assert outcome["status"] == "failed" and outcome["reason"] == "timed out after 1 s"
    assert elapsed < 5


def test_nested_sitemaps_past_the_limit_are_not_fetched(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setattr(loaders, "MAX_SITEMAPS", 3)
    empty = '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>'
    nested = "".join(f"<sitemap><loc>{site.url}/s{n}.xml</loc></sitemap>" for n in range(50))
    index = f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{nested}</sitemapindex>'
    site.add("/sitemap_index.xml", index, "application/xml")
    for n in range(50):
        site.add(f"/s{n}.xml", empty, "application/xml")
    sources, errors = loaders.discover([f"{site.url}/sitemap_index.xml"])
    assert sources == []
    [over] = errors
    assert isinstance(over, loaders.OverLimit) and over.count == 47
    assert over.reason == "47 sitemaps not read: over the limit of 3 per run"


def test_markup_and_escapes_in_names_cannot_reach_the_terminal() -> None:
    from bot.cli.knowledge import _short, safe

    assert safe("a\x1b[31mb\nc[/bold]") == "a\\x1b[31mb\\nc\\[/bold]"
    cut = _short("/" + "x" * 70 + "[/bold]end.md", width=20)
    assert cut.startswith("…") and "\\[/bold]" in cut
