"""An OpenAI-compatible HTTP server on 127.0.0.1 for tests.

It speaks the real wire protocol (JSON bodies, SSE streams with chunked transfer encoding, OpenAI error
bodies), so the real ``openai`` and ``langchain_openai`` clients run unchanged against it. Each test
scripts the chat replies it needs (``stub.queue(Reply(...))``) and reads back what the model was sent
(``stub.requests``). Embeddings are deterministic hash-seeded unit vectors.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import wire

DEFAULT_TEXT = "This is the stub model's answer."


@dataclass(frozen=True)
class Reply:
    """One scripted answer to a chat completion request; the fields combine (e.g. delay + status)."""

    text: str = DEFAULT_TEXT
    stream_text: Sequence[str] | None = None  # exact stream chunks; non-streaming requests get them joined
    delay: float = 0.0  # seconds to wait before the response headers (for client timeouts)
    status: int = 200  # anything else sends an OpenAI-shaped error body
    error_body: dict[str, Any] | None = None  # replaces the default error body
    retry_after: float | None = None  # Retry-After header; 429 sends "1" unless set
    garbage: bool = False  # 200 with a body (or SSE event) that is not JSON
    empty: bool = False  # content ""
    cut_stream_after: int | None = None  # send N content chunks, then drop the connection mid-body
    refusal: str | None = None  # content null, message.refusal set
    finish_reason: str = "stop"
    chunk_delay: float = 0.0  # seconds between streamed content chunks (a slow model on a CPU)

    def limited(self, max_tokens: int | None) -> Reply:
        """The reply as a server that honours ``max_tokens`` sends it: words stand in for tokens, and a
        reply cut at the limit ends mid-sentence with finish_reason "length", as llama.cpp's does."""
        words = re.findall(r"\s*\S+", self.content)
        if max_tokens is None or len(words) <= max_tokens:
            return self
        return replace(self, stream_text=words[:max_tokens], finish_reason="length")

    @property
    def content(self) -> str:
        if self.empty or self.refusal is not None:
            return ""
        return "".join(self.stream_text) if self.stream_text is not None else self.text

    def chunks(self) -> list[str]:
        """The content pieces a stream carries: ``stream_text`` as given, else the text word by word."""
        if self.empty or self.refusal is not None:
            return []
        if self.stream_text is not None:
            return list(self.stream_text)
        return re.findall(r"\s*\S+", self.text)


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the stub received it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    raw: str
    body: Any  # parsed JSON, or None when the body was empty or not JSON

    @property
    def messages(self) -> list[dict[str, Any]]:
        return self.body.get("messages", []) if isinstance(self.body, dict) else []


class LLMStub:
    """The server and its script: start it, point a client at ``base_url``, queue replies, read requests."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.responder: Callable[[dict[str, Any]], Reply] = lambda body: Reply()
        self._replies: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._server = _StubServer(("127.0.0.1", 0), _Handler)
        self._server.stub = self
        # A short poll interval makes stop() quick: shutdown() waits for the serve loop's next poll.
        poll = {"poll_interval": 0.05}
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs=poll, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def where_sent(self, text: str) -> list[str]:
        """Where ``text`` reached the vendor, apart from the Authorization header (for secrets and PII)."""
        found = []
        for request in self.requests:
            # Compare with the decoded body too: JSON escapes non-ASCII text on the wire.
            decoded = json.dumps(request.body, ensure_ascii=False)
            headers = request.headers.items()
            places = [f"header {name}" for name, value in headers if name != "authorization" and text in value]
            places += ["path"] * (text in request.path) + ["body"] * (text in request.raw or text in decoded)
            found += [f"{request.method} {request.path}: {place}" for place in places]
        return found

    def queue(self, *replies: Reply) -> None:
        """Replies for the next chat requests, in order; the ``responder`` answers once they run out."""
        with self._lock:
            self._replies.extend(replies)

    def start(self) -> LLMStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping through a Reply.delay
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LLMStub:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        return self.responder(body)


def _token_limit(body: dict[str, Any]) -> int | None:
    """The request's token limit under either of OpenAI's names (the smaller when both are sent)."""
    limits = [body[key] for key in ("max_tokens", "max_completion_tokens") if isinstance(body.get(key), int)]
    return min(limits) if limits else None


class _StubServer(ThreadingHTTPServer):
    # Clients keep connections alive; do not wait for their handler threads when the stub stops.
    block_on_close = False
    daemon_threads = True
    stub: LLMStub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # needed for chunked streaming and keep-alive, as the real API does
    server: _StubServer

    def log_message(self, *args: Any) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._read_and_record()
        if self.path.rstrip("/") == "/v1/models":
            model = {"id": wire.STUB_MODEL, "object": "model", "created": 0, "owned_by": "keel-stub"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_error(404, wire.error_body(404, f"Unknown path {self.path}"))

    def do_POST(self) -> None:
        body = self._read_and_record()
        if not isinstance(body, dict):
            self._send_error(400, wire.error_body(400, "The request body is not a JSON object."))
        elif self.path == "/v1/chat/completions":
            # A client that gave up on a slow reply (its deadline passed) has closed the connection.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._chat(body)
        elif self.path == "/v1/embeddings":
            self._send_json(200, wire.embeddings(body))
        else:
            self._send_error(404, wire.error_body(404, f"Unknown path {self.path}"))

    def _read_and_record(self) -> Any:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = None
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.stub._record(RecordedRequest(self.command, self.path, headers, raw, body))
        return body

    def _chat(self, body: dict[str, Any]) -> None:
        stub = self.server.stub
        reply = stub._next_reply(body).limited(_token_limit(body))
        if reply.delay and stub._stopping.wait(reply.delay):
            return  # the stub is stopping; the client has long given up
        if reply.status != 200:
            self._send_error(reply.status, reply.error_body or wire.error_body(reply.status), reply.retry_after)
        elif body.get("stream"):
            self._stream(reply, body, completion_id=f"chatcmpl-stub{next(stub._ids)}")
        elif reply.garbage:
            self._send(200, b"{this is not json", "application/json")
        else:
            completion = wire.completion(reply, body, f"chatcmpl-stub{next(stub._ids)}")
            payload = json.dumps(completion).encode()
            if reply.cut_stream_after is None:
                self._send(200, payload, "application/json")
            else:  # a non-streaming cut: promise the whole body, send half of it
                self._send_headers(200, "application/json", {"Content-Length": str(len(payload))})
                self.wfile.write(payload[: len(payload) // 2])
                self._drop_connection()

    def _stream(self, reply: Reply, body: dict[str, Any], completion_id: str) -> None:
        self._send_headers(200, "text/event-stream", {"Transfer-Encoding": "chunked"})
        if reply.garbage:
            self._write_chunk(b"data: {this is not json\n\n")
        else:
            stopping = self.server.stub._stopping
            for sent, chunk in enumerate(wire.stream_chunks(reply, body, completion_id)):
                if reply.cut_stream_after is not None and sent > reply.cut_stream_after:
                    return self._drop_connection()  # the role chunk plus N content chunks went out
                if sent > 1 and reply.chunk_delay and stopping.wait(reply.chunk_delay):
                    return self._drop_connection()  # the stub is stopping
                self._write_chunk(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the zero-length chunk ends the body

    def _send_error(self, status: int, body: dict[str, Any], retry_after: float | None = None) -> None:
        extra = {}
        if retry_after is not None or status == 429:
            extra["Retry-After"] = f"{retry_after if retry_after is not None else 1:g}"
        self._send(status, json.dumps(body).encode(), "application/json", extra)

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, payload: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self._send_headers(status, content_type, {"Content-Length": str(len(payload)), **(extra or {})})
        self.wfile.write(payload)

    def _send_headers(self, status: int, content_type: str, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _drop_connection(self) -> None:
        """Close mid-body, as a crashed upstream or a cut network does: the client sees an incomplete read."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
