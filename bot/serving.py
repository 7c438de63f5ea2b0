"""Running the Slack app: Socket Mode over a WebSocket, or HTTP behind a load balancer.

HTTP mode serves Bolt's WSGI adapter with waitress, a multi-threaded production WSGI server: every
request is acked on its own thread in milliseconds, and the answers run on Keel's worker pool. Slack
posts events, interactions and slash commands to ``/slack/events``; ``/healthz`` answers load balancers.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.signature import SignatureVerifier
from waitress import create_server, wasyncore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
HTTP_THREADS = 16

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def with_health_check(wsgi_app: WsgiApp) -> WsgiApp:
    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH:
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return wsgi_app(environ, start_response)

    return serve


def acking_unreadable_events(wsgi_app: WsgiApp, signing_secret: str) -> WsgiApp:
    """A signed Events API delivery that Bolt fails on (a field of a type Slack does not send) is answered
    200 and logged, instead of Bolt's 500: Slack would redeliver it only to fail the same way, and it turns
    off event delivery to an app that fails most of it. Interactive payloads and slash commands keep Bolt's
    answer (there a 5xx shows the person who clicked that it failed); unsigned ones are answered 401."""
    verifier = SignatureVerifier(signing_secret)

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)  # Bolt reads the body again
        answer: list[Any] = ["500 Internal Server Error", []]

        def keep(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            answer[:] = [status, headers]
            return lambda data: None

        try:
            chunks, failed = list(wsgi_app(environ, keep)), None
        except Exception as exc:  # Bolt failed reading the payload, before it checked the signature
            chunks, failed = [], exc
        if (failed is not None or answer[0].startswith("5")) and "json" in environ.get("CONTENT_TYPE", ""):
            if _signed(verifier, environ, body):
                log.warning("acknowledged a Slack event Keel could not read; it was dropped", exc_info=failed)
                answer[:], chunks = ["200 OK", [("Content-Length", "0")]], []
            elif failed is not None:
                answer[:], chunks = ["401 Unauthorized", [("Content-Length", "0")]], []
        if failed is not None and not answer[0].startswith(("200", "401")):
            raise failed
        start_response(*answer)
        return chunks

    return serve


def _signed(verifier: SignatureVerifier, environ: dict[str, Any], body: bytes) -> bool:
    headers = {
        "x-slack-request-timestamp": environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""),
        "x-slack-signature": environ.get("HTTP_X_SLACK_SIGNATURE", ""),
    }
    try:
        return verifier.is_valid_request(body, headers)
    except (ValueError, UnicodeDecodeError):  # a timestamp that is not a number, a body that is not UTF-8
        return False


class HttpServer:
    """Bolt's WSGI adapter on waitress. ``port=0`` picks a free port (tests)."""

    def __init__(self, app: App, host: str = "0.0.0.0", port: int = 3000, threads: int = HTTP_THREADS) -> None:
        handler = SlackRequestHandler(app, path=EVENTS_PATH)
        # The secret Bolt verifies requests with (it keeps no public copy).
        wsgi_app = acking_unreadable_events(handler, getattr(app, "_signing_secret", ""))
        # asyncore_use_poll: waitress otherwise uses select(), which fails on file descriptors above 1024,
        # i.e. under load or in a long-running process with many open files.
        self._server: Any = create_server(
            with_health_check(wsgi_app), host=host, port=port, threads=threads, ident="keel", asyncore_use_poll=True
        )
        self._thread: threading.Thread | None = None
        self._closed = False

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


SOCKET_PING_SECONDS = 3  # how often a dropped connection is noticed (the default 10 s left a drop ~7 s unseen)


def socket_mode_handler(app: App, app_token: str) -> SocketModeHandler:
    """slack_sdk's built-in Socket Mode client (no extra dependency), reconnecting on its own."""
    return SocketModeHandler(app, app_token=app_token, ping_interval=SOCKET_PING_SECONDS)
