"""The emulator's Web API, driven by the real slack_sdk WebClient (and its retry handlers)."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator

from tests.slack_emulator import BOT_ID, BOT_USER_ID, TEAM_ID, SlackEmulator

FEEDBACK = {
    "type": "context_actions",
    "elements": [
        {
            "type": "feedback_buttons",
            "action_id": "feedback",
            "positive_button": {"text": {"type": "plain_text", "text": "👍"}, "value": "turn-1:up"},
            "negative_button": {"text": {"type": "plain_text", "text": "👎"}, "value": "turn-1:down"},
        }
    ],
}


@pytest.fixture
def client(slack_emulator: SlackEmulator) -> WebClient:
    return WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)


def api_error(call: Callable[[], object]) -> str:
    """The error code of the SlackApiError ``call`` raises."""
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"]


def post_raw(url: str, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> dict:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type, **(headers or {})})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


# ---- authentication -------------------------------------------------------------------------------


def test_auth_test_names_the_bot_and_the_team(slack_emulator: SlackEmulator, client: WebClient) -> None:
    assert slack_emulator.api_url.endswith("/api/")
    answer = client.auth_test()
    assert (answer["team_id"], answer["user_id"], answer["bot_id"]) == (TEAM_ID, BOT_USER_ID, BOT_ID)
    assert "chat:write" in answer.headers["x-oauth-scopes"]
    assert slack_emulator.calls("auth.test")[0].token == slack_emulator.bot_token


def test_tokens_missing_unknown_or_invalidated_are_refused(slack_emulator: SlackEmulator, client: WebClient) -> None:
    assert api_error(lambda: WebClient(base_url=slack_emulator.api_url).auth_test()) == "not_authed"
    stranger = WebClient(token="xoxb-not-issued", base_url=slack_emulator.api_url)
    assert api_error(stranger.auth_test) == "invalid_auth"
    slack_emulator.invalidate_token(slack_emulator.bot_token)
    assert api_error(client.auth_test) == "invalid_auth"
    assert [c.error for c in slack_emulator.calls()] == ["not_authed", "invalid_auth", "invalid_auth"]


def test_form_json_and_multipart_bodies_are_all_accepted(slack_emulator: SlackEmulator, client: WebClient) -> None:
    form = f"token={slack_emulator.bot_token}&channel=C0GENERAL&text=from+a+form".encode()
    assert post_raw(f"{slack_emulator.api_url}chat.postMessage", form, "application/x-www-form-urlencoded")["ok"]
    body = json.dumps({"channel": "C0GENERAL", "text": "from json", "blocks": json.dumps([FEEDBACK])}).encode()
    bearer = {"Authorization": f"Bearer {slack_emulator.bot_token}"}
    assert post_raw(f"{slack_emulator.api_url}chat.postMessage", body, "application/json", bearer)["ok"]
    multipart = {"channel": "C0GENERAL", "text": "from multipart"}
    assert client.api_call("chat.postMessage", data=multipart, files={"attachment": b"\x00bytes"})["ok"]
    first, second, third = slack_emulator.calls("chat.postMessage")
    assert first.token == slack_emulator.bot_token and "token" not in first.args
    assert second.args["blocks"] == [FEEDBACK]  # JSON text inside a field is decoded, as Slack does
    assert third.args["attachment"] == b"\x00bytes" and third.headers["content-type"].startswith("multipart/")
    texts = [m["text"] for m in slack_emulator.messages("C0GENERAL")]
    assert texts == ["from a form", "from json", "from multipart"]


def test_app_tokens_only_open_socket_connections(slack_emulator: SlackEmulator, client: WebClient) -> None:
    url = client.apps_connections_open(app_token=slack_emulator.app_token)["url"]
    assert url.startswith(slack_emulator.socket_url) and "ticket=" in url
    assert api_error(lambda: client.apps_connections_open(app_token=slack_emulator.bot_token)) == (
        "not_allowed_token_type"
    )
    as_app = WebClient(token=slack_emulator.app_token, base_url=slack_emulator.api_url)
    assert api_error(lambda: as_app.chat_postMessage(channel="C0GENERAL", text="x")) == "not_allowed_token_type"


def test_unknown_methods_are_answered_and_recorded(slack_emulator: SlackEmulator, client: WebClient) -> None:
    assert api_error(lambda: client.api_call("chat.teleport", json={"channel": "C0GENERAL"})) == "unknown_method"
    assert slack_emulator.calls("chat.teleport")[0].args == {"channel": "C0GENERAL"}


# ---- messages and threads -------------------------------------------------------------------------


def test_post_update_delete_change_what_messages_shows(slack_emulator: SlackEmulator, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C0GENERAL", text="draft")
    second = client.chat_postMessage(channel="C0GENERAL", text="second")
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["bot_id"] == BOT_ID and first["channel"] == "C0GENERAL"
    updated = client.chat_update(channel="C0GENERAL", ts=first["ts"], text="final")
    assert updated["message"]["text"] == "final" and "edited" in updated["message"]
    client.chat_delete(channel="C0GENERAL", ts=second["ts"])
    assert [m["text"] for m in slack_emulator.messages("C0GENERAL")] == ["final"]
    assert api_error(lambda: client.chat_update(channel="C0GENERAL", ts=second["ts"], text="x")) == (
        "message_not_found"
    )


def test_replies_return_the_thread_a_person_started(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.ingest(
        slack_emulator.payloads.event_app_mention("How do I reset my VPN?", "U0ALICE", "C0HELP", ts="1700000000.000100")
    )
    client.chat_postMessage(channel="C0HELP", thread_ts="1700000000.000100", text="Here is how.")
    client.chat_postMessage(channel="C0HELP", thread_ts="1700000000.000100", text="Anything else?")
    replies = client.conversations_replies(channel="C0HELP", ts="1700000000.000100", limit=2)
    parent, first = replies["messages"]
    assert parent["user"] == "U0ALICE" and parent["reply_count"] == 2 and parent["text"].endswith("VPN?")
    assert first["text"] == "Here is how." and replies["has_more"] is True
    rest = client.conversations_replies(
        channel="C0HELP", ts="1700000000.000100", cursor=replies["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["Anything else?"]
    assert len(slack_emulator.bot_messages("C0HELP", thread_ts="1700000000.000100")) == 2
    assert api_error(lambda: client.conversations_replies(channel="C0HELP", ts="1.2")) == "thread_not_found"


def test_ephemeral_messages_and_permalinks(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.add_user("U0ALICE", "alice")
    answer = client.chat_postEphemeral(channel="C0HELP", user="U0ALICE", text="Only you can see this")
    assert answer["message_ts"]
    assert slack_emulator.ephemerals(user="U0ALICE")[0]["text"] == "Only you can see this"
    assert slack_emulator.messages("C0HELP") == []  # not a message anyone else sees
    ts = client.chat_postMessage(channel="C0HELP", text="hi")["ts"]
    link = client.chat_getPermalink(channel="C0HELP", message_ts=ts)["permalink"]
    assert link.endswith(f"/archives/C0HELP/p{ts.replace('.', '')}")


def test_chat_stream_helper_streams_into_one_message(slack_emulator: SlackEmulator, client: WebClient) -> None:
    streamer = client.chat_stream(
        channel="C0HELP",
        thread_ts="1700000000.000100",
        recipient_team_id=TEAM_ID,
        recipient_user_id="U0ALICE",
        buffer_size=10,
    )
    streamer.append(markdown_text="Reset it from ")
    streamer.append(markdown_text="the portal.")
    final = streamer.stop(markdown_text=" [1]", blocks=[FEEDBACK])
    methods = [c.method for c in slack_emulator.calls()]
    assert methods == ["chat.startStream", "chat.appendStream", "chat.stopStream"]
    (message,) = slack_emulator.bot_messages("C0HELP")
    assert message["text"] == "Reset it from the portal. [1]" == final["message"]["text"]
    assert message["thread_ts"] == "1700000000.000100" and message["blocks"][-1] == FEEDBACK
    stream = slack_emulator.stream("C0HELP", streamer.ts)
    assert stream["recipient_user_id"] == "U0ALICE" and stream["state"] != "streaming"
    more = api_error(lambda: client.chat_appendStream(channel="C0HELP", ts=streamer.ts, markdown_text="x"))
    assert more == "message_not_in_streaming_state"


def test_a_stream_the_user_stopped_refuses_more_text(slack_emulator: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_startStream(channel="C0HELP", thread_ts="1700000000.000100", markdown_text="Thinking")["ts"]
    slack_emulator.end_stream("C0HELP", ts, "stopped_by_user")
    assert api_error(lambda: client.chat_stopStream(channel="C0HELP", ts=ts)) == "stopped_by_user"


def test_reactions_are_kept_per_message(slack_emulator: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0HELP", text="answer")["ts"]
    client.reactions_add(channel="C0HELP", timestamp=ts, name="eyes")
    assert api_error(lambda: client.reactions_add(channel="C0HELP", timestamp=ts, name="eyes")) == "already_reacted"
    assert slack_emulator.messages("C0HELP")[0]["reactions"] == [{"name": "eyes", "users": [BOT_USER_ID], "count": 1}]
    client.reactions_remove(channel="C0HELP", timestamp=ts, name="eyes")
    assert "reactions" not in slack_emulator.messages("C0HELP")[0]
    assert api_error(lambda: client.reactions_remove(channel="C0HELP", timestamp=ts, name="eyes")) == "no_reaction"
    assert api_error(lambda: client.reactions_add(channel="C0HELP", timestamp="1.1", name="x")) == "message_not_found"


# ---- people, channels, files ----------------------------------------------------------------------


def test_users_groups_and_channels_are_configurable(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.add_user("U0ADMIN", "ada", is_admin=True)
    slack_emulator.add_usergroup("S0EXPERTS", "it-experts", users=["U0ADMIN"])
    slack_emulator.add_channel("C0PRIVATE", "secrets", is_private=True)
    assert client.users_info(user="U0ADMIN")["user"]["is_admin"] is True
    assert client.users_info(user=BOT_USER_ID)["user"]["is_bot"] is True
    assert api_error(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"
    (group,) = client.usergroups_list(include_users=True)["usergroups"]
    assert (group["handle"], group["users"]) == ("it-experts", ["U0ADMIN"])
    assert "users" not in client.usergroups_list()["usergroups"][0]
    assert client.conversations_info(channel="C0PRIVATE")["channel"]["is_private"] is True
    assert client.conversations_info(channel="D0ALICE")["channel"]["is_im"] is True


def test_a_user_groups_members_are_listed_as_slack_lists_them(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.add_usergroup("S0EXPERTS", "it-experts", users=["U0ADA", "U0BEN"])
    slack_emulator.add_usergroup("S0OLD", "old-team", users=["U0CY"], disabled=True)
    answer = client.usergroups_users_list(usergroup="S0EXPERTS")
    assert answer.data == {"ok": True, "users": ["U0ADA", "U0BEN"]}
    assert api_error(lambda: client.usergroups_users_list(usergroup="S0NOBODY")) == "no_such_subteam"
    assert api_error(lambda: client.usergroups_users_list(usergroup="S0OLD")) == "no_such_subteam"
    assert client.usergroups_users_list(usergroup="S0OLD", include_disabled=True)["users"] == ["U0CY"]


def test_strict_channels_answer_channel_not_found() -> None:
    with SlackEmulator(strict_channels=True) as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        assert api_error(lambda: client.chat_postMessage(channel="C0GONE", text="x")) == "channel_not_found"
        slack.add_channel("C0HERE", "here")
        assert client.chat_postMessage(channel="C0HERE", text="x")["ok"]


def test_files_are_served_to_the_bot_token_only(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.add_file("F0POLICY", b"# Travel policy\n", "travel.md", mimetype="text/markdown")
    info = client.files_info(file="F0POLICY")["file"]
    assert info["name"] == "travel.md" and info["size"] == 16
    authorized = urllib.request.Request(
        info["url_private"], headers={"Authorization": f"Bearer {slack_emulator.bot_token}"}
    )
    with urllib.request.urlopen(authorized, timeout=5) as response:
        assert response.read() == b"# Travel policy\n"
    with urllib.request.urlopen(info["url_private"], timeout=5) as response:  # like Slack: a sign-in page
        assert response.headers.get_content_type() == "text/html" and b"Sign in" in response.read()
    assert [d.response["ok"] for d in slack_emulator.file_downloads()] == [True, False]
    assert api_error(lambda: client.files_info(file="F0NONE")) == "file_not_found"


# ---- surfaces ---------------------------------------------------------------------------------------


def test_views_open_update_and_publish(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.add_user("U0ALICE", "alice")
    modal = {
        "type": "modal",
        "callback_id": "handover",
        "title": {"type": "plain_text", "text": "Hand over"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Who should answer?"}}],
    }
    opened = client.views_open(trigger_id="1.2.abc", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "handover"
    assert api_error(lambda: client.views_update(view_id=opened["id"], hash="stale", view=modal)) == "hash_conflict"
    client.views_update(view_id=opened["id"], hash=opened["hash"], view={**modal, "private_metadata": "turn-7"})
    assert slack_emulator.views()[0]["private_metadata"] == "turn-7"
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
    client.views_publish(user_id="U0ALICE", view=home)
    assert slack_emulator.home_view("U0ALICE")["type"] == "home"
    too_long = {**modal, "title": {"type": "plain_text", "text": "A title far longer than Slack allows"}}
    assert api_error(lambda: client.views_open(trigger_id="1.2.abc", view=too_long)) == "invalid_arguments"
    assert slack_emulator.rejected_calls()[0].method == "views.open"


def test_assistant_thread_calls_are_kept(slack_emulator: SlackEmulator, client: WebClient) -> None:
    thread = {"channel_id": "D0ALICE", "thread_ts": "1700000000.000100"}
    client.assistant_threads_setStatus(**thread, status="is searching the handbook...")
    client.assistant_threads_setStatus(**thread, status="")
    client.assistant_threads_setTitle(**thread, title="VPN reset")
    client.assistant_threads_setSuggestedPrompts(**thread, prompts=[{"title": "VPN", "message": "Reset my VPN"}])
    state = slack_emulator.assistant_thread("D0ALICE", "1700000000.000100")
    assert state["statuses"] == ["is searching the handbook...", ""] and state["title"] == "VPN reset"
    assert state["prompts"] == [{"title": "VPN", "message": "Reset my VPN"}]
    five = [{"title": str(i), "message": str(i)} for i in range(5)]
    assert api_error(lambda: client.assistant_threads_setSuggestedPrompts(**thread, prompts=five)) == (
        "invalid_arguments"
    )


# ---- Block Kit limits -------------------------------------------------------------------------------


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(value: str = "v", action_id: str = "a", text: str = "Go") -> dict:
    element = {"type": "button", "text": {"type": "plain_text", "text": text}, "value": value, "action_id": action_id}
    return {"type": "actions", "elements": [element]}


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"blocks": [section("x")] * 51}, "invalid_blocks"),
        ({"blocks": [section("x" * 3001)]}, "invalid_blocks"),
        ({"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]}, "invalid_blocks"),
        ({"blocks": [{"type": "header", "text": {"type": "mrkdwn", "text": "*x*"}}]}, "invalid_blocks"),
        ({"blocks": [button(value="v" * 2001)]}, "invalid_blocks"),
        ({"blocks": [button(action_id="a" * 256)]}, "invalid_blocks"),
        ({"blocks": [button(text="t" * 76)]}, "invalid_blocks"),
        ({"blocks": [{"type": "no_such_block"}]}, "invalid_blocks"),
        ({"blocks": [{**section("a"), "block_id": "b"}, {**section("b"), "block_id": "b"}]}, "invalid_blocks"),
        ({"blocks": "[not json"}, "invalid_blocks_format"),
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({}, "no_text"),
    ],
)
@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")  # the no_text case
def test_payloads_slack_refuses_are_rejected(
    slack_emulator: SlackEmulator, client: WebClient, payload: dict, error: str
) -> None:
    payload = {"text": "fallback", **payload} if "text" not in payload and payload else payload
    assert api_error(lambda: client.chat_postMessage(channel="C0HELP", **payload)) == error
    (rejected,) = slack_emulator.rejected_calls()
    assert rejected.method == "chat.postMessage" and rejected.response["response_metadata"]["messages"]
    assert slack_emulator.messages() == []


def test_limits_hold_for_updates_and_stream_stops(slack_emulator: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0HELP", text="ok", blocks=[section("x" * 3000), FEEDBACK])["ts"]
    assert api_error(lambda: client.chat_update(channel="C0HELP", ts=ts, text="ok", blocks=[section("x" * 3001)])) == (
        "invalid_blocks"
    )
    stream_ts = client.chat_startStream(channel="C0HELP", thread_ts=ts, markdown_text="a")["ts"]
    assert api_error(lambda: client.chat_stopStream(channel="C0HELP", ts=stream_ts, blocks=[section("x")] * 50)) == (
        "invalid_blocks"  # the streamed text is a block too
    )
    assert [c.method for c in slack_emulator.rejected_calls()] == ["chat.update", "chat.stopStream"]


# ---- failure injection and slack_sdk's retry handlers -------------------------------------------------


def test_injected_errors_come_as_ok_false_with_http_200(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.fail_next("chat.postMessage", error="channel_not_found", count=2)
    for _ in range(2):
        assert api_error(lambda: client.chat_postMessage(channel="C0HELP", text="x")) == "channel_not_found"
    assert client.chat_postMessage(channel="C0HELP", text="x")["ok"]
    statuses = [(c.status, c.injected) for c in slack_emulator.calls("chat.postMessage")]
    assert statuses == [(200, True), (200, True), (200, False)]


def test_a_429_without_a_retry_handler_reaches_the_caller(slack_emulator: SlackEmulator, client: WebClient) -> None:
    slack_emulator.fail_next("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0HELP", text="x")
    assert caught.value.response.status_code == 429 and caught.value.response.headers["Retry-After"] == "7"


def test_rate_limit_retry_handler_recovers(slack_emulator: SlackEmulator) -> None:
    client = WebClient(
        token=slack_emulator.bot_token,
        base_url=slack_emulator.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    slack_emulator.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="C0HELP", text="after the limit")["ok"]
    first, second = slack_emulator.calls("chat.postMessage")
    assert (first.status, second.status) == (429, 200)
    assert [m["text"] for m in slack_emulator.messages("C0HELP")] == ["after the limit"]


@pytest.mark.parametrize("status", [500, 503])
def test_server_error_retry_handler_recovers(slack_emulator: SlackEmulator, status: int) -> None:
    handler = ServerErrorRetryHandler(max_retry_count=2, interval_calculator=FixedValueRetryIntervalCalculator(0.01))
    client = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url, retry_handlers=[handler])
    slack_emulator.fail_next("reactions.add", status=status, count=2)
    ts = client.chat_postMessage(channel="C0HELP", text="answer")["ts"]
    assert client.reactions_add(channel="C0HELP", timestamp=ts, name="eyes")["ok"]
    assert [c.status for c in slack_emulator.calls("reactions.add")] == [status, status, 200]


# ---- waiting ------------------------------------------------------------------------------------------


def test_wait_for_returns_a_call_made_later_from_another_thread(
    slack_emulator: SlackEmulator, client: WebClient
) -> None:
    client.chat_postMessage(channel="C0HELP", text="earlier")
    later = threading.Timer(0.2, lambda: client.chat_postMessage(channel="C0HELP", text="later"))
    later.start()
    started = time.monotonic()
    call = slack_emulator.wait_for("chat.postMessage", lambda c: c.args["text"] == "later", timeout=5)
    assert call.ok and time.monotonic() - started < 4
    later.join()
    with pytest.raises(TimeoutError, match="chat.update"):
        slack_emulator.wait_for("chat.update", timeout=0.2)
    after = len(slack_emulator.calls())
    with pytest.raises(TimeoutError):
        slack_emulator.wait_for("chat.postMessage", timeout=0.2, after=after)


def test_delivered_events_change_the_workspace_as_in_slack(slack_emulator: SlackEmulator, client: WebClient) -> None:
    build = slack_emulator.payloads
    original = build.event_message_channel("VPN is down", "U0ALICE", "C0HELP")
    ts = original["event"]["ts"]
    slack_emulator.ingest(original)
    slack_emulator.ingest(original)  # a redelivery is still one message
    slack_emulator.ingest(
        build.event_message_channel(
            "VPN is up", "U0ALICE", "C0HELP", ts=ts, subtype="message_changed", previous_text="VPN is down"
        )
    )
    slack_emulator.ingest(build.reaction_added("eyes", "U0BOB", "C0HELP", ts, item_user="U0ALICE"))
    (message,) = slack_emulator.messages("C0HELP")
    assert message["text"] == "VPN is up" and message["reactions"][0]["users"] == ["U0BOB"]
    assert client.chat_getPermalink(channel="C0HELP", message_ts=ts)["ok"]
    slack_emulator.ingest(build.event_message_channel("", "U0ALICE", "C0HELP", ts=ts, subtype="message_deleted"))
    assert slack_emulator.messages("C0HELP") == []
    started = build.assistant_thread_started("U0ALICE")
    slack_emulator.ingest(started)
    thread = started["event"]["assistant_thread"]
    (root,) = client.conversations_replies(channel=thread["channel_id"], ts=thread["thread_ts"])["messages"]
    assert root["subtype"] == "assistant_app_thread" and root["user"] == "U0ALICE"
