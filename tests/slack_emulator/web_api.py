"""The Web API as Slack answers it: authentication, injected failures, the method table, the record.

HTTP parsing lives in ``http_server``; this module gets plain arguments and returns (status, headers,
body) so its rules read in one place.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from . import web_chat, web_directory, web_surfaces  # noqa: F401  (they fill METHODS)
from .records import Call, Journal
from .registry import METHODS, RequestContext
from .validation import PayloadError
from .workspace import ApiError, Workspace

# Fields Slack accepts as JSON text inside form-encoded (or JSON) requests.
JSON_FIELDS = ("blocks", "attachments", "metadata", "view", "chunks", "prompts", "loading_messages")
OAUTH_SCOPES = ",".join(
    [
        "app_mentions:read",
        "assistant:write",
        "channels:history",
        "chat:write",
        "files:read",
        "groups:history",
        "im:history",
        "reactions:read",
        "reactions:write",
        "usergroups:read",
        "users:read",
    ]
)

LOGIN_PAGE = b"<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


@dataclass
class Failure:
    status: int
    error: str | None
    retry_after: int | None
    remaining: int


def decode_json_fields(args: dict[str, Any]) -> dict[str, Any]:
    for name in JSON_FIELDS:
        value = args.get(name)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            # Text that is not JSON stays text: the method's own checks report it the way Slack would.
            with contextlib.suppress(json.JSONDecodeError):
                args[name] = json.loads(value)
    return args


class WebApi:
    """Answers Web API calls against a workspace and records each one in ``journal``."""

    def __init__(self, ws: Workspace, base_url: str, socket_url: str) -> None:
        self.ws = ws
        self.base_url = base_url
        self.socket_url = socket_url
        self.journal = Journal()  # every /api/ call
        self.downloads = Journal()  # every GET of a file's url_private
        self.responses = Journal()  # every POST to a response_url
        self._failures: dict[str, deque[Failure]] = {}
        self._failures_lock = threading.Lock()

    def fail_next(self, method: str, status: int, error: str | None, retry_after: int | None, count: int) -> None:
        with self._failures_lock:
            self._failures.setdefault(method, deque()).append(Failure(status, error, retry_after, count))

    def _take_failure(self, method: str) -> Failure | None:
        with self._failures_lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.popleft()
            return failure

    def call(
        self, method: str, args: dict[str, Any], token: str | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], dict[str, Any]]:
        args = decode_json_fields(args)
        failure = self._take_failure(method)
        rejected = False
        if failure is not None:
            status, reply_headers, body = self._injected(failure)
        else:
            status, reply_headers = 200, {}
            body, rejected = self._answer(method, args, token)
            if method == "auth.test" and body.get("ok"):
                reply_headers["x-oauth-scopes"] = OAUTH_SCOPES
        call = Call(method, args, token, headers, time.time(), status, body, rejected, failure is not None)
        self.journal.append(call)
        return status, reply_headers, body

    @staticmethod
    def _injected(failure: Failure) -> tuple[int, dict[str, str], dict[str, Any]]:
        if failure.error is not None:
            return 200, {}, {"ok": False, "error": failure.error}
        if failure.status == 429:
            retry_after = str(failure.retry_after if failure.retry_after is not None else 1)
            return 429, {"Retry-After": retry_after}, {"ok": False, "error": "ratelimited"}
        return failure.status, {}, {"ok": False, "error": "internal_error"}

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> tuple[dict[str, Any], bool]:
        handler = METHODS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}, False
        if not token:
            return {"ok": False, "error": "not_authed"}, False
        with self.ws.lock:
            info = None if token in self.ws.invalid_tokens else self.ws.tokens.get(token)
        if info is None:
            return {"ok": False, "error": "invalid_auth"}, False
        # App-level tokens open Socket Mode connections and nothing else; only they can.
        if (method == "apps.connections.open") != (info.kind == "app"):
            return {"ok": False, "error": "not_allowed_token_type"}, False
        ctx = RequestContext(token, info, self.base_url, self.socket_url)
        try:
            return {"ok": True, **handler(self.ws, args, ctx)}, False
        except PayloadError as exc:
            return {
                "ok": False,
                "error": exc.error,
                "response_metadata": {"messages": [f"[ERROR] {exc.detail}"]},
            }, True
        except ApiError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}, False
        except Exception as exc:  # an emulator bug or input it cannot handle: loud, never a dropped socket
            return {"ok": False, "error": "emulator_error", "detail": f"{type(exc).__name__}: {exc}"}, False

    def download(self, file_id: str, token: str | None, headers: dict[str, str]) -> tuple[int, str, bytes]:
        """A file's bytes for a valid token; without one Slack answers 200 with its sign-in page."""
        with self.ws.lock:
            found = self.ws.files.get(file_id)
            info = None if token in self.ws.invalid_tokens else self.ws.tokens.get(token or "")
        allowed = found is not None and info is not None and info.kind != "app"
        self.downloads.append(Call(f"GET /files/{file_id}", {}, token, headers, time.time(), 200, {"ok": allowed}))
        if found is None:
            return 404, "text/plain", b"file not found"
        if not allowed:
            return 200, "text/html; charset=utf-8", LOGIN_PAGE
        return 200, found[0]["mimetype"], found[1]

    def respond(self, hook_id: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        """A post to a response_url (Bolt's ``respond``): recorded for tests to read."""
        self.responses.append(Call("response_url", {**body, "hook_id": hook_id}, None, headers, time.time()))
