"""The real Bolt App against the emulator: signed HTTP deliveries and Socket Mode, replies through the Web API."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, Assistant, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from tests.slack_emulator import BOT_USER_ID, SlackEmulator


def make_app(slack: SlackEmulator) -> App:
    app = App(
        client=WebClient(token=slack.bot_token, base_url=slack.api_url),
        signing_secret=slack.signing_secret,
    )

    @app.event("app_mention")
    def answer(event: dict[str, Any], say: Say) -> None:
        say(text=f"You asked: {event['text']}", thread_ts=event["ts"])

    @app.action("feedback")
    def feedback(ack: Any, respond: Any, action: dict[str, Any]) -> None:
        ack()
        respond(text=f"Thanks for the {action['value']}", replace_original=False)

    @app.view("handover")
    def handover(ack: Any, view: dict[str, Any]) -> None:
        reason = view["state"]["values"]["reason"]["reason_input"]["value"]
        if reason:
            ack()
        else:
            ack(response_action="errors", errors={"reason": "Say why"})

    @app.command("/keel")
    def command(ack: Any, command: dict[str, Any]) -> None:
        ack(text=f"Looking up {command['text']}")

    return app


@contextmanager
def serve(app: App) -> Iterator[str]:
    """The app behind a plain HTTP server on 127.0.0.1, the way Slack's Request URL reaches it."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            headers = {name.lower(): value for name, value in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            data = response.body.encode("utf-8")
            self.send_response(response.status)
            for name, value in response.first_headers_without_set_cookie().items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def app_url(slack_emulator: SlackEmulator) -> Iterator[str]:
    with serve(make_app(slack_emulator)) as url:
        yield url


def test_bolt_starts_against_the_emulator(slack_emulator: SlackEmulator) -> None:
    make_app(slack_emulator)
    assert slack_emulator.calls("auth.test")[0].ok  # Bolt checks its token when it starts


def test_a_signed_event_gets_a_threaded_reply(slack_emulator: SlackEmulator, app_url: str) -> None:
    mention = slack_emulator.payloads.event_app_mention("Where is the VPN guide?", "U0ALICE", "C0HELP")
    delivery = slack_emulator.sign_and_post(app_url, mention)
    assert delivery.status == 200
    reply = slack_emulator.wait_for("chat.postMessage")
    assert reply.args["thread_ts"] == mention["event"]["ts"]
    assert reply.args["text"] == f"You asked: <@{BOT_USER_ID}> Where is the VPN guide?"
    (question, answer) = slack_emulator.messages("C0HELP")
    assert question["user"] == "U0ALICE" and answer["thread_ts"] == question["ts"]


@pytest.mark.parametrize(("secret", "timestamp"), [("not-the-secret", None), (None, 1_000_000_000)])
def test_bad_signatures_and_replays_are_refused(
    slack_emulator: SlackEmulator, app_url: str, secret: str | None, timestamp: int | None
) -> None:
    mention = slack_emulator.payloads.event_app_mention("hi", "U0ALICE", "C0HELP")
    delivery = slack_emulator.sign_and_post(app_url, mention, signing_secret=secret, timestamp=timestamp)
    assert delivery.status == 401
    with pytest.raises(TimeoutError):
        slack_emulator.wait_for("chat.postMessage", timeout=0.5)


def test_interactivity_arrives_as_a_payload_form_field(slack_emulator: SlackEmulator, app_url: str) -> None:
    click = slack_emulator.payloads.feedback_buttons_action(
        "feedback", "turn-7:down", "U0ALICE", "C0HELP", "1700000000.000200", thread_ts="1700000000.000100"
    )
    assert slack_emulator.sign_and_post(app_url, click).status == 200
    assert slack_emulator.wait_for_response().args["text"] == "Thanks for the turn-7:down"
    assert slack_emulator.calls("chat.postMessage") == []  # respond() goes to the response_url only


def test_view_submissions_reach_the_view_listener(slack_emulator: SlackEmulator, app_url: str) -> None:
    empty = slack_emulator.payloads.view_submission("handover", {"reason": {"reason_input": ""}}, user="U0BOB")
    delivery = slack_emulator.sign_and_post(app_url, empty)
    assert delivery.json() == {"response_action": "errors", "errors": {"reason": "Say why"}}
    filled = slack_emulator.payloads.view_submission("handover", {"reason": {"reason_input": "urgent"}})
    assert slack_emulator.sign_and_post(app_url, filled).status == 200


def test_slash_commands_are_form_encoded_and_acked_with_text(slack_emulator: SlackEmulator, app_url: str) -> None:
    command = slack_emulator.payloads.slash_command("/keel", "vpn", "U0ALICE", "C0HELP")
    delivery = slack_emulator.sign_and_post(app_url, command)
    assert (delivery.status, delivery.body) == (200, "Looking up vpn")  # Bolt acks text-only as plain text


def test_socket_mode_delivers_events_to_bolt(slack_emulator: SlackEmulator) -> None:
    handler = SocketModeHandler(make_app(slack_emulator), app_token=slack_emulator.app_token)
    handler.connect()
    try:
        mention = slack_emulator.payloads.event_app_mention("socket?", "U0ALICE", "C0HELP")
        assert slack_emulator.wait_for_ack(slack_emulator.socket_send("events_api", mention)).payload is None
        assert slack_emulator.wait_for("chat.postMessage").args["thread_ts"] == mention["event"]["ts"]
    finally:
        slack_emulator.close_socket_client(handler)


def test_assistant_threads_run_through_bolts_assistant(slack_emulator: SlackEmulator) -> None:
    app = App(
        client=WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url),
        signing_secret=slack_emulator.signing_secret,
        process_before_response=True,  # listeners finish before the HTTP answer: no waiting needed below
    )
    assistant = Assistant()

    @assistant.thread_started
    def started(say: Say, set_suggested_prompts: Any) -> None:
        say("Hi, what can I look up?")
        set_suggested_prompts(prompts=[{"title": "VPN", "message": "How do I reset my VPN?"}])

    @assistant.user_message
    def asked(payload: dict[str, Any], set_status: Any, say_stream: Any) -> None:
        set_status("is searching the handbook...")
        streamer = say_stream()
        streamer.append(markdown_text=f"About '{payload['text']}': see the IT portal.")
        streamer.stop()

    app.use(assistant)
    with serve(app) as url:
        started_event = slack_emulator.payloads.assistant_thread_started("U0ALICE", context_channel="C0HELP")
        thread = started_event["event"]["assistant_thread"]
        assert slack_emulator.sign_and_post(url, started_event).status == 200
        question = slack_emulator.payloads.event_message_im("VPN?", "U0ALICE", thread_ts=thread["thread_ts"])
        assert slack_emulator.sign_and_post(url, question).status == 200
    state = slack_emulator.assistant_thread(thread["channel_id"], thread["thread_ts"])
    assert state["prompts"][0]["title"] == "VPN" and state["statuses"] == ["is searching the handbook..."]
    texts = [m["text"] for m in slack_emulator.bot_messages(thread["channel_id"], thread["thread_ts"])]
    assert texts == ["Hi, what can I look up?", "About 'VPN?': see the IT portal."]
