"""SlackEmulator: Slack's Web API and Socket Mode on 127.0.0.1, for the real slack_sdk and Bolt to talk to.

    with SlackEmulator() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C0GENERAL", text="hi")
        assert slack.messages("C0GENERAL")[0]["text"] == "hi"

What it stores (messages, reactions, views, ...) and records (every call, every ack) is for tests to
assert on; ``fail_next`` makes the next calls of a method fail the ways Slack fails.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from tests import known_secrets  # distinctive values that tests/secret_scan.py looks for after a run

from . import ids
from .delivery import Delivery, sign_and_post
from .http_server import HttpServer
from .ingest import apply_payload
from .payloads import Payloads, envelope_type_for, rich_text
from .records import Ack, Call
from .socket_mode import SocketModeServer, envelope
from .web_api import WebApi
from .workspace import TokenInfo, Workspace, token_kind

INTERACTIVE_WITH_RESPONSE = ("view_submission", "block_suggestion")


class SlackEmulator:
    def __init__(
        self,
        bot_token: str = known_secrets.SLACK_BOT_TOKEN,
        app_token: str = known_secrets.SLACK_APP_TOKEN,
        signing_secret: str = known_secrets.SLACK_SIGNING_SECRET,
        strict_channels: bool = False,
    ) -> None:
        self.bot_token = bot_token
        self.app_token = app_token
        self.signing_secret = signing_secret
        self.workspace = Workspace(bot_token, app_token, strict_channels=strict_channels)
        self._http = HttpServer()
        self._socket = SocketModeServer(self.workspace)
        self._api = WebApi(self.workspace, self.url, self._socket.url)
        self.payloads = Payloads(response_url_base=f"{self.url}/hooks/")

    # ---- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def api_url(self) -> str:
        """What ``WebClient(base_url=...)`` takes: slack_sdk joins it with the method name."""
        return f"{self.url}/api/"

    @property
    def socket_url(self) -> str:
        return self._socket.url

    def start(self) -> SlackEmulator:
        self._http.start(self._api)
        self._socket.start()
        return self

    def stop(self) -> None:
        self._socket.stop()
        self._http.stop()

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ---- the workspace -------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """A person (or bot) users.info knows: is_admin, is_owner, is_bot, real_name, email, tz, ..."""
        return self.workspace.add_user(user_id, name, **fields)

    def add_channel(self, channel_id: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        """A channel conversations.info knows (unknown C/G/D ids are made up on first use unless strict)."""
        return self.workspace.add_channel(channel_id, name, **fields)

    def add_usergroup(
        self, usergroup_id: str, handle: str, users: list[str], name: str | None = None, disabled: bool = False
    ) -> dict[str, Any]:
        """A user group usergroups.list returns (disabled ones only with include_disabled)."""
        return self.workspace.add_usergroup(usergroup_id, handle, users, name, disabled)

    def add_file(
        self, file_id: str, content: bytes, name: str, mimetype: str = "text/plain", user: str = "U0ALICE"
    ) -> dict[str, Any]:
        """A file files.info describes; its url_private serves ``content`` to a Bearer bot token."""
        return self.workspace.add_file(f"{self.url}/files/{file_id}/{name}", file_id, content, name, mimetype, user)

    def add_message(
        self,
        channel: str,
        text: str,
        user: str = "U0ALICE",
        ts: str | None = None,
        thread_ts: str | None = None,
    ) -> dict[str, Any]:
        """A message a person posted (so conversations.replies, reactions and permalinks can find it)."""
        message = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": ts or ids.next_ts(),
            "team": ids.TEAM_ID,
            "blocks": rich_text(text),
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        channel_id = self.workspace.channel(channel)["id"]
        return copy.deepcopy(self.workspace.store_message(channel_id, message))

    def add_token(self, token: str, user_id: str | None = None) -> None:
        """Another valid token (xoxb-/xoxp-/xapp-); ``user_id`` is who acts with it."""
        kind = token_kind(token)
        with self.workspace.lock:
            self.workspace.tokens[token] = TokenInfo(kind, user_id or (ids.BOT_USER_ID if kind == "bot" else None))
            self.workspace.invalid_tokens.discard(token)

    def invalidate_token(self, token: str) -> None:
        """From now on calls with ``token`` answer invalid_auth."""
        with self.workspace.lock:
            self.workspace.invalid_tokens.add(token)

    def end_stream(self, channel: str, ts: str, error: str = "message_not_in_streaming_state") -> None:
        """End a stream the way Slack does: it times out, or the user presses stop ("stopped_by_user").
        Later appendStream / stopStream calls answer ``error``."""
        with self.workspace.lock:
            self.workspace.streams[(channel, ts)]["state"] = error

    def stream(self, channel: str, ts: str) -> dict[str, Any]:
        """A stream's state ("streaming" until stopped), its recipient_team_id / recipient_user_id, and the
        chunks other than markdown_text it received (plan_update, task_update, blocks)."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.streams[(channel, ts)])

    # ---- failure injection ---------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int | None = None,
        retry_after: int | None = None,
        error: str | None = None,
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``method`` fail: HTTP ``status`` (429 sends Retry-After) or, with
        ``error``, HTTP 200 {"ok": false, "error": error}. Failures queue in the order given."""
        if status is None and error is None:
            raise ValueError("fail_next needs a status or an error")
        self._api.fail_next(method, status or 200, error, retry_after, count)

    # ---- what the app did ----------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        return [c for c in self._api.journal.snapshot() if method is None or c.method == method]

    def rejected_calls(self) -> list[Call]:
        """Calls refused for an invalid payload (invalid_blocks, msg_too_long, ...): a test of a
        well-behaved app asserts this is empty."""
        return [c for c in self._api.journal.snapshot() if c.rejected]

    def wait_for(
        self, method: str, predicate: Callable[[Call], bool] | None = None, timeout: float = 5, after: int = 0
    ) -> Call:
        """The first call of ``method`` (matching ``predicate``) from call number ``after`` on, waiting
        for it to arrive; pass ``after=len(emulator.calls())`` to ignore earlier calls."""

        def match(call: Call) -> bool:
            return call.method == method and (predicate is None or predicate(call))

        found = self._api.journal.wait_for(match, timeout, after)
        if found is None:
            seen = ", ".join(c.method for c in self.calls()[after:]) or "none"
            raise TimeoutError(f"no matching {method} call within {timeout}s (calls seen: {seen})")
        return found

    def file_downloads(self) -> list[Call]:
        return self._api.downloads.snapshot()

    def responses(self) -> list[Call]:
        """Posts to response_urls made by ``emulator.payloads`` (Bolt's ``respond``)."""
        return self._api.responses.snapshot()

    def wait_for_response(self, predicate: Callable[[Call], bool] | None = None, timeout: float = 5) -> Call:
        """The first post to a response_url (matching ``predicate``), waiting for it to arrive."""
        found = self._api.responses.wait_for(lambda c: predicate is None or predicate(c), timeout)
        if found is None:
            raise TimeoutError(f"no matching response_url post within {timeout}s")
        return found

    def messages(self, channel: str | None = None, thread_ts: str | None = None) -> list[dict[str, Any]]:
        """Messages as they are now (after updates and deletes), oldest first, each with its "channel".
        With ``thread_ts``: that thread's parent and replies."""
        return self.workspace.snapshot_messages(channel, thread_ts)

    def bot_messages(self, channel: str | None = None, thread_ts: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self.messages(channel, thread_ts) if m.get("bot_id") == ids.BOT_ID]

    def ephemerals(self, channel: str | None = None, user: str | None = None) -> list[dict[str, Any]]:
        with self.workspace.lock:
            found = copy.deepcopy(self.workspace.ephemerals)
        return [e for e in found if channel in (None, e["channel"]) and user in (None, e["user"])]

    def views(self) -> list[dict[str, Any]]:
        with self.workspace.lock:
            return copy.deepcopy(list(self.workspace.views.values()))

    def home_view(self, user: str) -> dict[str, Any] | None:
        with self.workspace.lock:
            view_id = self.workspace.home_views.get(user)
            return copy.deepcopy(self.workspace.views[view_id]) if view_id else None

    def assistant_thread(self, channel: str, thread_ts: str) -> dict[str, Any]:
        """What the assistant.threads.* calls set: status (and "statuses", its history), prompts, title."""
        with self.workspace.lock:
            return copy.deepcopy(self.workspace.assistant_threads.get((channel, thread_ts), {}))

    # ---- delivering events ---------------------------------------------------------------------

    def ingest(self, payload: dict[str, Any]) -> None:
        """Apply what a payload says happened (a person's message, an edit, a deletion, a reaction, a new
        assistant thread) to the workspace, as Slack has before it tells the app."""
        apply_payload(self.workspace, payload)

    def sign_and_post(
        self,
        app_url: str,
        payload: dict[str, Any],
        retry_num: int | None = None,
        timestamp: int | None = None,
        signing_secret: str | None = None,
    ) -> Delivery:
        """Ingest the payload, then deliver it to an HTTP-mode app signed with this emulator's secret."""
        self.ingest(payload)
        secret = signing_secret if signing_secret is not None else self.signing_secret
        return sign_and_post(app_url, payload, secret, retry_num=retry_num, timestamp=timestamp)

    # ---- Socket Mode ---------------------------------------------------------------------------

    def socket_send(
        self,
        envelope_type: str | None,
        payload: dict[str, Any],
        retry_attempt: int = 0,
        retry_reason: str = "",
        accepts_response_payload: bool | None = None,
        timeout: float = 5,
    ) -> str:
        """Ingest the payload and push it to the connected Socket Mode client in an envelope
        ("events_api", "interactive" or "slash_commands"; None picks the one Slack would use).
        Returns the envelope_id to pass to ``wait_for_ack``."""
        envelope_type = envelope_type or envelope_type_for(payload)
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type == "slash_commands" or (
                envelope_type == "interactive" and payload.get("type") in INTERACTIVE_WITH_RESPONSE
            )
        if retry_attempt and not retry_reason:
            retry_reason = "timeout"
        self.ingest(payload)
        message = envelope(envelope_type, payload, retry_attempt, retry_reason, accepts_response_payload)
        self._socket.send(message, timeout)
        return message["envelope_id"]

    def wait_for_ack(self, envelope_id: str, timeout: float = 5) -> Ack:
        found = self._socket.acks.wait_for(lambda ack: ack.envelope_id == envelope_id, timeout)
        if found is None:
            raise TimeoutError(f"envelope {envelope_id} was not acknowledged within {timeout}s")
        return found

    def wait_for_socket(self, timeout: float = 5, connections: int = 1) -> None:
        """Wait until ``connections`` Socket Mode connections have ever been made (2 = one reconnect)."""
        if self._socket.connects.wait_for(lambda _: True, timeout, after=connections - 1) is None:
            raise TimeoutError(f"fewer than {connections} Socket Mode connections within {timeout}s")
        self._socket.wait_for_connection(timeout)

    def socket_disconnect(self, reason: str | None = "refresh_requested") -> None:
        """Drop the client as Slack does: a "disconnect" message (reason "refresh_requested" or
        "warning") that makes it reconnect, or with ``reason=None`` a server-side close of the socket."""
        self._socket.disconnect(reason)

    def close_socket_client(self, client: Any, timeout: float = 5) -> None:
        """Close a slack_sdk ``SocketModeClient`` (or a Bolt ``SocketModeHandler``) without its ~3 s wait.

        The builtin client's reader sits in a blocking recv with a 3 s timeout that ``close()`` joins;
        closing the server side first wakes it at once. Reconnecting is switched off before that.
        """
        socket_client = getattr(client, "client", client)  # a Bolt handler wraps the slack_sdk client
        socket_client.default_auto_reconnect_enabled = False
        socket_client.auto_reconnect_enabled = False
        self._socket.disconnect(None)
        self._socket.wait_for_no_connection(timeout)
        # Let the client's reader finish its own disconnect first: two at once can race in slack_sdk.
        deadline = time.monotonic() + timeout
        while socket_client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.01)
        # Its message loop blocks up to 1 s on an empty queue; a None (which it skips) wakes it.
        socket_client.message_queue.put(None)
        client.close()

    @property
    def socket_connection_count(self) -> int:
        """Open Socket Mode connections right now."""
        return self._socket.connection_count

    @property
    def socket_connects(self) -> int:
        """Connections accepted since start (each reconnect adds one)."""
        return len(self._socket.connects)

    def socket_frames_sent(self) -> list[dict[str, Any]]:
        """Every message pushed to clients: hellos, envelopes, disconnects."""
        return self._socket.sent.snapshot()
