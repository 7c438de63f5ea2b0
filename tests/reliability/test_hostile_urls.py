"""Hostile URLs: what a URL named in Slack (``/keel add``) can make Keel fetch, and what a hostile web
server can do to the fetch. Everything runs on 127.0.0.1 with nothing leaving the machine (``no_network``):

- "The public web" is one local server that also acts as the forward proxy Keel's HTTP client is pointed
  at (``ALL_PROXY``), with a fake DNS answering public addresses for its names. The SSRF check still
  resolves every host itself, exactly as in production; only the packets go to the local server.
- Private targets (loopback, RFC 1918, link-local cloud metadata, IPv6 local, odd spellings of 127.0.0.1,
  names that resolve inward) are refused before any request, on the first hop and after redirects.
- DNS rebinding (a name that resolves outward for the check, inward for the connection) cannot reach
  the internal server: the request goes to the address that was checked.
- Redirect loops, huge and slow-drip bodies and wrong content types end with a clear reason.

The command line (run by whoever runs Keel) is not limited; tests/knowledge/test_loaders_url.py covers the
loader's own behaviour (redirect hops, 10 MB cap, per-read timeout) with an unrestricted server.
"""

from __future__ import annotations

import contextlib
import html
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.uploads import Upload, UploadError, download
from knowledge import loaders
from knowledge.base import KnowledgeBase
from knowledge.loaders import LoadError, load, public_urls_only
from tests.bot.conftest import ALICE, Running
from tests.bot.listeners.conftest import run_command

REAL_GETADDRINFO = socket.getaddrinfo  # before any test patches it
PUBLIC_IP = "93.184.216.34"  # what the fake DNS answers for the "public" names
PAGE = "<html><head><title>Travel</title></head><body><h1>Travel</h1><p>Trains under four hours.</p></body></html>"
MB = 1024 * 1024


@dataclass
class Web:
    """One local server for every host: routes are (host, path) -> handler; every request is recorded."""

    port: int = 0
    routes: dict[tuple[str, str], Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)  # "host/path" as the server saw them

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def page(self, url: str, body: bytes | str = PAGE, content_type: str = "text/html; charset=utf-8") -> str:
        data = body.encode() if isinstance(body, str) else body
        return self.route(url, lambda h: _send(h, 200, {"Content-Type": content_type}, data))

    def redirect(self, url: str, location: str, status: int = 302) -> str:
        return self.route(url, lambda h: _send(h, status, {"Location": location}, b""))

    def route(self, url: str, handler: Callable[[BaseHTTPRequestHandler], None]) -> str:
        parts = urlsplit(url)
        self.routes[(parts.netloc, parts.path or "/")] = handler
        return url

    def saw(self, fragment: str) -> bool:
        return any(fragment in request for request in self.requests)


def _send(handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    handler.send_response(status)
    for name, value in {**headers, "Content-Length": str(len(body))}.items():
        handler.send_header(name, value)
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(body)


def stream_huge(handler: BaseHTTPRequestHandler) -> None:
    """11 MB with no Content-Length: the client has to count as it reads."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for _ in range(11 * 16):
            handler.wfile.write(b"a" * 65536)


def drip(handler: BaseHTTPRequestHandler) -> None:
    """A byte every 50 ms for up to 10 s: each read is quick, the whole never ends in time."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        for _ in range(200):
            handler.wfile.write(b"a")
            handler.wfile.flush()
            time.sleep(0.05)


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[Web]:
    site = Web()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            absolute = urlsplit(self.path) if self.path.startswith("http") else None
            host = self.headers.get("Host") or (absolute.netloc if absolute else "")
            path = absolute.path if absolute else urlsplit(self.path).path
            site.requests.append(f"{host}{path}")
            handler = site.routes.get((host, path or "/"))
            if handler is None:
                _send(self, 404, {"Content-Type": "text/plain"}, b"not found")
            else:
                handler(self)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    # Keel's own fetches go through the "public web" proxy; Slack's client (slack_sdk) ignores ALL_PROXY.
    monkeypatch.setenv("ALL_PROXY", site.proxy)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setattr(loaders, "FETCH_TIMEOUT_S", 1.0)  # a refused request must fail fast, not hang
    yield site
    server.shutdown()
    server.server_close()


DnsAnswer = list[str] | Callable[[], list[str]]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch, no_network: list[object]) -> dict[str, DnsAnswer]:
    """Names the fake DNS answers (a list, or a callable for answers that change); numeric hosts resolve
    as the C library does (2130706433 is 127.0.0.1); any other lookup is refused by ``no_network``."""
    names: dict[str, DnsAnswer] = {}
    guarded = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name.rstrip(".") in names:
            answer = names[name.rstrip(".")]
            return [_addrinfo(address, port) for address in (answer() if callable(answer) else answer)]
        try:
            return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
        except socket.gaierror:
            return guarded(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    names.update(
        {
            "wiki.example.com": [PUBLIC_IP],
            "intranet.example.com": ["127.0.0.1"],
            "metadata.example.com": ["169.254.169.254"],
            "half.example.com": [PUBLIC_IP, "10.1.2.3"],  # one inward address among outward ones
        }
    )
    return names


def _addrinfo(address: str, port: Any) -> tuple[Any, ...]:
    port = int(port or 0)
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))


def private_targets(port: int) -> list[str]:
    """Every way we know of spelling an address Keel must not fetch for a Slack user."""
    return [
        f"http://127.0.0.1:{port}/secret",
        f"http://localhost:{port}/secret",
        f"http://[::1]:{port}/secret",
        f"http://0.0.0.0:{port}/secret",  # Linux connects this to the local host
        f"http://127.1:{port}/secret",
        f"http://2130706433:{port}/secret",  # 127.0.0.1 as one decimal number
        f"http://0x7f000001:{port}/secret",  # ... in hex
        f"http://0177.0.0.1:{port}/secret",  # ... in octal
        f"http://[::ffff:127.0.0.1]:{port}/secret",  # IPv4-mapped IPv6
        f"http://example.com@127.0.0.1:{port}/secret",  # user info before the real host
        f"http://intranet.example.com:{port}/secret",  # a name that resolves to 127.0.0.1
        f"http://half.example.com:{port}/secret",  # one of its addresses is private
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # cloud metadata
        "http://metadata.example.com/latest/meta-data/",
        "http://10.0.0.5/admin",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # carrier-grade NAT, not public
        "http://[fe80::1]/",  # IPv6 link-local
        "http://[fd00::1]/",  # IPv6 unique local
    ]


# --- the loader under public_urls_only (what every Slack-named URL runs under) -----------------------------


def test_every_spelling_of_a_private_address_is_refused_before_any_request(web: Web, dns: Any, no_network) -> None:
    refused = {}
    for url in private_targets(web.port):
        with public_urls_only(), pytest.raises(LoadError) as caught:
            load(url)
        refused[url] = caught.value.reason
    odd = {url: reason for url, reason in refused.items() if "private or local address" not in reason}
    assert odd == {f"http://0177.0.0.1:{web.port}/secret": "not a valid URL"}  # httpx will not parse octal
    assert web.requests == [] and no_network == []  # nothing was requested or even attempted


def test_a_redirect_chain_into_the_private_network_is_stopped_at_the_private_hop(web: Web, dns: Any) -> None:
    web.redirect("http://wiki.example.com/start", "/moved")
    web.redirect("http://wiki.example.com/moved", "http://169.254.169.254/latest/meta-data/", status=301)
    with public_urls_only(), pytest.raises(LoadError) as caught:
        load("http://wiki.example.com/start")
    assert caught.value.reason.startswith("169.254.169.254 is a private or local address")
    assert web.requests == ["wiki.example.com/start", "wiki.example.com/moved"]


def test_dns_rebinding_cannot_reach_the_internal_server(web: Web, dns: dict[str, Any], no_network) -> None:
    """The name answers a public address to the check and 127.0.0.1 afterwards: the request must go to
    the address checked (here refused by the test's network guard), never to the local server."""
    answers = iter([[PUBLIC_IP]])
    dns["rebind.example.com"] = lambda: next(answers, ["127.0.0.1"])
    web.page(f"http://rebind.example.com:{web.port}/secret", "internal data")
    direct = httpx.Client(trust_env=False)  # no proxy: the connection itself must be pinned
    with direct, public_urls_only(), pytest.raises(LoadError) as caught:
        loaders.fetch(f"http://rebind.example.com:{web.port}/secret", http=direct)
    assert caught.value.reason.startswith("cannot fetch")
    assert not web.saw("/secret")
    assert no_network == [(PUBLIC_IP, web.port)]  # the one connection attempted went to the checked address


def test_a_slow_drip_body_times_out_in_total_not_per_read(web: Web, dns: Any, monkeypatch) -> None:
    monkeypatch.setattr(loaders, "FETCH_TIMEOUT_S", 0.5)
    web.route("http://wiki.example.com/drip", drip)
    started = time.monotonic()
    with public_urls_only(), pytest.raises(LoadError) as caught:
        load("http://wiki.example.com/drip")
    assert caught.value.reason == "timed out after 0.5 s"
    assert time.monotonic() - started < 2  # the drip would have lasted 10 s


def test_a_slow_drip_download_from_slack_times_out_in_total(web: Web, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr("bot.uploads.DOWNLOAD_TIMEOUT_S", 0.5)
    url = web.route(f"http://127.0.0.1:{web.port}/files/F0DRIP/notes.md", drip)
    started = time.monotonic()
    with pytest.raises(UploadError, match=r"took over 0.5 s"):
        download(Upload("F0DRIP", "notes.md", 200, url, "text/plain"), "xoxb-unused", tmp_path / "notes.md")
    assert time.monotonic() - started < 2


# --- through Slack: /keel add by an admin ------------------------------------------------------------


def slack_add(keel: Running, url: str) -> str:
    """An admin's ``/keel add <url>``, as Slack sends links: the last thing Keel said about it."""
    return html.unescape(run_command(keel, f"add <{url}>", ALICE)[-1])


@pytest.fixture
def public_only(admin_keel: Running, monkeypatch: pytest.MonkeyPatch) -> Running:
    """The default: KEEL_ALLOW_PRIVATE_URLS off (the shared admin fixture turns it on for its 127.0.0.1 pages)."""
    monkeypatch.setattr(admin_keel.keel.admin.ops.settings, "allow_private_urls", False)
    return admin_keel


def test_slack_add_refuses_private_targets_first_hop_and_after_redirects(
    public_only: Running, web: Web, dns: Any
) -> None:
    direct = [f"http://127.0.0.1:{web.port}/secret", "http://169.254.169.254/latest/meta-data/"]
    redirected = {
        "metadata": "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "loopback": f"http://localhost:{web.port}/secret",
        "ipv6": f"http://[::1]:{web.port}/secret",
        "inward-name": f"http://intranet.example.com:{web.port}/secret",
        "decimal": f"http://2130706433:{web.port}/secret",
    }
    for name, target in redirected.items():
        web.redirect(f"http://wiki.example.com/go/{name}", target)
    stored_before = {s.source for s in public_only.keel.admin.ops.kb.sources()}
    said = {url: slack_add(public_only, url) for url in direct}
    said |= {name: slack_add(public_only, f"http://wiki.example.com/go/{name}") for name in redirected}

    for key, reply in said.items():
        assert "private or local address" in reply and "Nothing stored was changed" in reply, (key, reply)
    assert not web.saw("/secret") and not web.saw("169.254.169.254")
    assert {s.source for s in public_only.keel.admin.ops.kb.sources()} == stored_before


def test_slack_add_names_what_is_wrong_with_a_hostile_server(
    public_only: Running, web: Web, dns: Any, monkeypatch
) -> None:
    monkeypatch.setattr(loaders, "FETCH_TIMEOUT_S", 0.5)
    web.redirect("http://wiki.example.com/loop", "/loop")
    web.route("http://wiki.example.com/huge", stream_huge)
    web.route("http://wiki.example.com/drip", drip)
    web.page("http://wiki.example.com/logo", b"\x89PNG\r\n\x1a\n", "image/png")
    web.page("http://wiki.example.com/setup.exe", b"MZ\x90\x00", "application/octet-stream")
    web.page("http://wiki.example.com/binary.txt", bytes(range(256)) * 8, "text/plain")
    web.page("http://wiki.example.com/fake.pdf", PAGE, "application/pdf")
    web.redirect("http://wiki.example.com/to-file", "file:///etc/passwd")
    web.page("http://wiki.example.com/travel", PAGE)
    expected = {
        "/loop": "too many redirects (more than 5)",
        "/huge": "response too large (> 10 MB)",
        "/drip": "timed out after 0.5 s",
        "/logo": "unsupported content type image/png",
        "/setup.exe": "unsupported content type application/octet-stream",
        "/binary.txt": "not a text file",
        "/fake.pdf": "corrupt PDF",
        "/to-file": "redirected to a URL that is not http(s): file:",
        "/missing": "HTTP 404",
    }
    for path, reason in expected.items():
        reply = slack_add(public_only, f"http://wiki.example.com{path}")
        assert f"Could not add *http://wiki.example.com{path}*: {reason}" in reply, (path, reply)

    # After all that, a good page on the same server is added and answerable.
    added = slack_add(public_only, "http://wiki.example.com/travel")
    assert "Added *http://wiki.example.com/travel*" in added
    hits = public_only.keel.admin.ops.kb.search("trains under four hours", k=1)
    assert hits[0].source == "http://wiki.example.com/travel"


def test_a_sitemap_cannot_smuggle_private_pages_in(public_only: Running, web: Web, dns: Any) -> None:
    urls = [f"http://127.0.0.1:{web.port}/secret", "http://169.254.169.254/latest/meta-data/"]
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in [*urls, "http://wiki.example.com/travel"])
    sitemap = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    web.page("http://wiki.example.com/sitemap.xml", sitemap, "application/xml")
    web.page("http://wiki.example.com/travel", PAGE)
    reply = slack_add(public_only, "http://wiki.example.com/sitemap.xml")
    assert "Added *http://wiki.example.com/travel*" in reply
    assert reply.count("private or local address") == 2
    assert not web.saw("/secret") and not web.saw("169.254.169.254")


# --- the command line: whoever runs Keel may fetch internal pages ----------------------------------------


def test_the_command_line_may_ingest_an_internal_page(web: Web) -> None:
    url = web.page(f"http://127.0.0.1:{web.port}/intranet/travel", PAGE)
    result = CliRunner().invoke(cli, ["ingest", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [s.source for s in KnowledgeBase().sources()] == [url]
