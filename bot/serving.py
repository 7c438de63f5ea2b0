"""Running the Slack app: Socket Mode over a WebSocket, or HTTP behind a load balancer.

HTTP mode serves Bolt's WSGI adapter with waitress, a multi-threaded production WSGI server: every
request is acked on its own thread in milliseconds, and the answers run on Keel's worker pool. Slack
posts events, interactions and slash commands to ``/slack/events``; ``/healthz`` answers load balancers.
Every request to ``/slack/events`` passes bot.http_guard's checks (size, signature, replay, readable
payload) before Bolt sees it; the size and signature headers are checked in waitress's parser, before the
body is received.

``keel serve --http`` opens the port before the app is built and the models are loaded
(:meth:`HttpServer.attach`, :meth:`HttpServer.mark_ready`): meanwhile ``/healthz`` answers 503 with
``{"status": "warming up"}`` (a load balancer keeps the instance out of rotation, as it would a closed
port), and a Slack request waits in its waitress thread until the app is there, then is acked and its
question queued for the answer workers, which take it once warm. Ready, ``/healthz`` answers 200 ``ok``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server
from waitress.utilities import Error as WaitressError

from bot.http_guard import SSL_CHECK_MAX_BYTES, ReplayMemory, SlackRequestGuard, WsgiApp, header_problem
from config.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16
WARMING_UP = json.dumps({"status": "warming up"}).encode()
# How long a Slack request waits for the app to be built before it is answered 503 (Slack then retries).
APP_WAIT_SECONDS = 120.0
DEFAULT_MAX_BODY: int = Settings.model_fields["http_max_body"].default
FLUSH_SECONDS = 0.2  # after close() released waiting requests, the time their answers get to leave


def with_health_check(wsgi_app: WsgiApp, ready: Callable[[], bool] = lambda: True) -> WsgiApp:
    """``/healthz``: 200 ``ok`` once ``ready()``, before that 503 ``{"status": "warming up"}``."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            if not ready():
                start_response("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "1")])
                return [WARMING_UP]
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return wsgi_app(environ, start_response)

    return serve


def acking_unreadable_events(wsgi_app: WsgiApp) -> WsgiApp:
    """A signed Events API delivery that Bolt fails on (a field of a type Slack does not send) is answered
    200 and logged, instead of Bolt's 500: Slack would redeliver it only to fail the same way, and it turns
    off event delivery to an app that fails most of it. An interaction or slash command Bolt cannot read is
    answered 400; one it read keeps Bolt's answer (there a 5xx shows the person who clicked that it failed).
    Only signed, readable requests get here (bot.http_guard.SlackRequestGuard runs first)."""

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        answer: list[Any] = ["500 Internal Server Error", []]

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answer[:] = [status, headers]
            return lambda data: None

        try:
            chunks, failed = list(wsgi_app(environ, keep)), None
        except Exception as exc:  # Bolt failed reading the payload
            chunks, failed = [], exc
        if (failed is not None or answer[0].startswith("5")) and "json" in environ.get("CONTENT_TYPE", ""):
            log.warning("acknowledged a Slack event Keel could not read; it was dropped", exc_info=failed)
            answer[:], chunks = ["200 OK", [("Content-Length", "0")]], []
        elif failed is not None:
            log.warning("refused a Slack request Keel could not read", exc_info=failed)
            answer[:], chunks = ["400 Bad Request", [("Content-Length", "0"), ("X-Slack-No-Retry", "1")]], []
        start_response(*answer)
        return chunks

    return serve


class Unauthorized(WaitressError):
    """Waitress's own error answer (the connection is closed after it), for a 401."""

    code = 401
    reason = "Unauthorized"


class _SlackRequestParser(HTTPRequestParser):
    """Waitress's request parser, refusing a POST to the events path as soon as its headers are in: one
    without Slack's signature headers (or with a stale timestamp) is answered 401, one whose Content-Length
    is over the limit 413 (waitress's own check, ``max_request_body_size``), neither body ever received.
    An unsigned body of a few bytes goes on to SlackRequestGuard: it may be Slack's SSL check."""

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        # types-waitress is wrong here: parse_header decodes ``command`` to str and sets ``path`` (a str).
        if self.command != "POST" or self.path != EVENTS_PATH or 0 < self.content_length <= SSL_CHECK_MAX_BYTES:  # type: ignore[comparison-overlap,attr-defined]
            return
        headers = self.headers
        if problem := header_problem(headers.get("X_SLACK_REQUEST_TIMESTAMP"), headers.get("X_SLACK_SIGNATURE")):
            self.error, self.completed = Unauthorized(problem), True

    def received(self, data: bytes) -> int:
        refused_before = self.error is not None
        consumed = int(super().received(data))
        if self.error is not None and not refused_before:
            self.expect_continue = False  # no "100 Continue": the client must not send the body
            level = logging.INFO if self.error.code == 413 else logging.DEBUG
            log.log(level, "refused a request before reading its body (%d): %s", self.error.code, self.error.body)
        return consumed


class _SlackChannel(HTTPChannel):
    parser_class = _SlackRequestParser


def _verifier(signing_secret: str) -> Callable[[bytes, str, str], bool]:
    verifier = SignatureVerifier(signing_secret)

    def verify(body: bytes, timestamp: str, signature: str) -> bool:
        try:
            return verifier.is_valid(body, timestamp, signature)
        except (ValueError, UnicodeDecodeError):  # a body that is not UTF-8 cannot be checked
            return False

    return verify


class HttpServer:
    """Bolt's WSGI adapter on waitress, behind :class:`SlackRequestGuard`. ``port=0`` picks a free port
    (tests). ``max_body``: ``KEEL_HTTP_MAX_BODY`` (``keel serve`` passes it; 1 MiB if not given); replays are remembered in Keel's state file
    when the app has one (``app.keel``), else in this process's memory.

    Given an app, the server is ready at once. Without one (``keel serve``), it listens while the app is
    built: Slack's requests wait for :meth:`attach`, and ``/healthz`` says "warming up" until
    :meth:`mark_ready`."""

    def __init__(
        self,
        app: App | None,
        host: str = "0.0.0.0",
        port: int = 3000,
        threads: int = HTTP_THREADS,
        max_body: int | None = None,
    ) -> None:
        self._max_body = max_body or DEFAULT_MAX_BODY
        self._events: WsgiApp | None = None
        self._attached = threading.Event()
        self._ready = threading.Event()
        self.replays: ReplayMemory | None = None
        # asyncore_use_poll: waitress otherwise uses select(), which fails on file descriptors above 1024,
        # i.e. under load or in a long-running process with many open files. max_request_body_size: waitress
        # answers 413 from the Content-Length (or, for a chunked body, once it has counted that many bytes).
        # Any: below, waitress's private parts (_map, trigger) are used, which its stubs do not describe.
        server: Any = create_server(
            with_health_check(self._slack_requests, self._ready.is_set),
            host=host,
            port=port,
            threads=threads,
            ident="keel",
            asyncore_use_poll=True,
            max_request_body_size=self._max_body + 1,  # waitress refuses a body of this size or more
        )
        if not hasattr(server, "channel_class"):  # a host name with several addresses: one server for each
            server.close()
            raise ValueError(
                f"{host!r} resolves to several addresses; give Keel one to listen on (e.g. 0.0.0.0 or 127.0.0.1), "
                "so every request passes the signature and size checks before it is read"
            )
        server.channel_class = _SlackChannel
        self._server = server
        self._thread: threading.Thread | None = None
        self._closed = False
        self._waiting = 0  # Slack requests waiting for the app (answered 503 if it never comes)
        self._waiting_lock = threading.Lock()
        if app is not None:
            self.attach(app)
            self.mark_ready()

    def attach(self, app: App) -> None:
        """Serve Slack's requests with ``app`` from now on (those waiting for it go first)."""
        runtime = getattr(app, "keel", None)
        self.replays = ReplayMemory.shared(runtime.state) if runtime is not None else ReplayMemory.in_memory()
        self._events = SlackRequestGuard(
            acking_unreadable_events(SlackRequestHandler(app, path=EVENTS_PATH)),
            # The secret Bolt verifies requests with (it keeps no public copy).
            verify=_verifier(getattr(app, "_signing_secret", "")),
            replays=self.replays,
            max_body=self._max_body,
            path=EVENTS_PATH,
        )
        self._attached.set()

    def mark_ready(self) -> None:
        """The models are loaded: ``/healthz`` answers 200 from now on."""
        self._ready.set()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def _slack_requests(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """A request that comes while the app is being built waits for it on its own waitress thread (the
        health check does not), so an event sent at start-up is acked and answered, not dropped."""
        with self._waiting_lock:
            self._waiting += 1
        try:
            if not self._attached.wait(APP_WAIT_SECONDS) or self._events is None:
                start_response("503 Service Unavailable", [("Content-Length", "0"), ("Retry-After", "5")])
                return []
        finally:
            with self._waiting_lock:
                self._waiting -= 1
        return self._events(environ, start_response)

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    @property
    def url(self) -> str:
        host = self._server.effective_host
        return f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}{EVENTS_PATH}"

    def run(self) -> None:
        """Serve until :meth:`close` (blocks)."""
        log.info("Keel is listening for Slack on %s", self.url)
        self._server.run()

    def start(self) -> HttpServer:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self._server.run, name="keel-http", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving. The sockets are closed on the server's own loop thread (through waitress's
        trigger): closing them from here would pull them out from under its ``select``."""
        if self._closed:
            return
        self._closed = True
        self._attached.set()  # requests still waiting for an app that will not come are answered 503
        self._let_waiting_requests_answer()
        if self._thread is None or not self._thread.is_alive():
            wasyncore.close_all(self._server._map)
        else:
            try:
                self._server.trigger.pull_trigger(lambda: wasyncore.close_all(self._server._map))
            except OSError:  # the loop already closed its trigger: nothing is left to wake up
                log.warning("HTTP server loop had already stopped; closing its sockets directly")
                wasyncore.close_all(self._server._map)
            self._thread.join(timeout=5)
        self._server.task_dispatcher.shutdown()

    def _let_waiting_requests_answer(self, timeout: float = 3.0) -> None:
        """Give the requests released by :meth:`close` time to write their 503 before the sockets go (closing
        at once dropped the connection without an answer, which Slack counts as a failed delivery too, but
        without the Retry-After)."""
        deadline = time.monotonic() + timeout
        released = self._waiting > 0
        while self._waiting > 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        if released:
            time.sleep(FLUSH_SECONDS)  # the loop thread sends what the request threads wrote


SOCKET_PING_SECONDS = 3  # how often a dropped connection is noticed (the default 10 s left a drop ~7 s unseen)


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """slack_sdk's built-in Socket Mode client (no extra dependency), reconnecting on its own."""
    return SocketModeHandler(app, app_token=app_token, ping_interval=SOCKET_PING_SECONDS)
