"""URLs and sitemaps, fetched from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from knowledge import loaders
from knowledge.loaders import LoadError, discover, load
from tests.knowledge.builders import pdf_bytes
from tests.servers import free_port

BIG = 11 * 1024 * 1024


@dataclass
class Site:
    """A small intranet: routes are path -> (status, headers, body)."""

    url: str = ""
    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, user agent)

    def add(self, path: str, body: bytes | str, content_type: str = "text/html", status: int = 200, **headers: str):
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": content_type, **headers}, data)

    def redirect(self, path: str, location: str, status: int = 301) -> None:
        self.routes[path] = (status, {"Location": location}, b"")

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            site.requests.append((self.path, self.headers.get("User-Agent", "")))
            if self.path == "/slow":
                time.sleep(1.5)
            if self.path == "/big-streamed":  # no Content-Length: the client must count as it reads
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for _ in range(BIG // 65536):
                        self.wfile.write(b"a" * 65536)
                return
            status, headers, body = site.routes.get(self.path, (404, {"Content-Type": "text/plain"}, b"not found"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if "Content-Length" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            pass

    return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(site))
    server.daemon_threads = True
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


HANDBOOK = (
    "<html><head><title>Handbook</title></head><body><nav>Menu</nav>"
    "<h1>Handbook</h1><h2>Leave</h2><p>25 days per year.</p></body></html>"
)


def test_an_html_page_is_fetched_with_keels_user_agent_and_converted(site):
    site.add("/handbook.html", HANDBOOK, "text/html; charset=utf-8")
    [doc] = load(f"{site.url}/handbook.html")
    assert (doc.source, doc.title, doc.kind) == (f"{site.url}/handbook.html", "Handbook", "url")
    assert doc.text == "# Handbook\n\n## Leave\n\n25 days per year."
    assert doc.extra == {"format": "html", "content_type": "text/html"}
    assert site.requests == [("/handbook.html", "KeelBot/0.1")]


def test_the_content_type_decides_the_format(site):
    site.add("/guide", "# Guide\n\nStep one.", "text/markdown")
    site.add("/notes", "Plain words.", "text/plain")
    site.add("/raw/readme.md", "# Readme\nHello.", "text/plain")  # raw Markdown is often served as text
    site.add("/report", pdf_bytes([["Quarterly Report", "Revenue grew by 5 percent."]]), "application/pdf")
    site.add("/latin1", "Caf\xe9 opens at eight.".encode("latin-1"), "text/plain; charset=iso-8859-1")
    docs = {path: load(f"{site.url}{path}")[0] for path in ["/guide", "/notes", "/raw/readme.md", "/report", "/latin1"]}
    assert {path: doc.extra["format"] for path, doc in docs.items()} == {
        "/guide": "markdown",
        "/notes": "text",
        "/raw/readme.md": "markdown",
        "/report": "pdf",
        "/latin1": "text",
    }
    assert docs["/guide"].title == "Guide"
    assert docs["/notes"].title == "Notes"  # named after the URL's last path segment
    assert "Revenue grew by 5 percent." in docs["/report"].text
    assert docs["/latin1"].text == "Café opens at eight."


def test_http_errors_and_unsupported_content_are_load_errors(site):
    site.add("/logo.png", b"\x89PNG", "image/png")
    site.add("/down", "maintenance", "text/plain", status=503)
    site.add("/blank", "   ", "text/html")
    cases = {"/missing": "HTTP 404", "/down": "HTTP 503", "/logo.png": "unsupported content type image/png"}
    cases["/blank"] = "empty file"
    for path, reason in cases.items():
        with pytest.raises(LoadError) as caught:
            load(f"{site.url}{path}")
        assert (caught.value.source, caught.value.reason) == (f"{site.url}{path}", reason)


def test_redirects_are_followed_and_each_hop_is_checked(site, monkeypatch):
    site.add("/handbook.html", HANDBOOK)
    site.redirect("/old", "/older", status=302)
    site.redirect("/older", f"{site.url}/handbook.html")
    checked: list[str] = []
    monkeypatch.setattr(loaders, "check_url_allowed", checked.append)
    [doc] = load(f"{site.url}/old")
    assert doc.source == f"{site.url}/old"
    assert doc.extra["final_url"] == f"{site.url}/handbook.html"
    assert checked == [f"{site.url}/old", f"{site.url}/older", f"{site.url}/handbook.html"]


def test_a_blocked_redirect_target_is_never_requested(site, monkeypatch):
    site.redirect("/innocent", "/internal")
    site.add("/internal", "secrets", "text/plain")

    def block_internal(url: str) -> None:
        if url.endswith("/internal"):
            raise LoadError(url, "address not allowed")

    monkeypatch.setattr(loaders, "check_url_allowed", block_internal)
    with pytest.raises(LoadError, match="address not allowed"):
        load(f"{site.url}/innocent")
    assert site.paths() == ["/innocent"]


def test_redirect_loops_stop_after_five_hops(site):
    site.redirect("/loop", "/loop", status=302)
    with pytest.raises(LoadError) as caught:
        load(f"{site.url}/loop")
    assert caught.value.reason == "too many redirects (more than 5)"
    assert len(site.requests) == 6


def test_responses_over_10_mb_are_refused(site):
    site.add("/big-declared", b"x" * BIG, "text/plain")
    for path in ["/big-declared", "/big-streamed"]:
        with pytest.raises(LoadError) as caught:
            load(f"{site.url}{path}")
        assert caught.value.reason == "response too large (> 10 MB)"


def test_slow_servers_time_out(site, monkeypatch):
    monkeypatch.setattr(loaders, "FETCH_TIMEOUT_S", 0.3)
    site.add("/slow", "late", "text/plain")
    with pytest.raises(LoadError) as caught:
        load(f"{site.url}/slow")
    assert caught.value.reason == "timed out after 0.3 s"


def test_an_unreachable_server_is_a_load_error():
    with pytest.raises(LoadError) as caught:
        load(f"http://127.0.0.1:{free_port()}/page")  # nothing listens there
    assert caught.value.reason.startswith("cannot fetch")


def test_a_callers_client_is_used(site):
    site.add("/handbook.html", HANDBOOK)
    with httpx.Client() as client:
        [doc] = load(f"{site.url}/handbook.html", http=client)
    assert doc.title == "Handbook"
    assert site.requests == [("/handbook.html", "KeelBot/0.1")]


def urlset(*urls: str) -> str:
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'


def sitemapindex(*urls: str) -> str:
    entries = "".join(f"<sitemap><loc>{url}</loc></sitemap>" for url in urls)
    return (
        '<?xml version="1.0"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</sitemapindex>'
    )


def test_a_sitemap_index_expands_through_nested_sitemaps_to_pages_that_load(site):
    site.add("/handbook.html", HANDBOOK)
    site.add("/guide.md", "# Guide\nRead me.", "text/markdown")
    site.add("/sitemap_index.xml", sitemapindex(f"{site.url}/maps/pages-sitemap.xml", "/maps/gone.xml"), "text/xml")
    site.add("/maps/pages-sitemap.xml", urlset(f"{site.url}/handbook.html", "/guide.md", "/missing"), "text/xml")
    sources, errors = discover([f"{site.url}/sitemap_index.xml", f"{site.url}/handbook.html"])
    assert sources == [f"{site.url}/handbook.html", f"{site.url}/guide.md", f"{site.url}/missing"]
    assert [(error.source, error.reason) for error in errors] == [(f"{site.url}/maps/gone.xml", "HTTP 404")]
    assert [load(source)[0].title for source in sources[:2]] == ["Handbook", "Guide"]


def test_a_sitemap_index_that_lists_itself_does_not_loop(site):
    site.add("/sitemap.xml", sitemapindex("/sitemap.xml", "/b-sitemap.xml"), "application/xml")
    site.add("/b-sitemap.xml", sitemapindex("/sitemap.xml", "/c-sitemap.xml"), "application/xml")
    site.add("/c-sitemap.xml", urlset("/page"), "application/xml")
    sources, errors = discover([f"{site.url}/sitemap.xml"])
    assert (sources, errors) == ([f"{site.url}/page"], [])


def test_unreadable_sitemaps_are_errors(site):
    site.add("/sitemap.xml", "<urlset><url><loc>broken", "text/xml")
    site.add("/feed-sitemap.xml", "<rss><channel/></rss>", "text/xml")
    sources, errors = discover(
        [f"{site.url}/sitemap.xml", f"{site.url}/feed-sitemap.xml", f"{site.url}/nope-sitemap.xml"]
    )
    assert sources == []
    assert [error.reason.split(":")[0] for error in errors] == [
        "invalid sitemap XML",
        "not a sitemap (no <urlset> or <sitemapindex>)",
        "HTTP 404",
    ]


def test_a_plain_url_is_discovered_without_being_fetched(site):
    sources, errors = discover([f"{site.url}/anything", f"  {site.url}/anything  "])
    assert (sources, errors, site.requests) == ([f"{site.url}/anything"], [], [])
