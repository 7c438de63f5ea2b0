"""What a request to ``/slack/events`` must pass before Bolt sees it (HTTP mode).

In order, each check before any work the next one needs:

1. its body is at most ``KEEL_HTTP_MAX_BODY`` bytes (1 MiB): larger is 413, known from Content-Length
   before the body is read (bot.serving also refuses it in waitress's parser, before it is received);
2. it carries Slack's signature headers, with a numeric timestamp within five minutes of now: else 401,
   also before the body is read. One exception, as in Bolt: Slack's unsigned SSL check of a slash command
   URL (a form body ``ssl_check=1&token=…`` of at most 256 bytes) is answered 200, and nothing is run;
3. its signature is right (HMAC of the body with the signing secret): else 401;
4. its payload can be read (UTF-8, JSON where Bolt expects JSON, an ``event`` object in an
   ``event_callback``): else 400 with ``X-Slack-No-Retry: 1`` and a warning in the log;
5. it was not taken before (:class:`ReplayMemory`): a signed request replayed within its five minutes is
   not handled again. An Events API delivery is acked 200 (Slack stops redelivering on a 200, and events
   are also deduplicated by id), a slash command or interaction is refused 409 (Slack never resends them).

A 401 is logged at DEBUG only (anyone can send one, and they must not flood the log), a 413 at INFO, a 400
or a refused replay as a WARNING (they come signed: Slack, or someone holding a captured request).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from bot.store.slack_state import count_signatures, forget_signatures, remember_signature
from bot.store.state import StateDB

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 300  # Slack's (and Bolt's) window: a timestamp further from now is refused
CLOCK_SLACK_SECONDS = 60  # a signature is remembered this much longer, for instances whose clocks differ
PRUNE_EVERY = 200  # remembered signatures between prunes
SSL_CHECK_MAX_BYTES = 256  # an unsigned body this small is read, to answer Slack's SSL check
TIMESTAMP_HEADER = "HTTP_X_SLACK_REQUEST_TIMESTAMP"
SIGNATURE_HEADER = "HTTP_X_SLACK_SIGNATURE"
STATUS_LINES = {
    200: "200 OK",
    400: "400 Bad Request",
    401: "401 Unauthorized",
    409: "409 Conflict",
    413: "413 Payload Too Large",
}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Verify = Callable[[bytes, str, str], bool]  # (body, timestamp, signature) -> signed with our secret?


def header_problem(timestamp: str | None, signature: str | None, now: float | None = None) -> str | None:
    """Why a request cannot be Slack's going by its headers alone, or None."""
    if not signature:
        return "no X-Slack-Signature"
    if not timestamp:
        return "no X-Slack-Request-Timestamp"
    if not timestamp.isascii() or not timestamp.isdigit():
        return "the timestamp is not a number"
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_AGE_SECONDS:
        return "the timestamp is more than five minutes from now"
    return None


def is_ssl_check(body: bytes) -> bool:
    """Slack's check of a slash command URL's certificate (unsigned; Bolt's SslCheck answers it 200)."""
    return parse_qs(body.decode("utf-8", "replace")).get("ssl_check") == ["1"]


def reads_as_json(body: bytes, content_type: str) -> bool:
    """Whether Bolt parses this body as JSON (slack_bolt.request.internals.parse_body's rule)."""
    return content_type == "application/json" or body.startswith(b"{")


def payload_problem(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not read a signed body, or None."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    if not text:
        return None
    if reads_as_json(body, content_type):
        document, what = text, "the body"
    elif "payload" in (form := parse_qs(text, keep_blank_values=True)):
        document, what = form["payload"][0], "payload"
    else:
        return None  # a slash command: plain form fields
    try:
        parsed = json.loads(document)
    except ValueError:
        return f"{what} is not JSON"
    if not isinstance(parsed, dict):
        return f"{what} is not a JSON object"
    if parsed.get("type") == "event_callback" and not isinstance(parsed.get("event"), dict):
        return "an event_callback without an event object"
    return None


class ReplayMemory:
    """Signatures of the requests taken, each kept until its timestamp leaves the five-minute window.

    In the ``seen_signatures`` table of Keel's Slack state file (``KEEL_HOME/slack.sqlite``), so that every
    instance sharing a ``KEEL_HOME`` refuses a replay sent to any of them. One ``INSERT OR IGNORE`` per
    request decides atomically, across processes too. Bounded: only correctly signed requests are
    remembered, a row can be dropped 6 minutes after its timestamp (at most 11 minutes after it arrived, as
    a timestamp may be 5 minutes ahead), and rows are dropped every 200 requests and at start-up.
    """

    def __init__(self, state: StateDB) -> None:
        self._state = state
        self._since_prune = 0
        self.prune()

    @classmethod
    def shared(cls, db: StateDB) -> ReplayMemory:
        """In Keel's Slack state file: every process using the same ``KEEL_HOME`` sees the same memory."""
        return cls(db)

    @classmethod
    def in_memory(cls) -> ReplayMemory:
        """For an app without Keel's state file: this process only."""
        return cls(StateDB.in_memory())

    def first_time(self, signature: str, timestamp: int) -> bool:
        """True the first time a signature is seen (it is remembered from now on), False for a repeat."""
        added = remember_signature(self._state, signature, timestamp + MAX_AGE_SECONDS + CLOCK_SLACK_SECONDS)
        self._since_prune += 1  # a lost count between threads only moves the next prune a little
        if self._since_prune >= PRUNE_EVERY:
            self.prune()
        return added

    def __len__(self) -> int:
        return count_signatures(self._state)

    def prune(self) -> None:
        """Drop the signatures whose window has passed (done every PRUNE_EVERY requests and at start-up)."""
        self._since_prune = 0
        forget_signatures(self._state, time.time())


@dataclass
class SlackRequestGuard:
    """WSGI middleware in front of Bolt on ``path``: the checks in this module's docstring, in order."""

    app: WsgiApp
    verify: Verify
    replays: ReplayMemory
    max_body: int
    path: str = "/slack/events"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != self.path:
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(start_response, 400, "the Content-Length is not a number")
        if length > self.max_body:
            log.info("refused a %d-byte request body unread (the limit is %d bytes)", length, self.max_body)
            return self._refuse(start_response, 413, f"the body is over {self.max_body} bytes")
        timestamp, signature = environ.get(TIMESTAMP_HEADER), environ.get(SIGNATURE_HEADER)
        if problem := header_problem(timestamp, signature):
            if length <= SSL_CHECK_MAX_BYTES and is_ssl_check(environ["wsgi.input"].read(length)):
                return self._refuse(start_response, 200, "")
            return self._refuse(start_response, 401, problem)
        assert timestamp is not None and signature is not None  # header_problem checked them
        body = environ["wsgi.input"].read(length)
        if not self.verify(body, timestamp, signature):
            return self._refuse(start_response, 401, "the signature is wrong")
        content_type = environ.get("CONTENT_TYPE", "")
        if problem := payload_problem(body, content_type):
            log.warning("refused a signed Slack request Keel cannot read: %s", problem)
            return self._refuse(start_response, 400, problem, [("X-Slack-No-Retry", "1")])
        if not self.replays.first_time(signature, int(timestamp)):
            if reads_as_json(body, content_type):  # an Events API delivery: ack it, it was handled
                log.info("acknowledged a repeated signed delivery without handling it again")
                return self._refuse(start_response, 200, "")
            log.warning("refused a replayed signed request (a slash command or interaction already handled)")
            return self._refuse(start_response, 409, "this request was already handled")
        environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)

    def _refuse(
        self, start_response: Callable[..., Any], status: int, why: str, headers: list[tuple[str, str]] | None = None
    ) -> list[bytes]:
        if status == 401:
            log.debug("refused a request to %s (%d): %s", self.path, status, why)
        text = f"{why}\n".encode() if why else b""
        start_response(
            STATUS_LINES[status],
            [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(text))), *(headers or [])],
        )
        return [text]
