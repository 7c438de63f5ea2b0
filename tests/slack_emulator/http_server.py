"""HTTP on 127.0.0.1: /api/<method> (Web API), /files/<id> (url_private), /hooks/<id> (response_url)."""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from .web_api import WebApi


def parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    """Form, JSON or multipart fields, the three encodings Slack's Web API accepts."""
    kind = content_type.split(";")[0].strip().lower()
    if not body:
        return {}
    if kind == "application/json":
        parsed = json.loads(body.decode("utf-8"))
        return parsed if isinstance(parsed, dict) else {}
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            data = part.get_payload(decode=True) or b""
            fields[str(name)] = data if part.get_filename() else data.decode("utf-8")
        return fields
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # Keel runs many listener threads; the default backlog of 5 overflows
    api: WebApi


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read the call record instead of access logs

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        bearer = headers.get("authorization", "")
        token = bearer[7:].strip() if bearer.lower().startswith("bearer ") else None
        if url.path.startswith("/api/"):
            try:
                args = {
                    **dict(parse_qsl(url.query, keep_blank_values=True)),
                    **parse_body(headers.get("content-type", ""), body),
                }
            except (ValueError, UnicodeDecodeError):
                self._send_json(200, {}, {"ok": False, "error": "invalid_json"})
                return
            token = token or args.pop("token", None)
            args.pop("token", None)
            status, reply_headers, answer = self.server.api.call(unquote(url.path[5:]), args, token, headers)
            self._send_json(status, reply_headers, answer)
        elif url.path.startswith("/files/"):
            file_id = url.path.split("/")[2]
            status, content_type, data = self.server.api.download(file_id, token, headers)
            self._send(status, content_type, data)
        elif url.path.startswith("/hooks/") and self.command == "POST":
            fields = parse_body(headers.get("content-type", "application/json"), body)
            self.server.api.respond(url.path.split("/")[2], fields, headers)
            self._send(200, "text/plain", b"ok")
        else:
            self._send(404, "text/plain", b"not found")

    def _send_json(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
        self._send(status, "application/json; charset=utf-8", json.dumps(body).encode("utf-8"), headers)

    def _send(self, status: int, content_type: str, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class HttpServer:
    """The emulator's HTTP side, serving in a daemon thread."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-emulator-http", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self, api: WebApi) -> None:
        self._server.api = api
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
