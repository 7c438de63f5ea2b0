"""Slack's Socket Mode endpoint: a WebSocket server that says hello, pushes envelopes and records acks.

Built on ``websockets``' threaded server. slack_sdk's builtin client connects to it over plain ws://
because it picks TLS by port, not by scheme: any port other than 443 gets a plain socket (see
``slack_sdk/socket_mode/builtin/internals.py::_establish_new_socket_connection``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve

from . import ids
from .records import Ack, Journal
from .workspace import Workspace

HOST = "applink-keel-emulator"


def envelope(kind: str, payload: dict[str, Any], retry_attempt: int, retry_reason: str, accepts: bool) -> dict:
    return {
        "envelope_id": str(uuid.uuid4()),
        "payload": payload,
        "type": kind,
        "accepts_response_payload": accepts,
        "retry_attempt": retry_attempt,
        "retry_reason": retry_reason,
    }


class SocketModeServer:
    """Connections come from ``apps.connections.open`` URLs; envelopes go to the newest open one."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.acks = Journal()  # Ack per envelope the client acknowledged
        self.sent = Journal()  # every frame pushed to a client (hello, envelopes, disconnect)
        self.connects = Journal()  # one entry per accepted connection, in order
        self._connections: list[ServerConnection] = []
        self._retiring: list[ServerConnection] = []  # told to reconnect; closed once a new one arrives
        self._changed = threading.Condition()
        self._server = serve(
            self._serve_connection,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            compression=None,  # slack_sdk's builtin client negotiates no extensions
            ping_interval=None,  # the client pings; websockets answers its pings itself
            close_timeout=2,
        )
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-emulator-ws", daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link/"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)

    # ---- connections ---------------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self.ws.lock:
            known = ticket in self.ws.socket_tickets
        return None if known else connection.respond(401, "invalid or missing ticket\n")

    def _serve_connection(self, connection: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": self.connection_count + 1,
            "debug_info": {"host": HOST, "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": ids.APP_ID},
        }
        try:
            self._push(connection, hello)
            with self._changed:  # envelopes may go to a connection only once its hello is out
                self._connections.append(connection)
                retiring, self._retiring = self._retiring, []
                self._changed.notify_all()
            for old in retiring:  # as Slack does once the client has its new connection
                threading.Thread(target=old.close, args=(1001, "refreshed"), daemon=True).start()
            self.connects.append(time.time())
            for frame in connection:
                self._record_ack(frame)
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._changed.notify_all()

    def _record_ack(self, frame: str | bytes) -> None:
        try:
            message = json.loads(frame)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return
        if isinstance(message, dict) and message.get("envelope_id"):
            self.acks.append(Ack(message["envelope_id"], message.get("payload"), time.time()))

    def _push(self, connection: ServerConnection, message: dict[str, Any]) -> None:
        connection.send(json.dumps(message))
        self.sent.append(message)

    @property
    def connection_count(self) -> int:
        with self._changed:
            return len(self._connections)

    def wait_for_connection(self, timeout: float) -> ServerConnection:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no Socket Mode client connected within {timeout}s")
                self._changed.wait(remaining)
            return self._connections[-1]

    def wait_for_no_connection(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"Socket Mode connections still open after {timeout}s")
                self._changed.wait(remaining)

    # ---- what tests drive ----------------------------------------------------------------------

    def send(self, message: dict[str, Any], timeout: float) -> None:
        self._push(self.wait_for_connection(timeout), message)

    def disconnect(self, reason: str | None) -> None:
        """Ask clients to reconnect (a "disconnect" message; the old connection is closed once the new one
        is up) or, with no reason, close their sockets now."""
        with self._changed:
            connections = list(self._connections)
        for connection in connections:
            if reason is None:
                connection.close(code=1001, reason="going away")
            else:
                with self._changed:
                    self._retiring.append(connection)
                self._push(connection, {"type": "disconnect", "reason": reason, "debug_info": {"host": HOST}})
