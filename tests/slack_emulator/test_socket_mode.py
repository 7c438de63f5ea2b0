"""Socket Mode against slack_sdk's builtin client: connect via apps.connections.open, hello, acks, reconnects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.builtin import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from tests.slack_emulator import SlackEmulator


@dataclass
class Connected:
    client: SocketModeClient
    requests: list[SocketModeRequest] = field(default_factory=list)  # what the client's listener got
    frames: list[str] = field(default_factory=list)  # every text frame it received, raw


@pytest.fixture
def socket_client(slack_emulator: SlackEmulator) -> Iterator[Connected]:
    """The builtin client, acking every request; slash commands get a response payload."""
    web = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    connected = Connected(SocketModeClient(app_token=slack_emulator.app_token, web_client=web, ping_interval=1))

    def ack(client: SocketModeClient, request: SocketModeRequest) -> None:
        connected.requests.append(request)
        payload = {"text": "Working on it"} if request.type == "slash_commands" else None
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=payload))

    connected.client.socket_mode_request_listeners.append(ack)
    connected.client.on_message_listeners.append(connected.frames.append)
    connected.client.connect()
    slack_emulator.wait_for_socket()
    yield connected
    slack_emulator.close_socket_client(connected.client)


def test_the_client_connects_through_apps_connections_open_and_gets_hello(
    slack_emulator: SlackEmulator, socket_client: Connected
) -> None:
    (opened,) = slack_emulator.calls("apps.connections.open")
    assert opened.ok and opened.token == slack_emulator.app_token
    hello = slack_emulator.socket_frames_sent()[0]
    assert hello["type"] == "hello" and hello["num_connections"] == 1
    assert socket_client.client.is_connected()


def test_an_envelope_is_delivered_and_acknowledged(slack_emulator: SlackEmulator, socket_client: Connected) -> None:
    payload = slack_emulator.payloads.event_app_mention("Where is the VPN guide?", "U0ALICE", "C0HELP")
    envelope_id = slack_emulator.socket_send("events_api", payload)
    ack = slack_emulator.wait_for_ack(envelope_id)
    assert ack.payload is None
    (request,) = socket_client.requests
    assert (request.envelope_id, request.type, request.payload) == (envelope_id, "events_api", payload)
    raw = json.loads(socket_client.frames[-1])
    assert raw["retry_attempt"] == 0 and raw["accepts_response_payload"] is False
    # Slack stored the person's message before telling the app about it.
    assert slack_emulator.messages("C0HELP")[0]["text"] == payload["event"]["text"]


def test_acks_carry_response_payloads_and_retries_say_so(
    slack_emulator: SlackEmulator, socket_client: Connected
) -> None:
    command = slack_emulator.payloads.slash_command("/keel", "vpn", "U0ALICE", "C0HELP")
    ack = slack_emulator.wait_for_ack(slack_emulator.socket_send(None, command))  # None: Slack's own choice
    assert ack.payload == {"text": "Working on it"}
    payload = slack_emulator.payloads.event_app_mention("again?", "U0ALICE", "C0HELP", event_id="Ev0SAME")
    slack_emulator.wait_for_ack(slack_emulator.socket_send("events_api", payload, retry_attempt=1))
    retried = json.loads(socket_client.frames[-1])
    assert (retried["retry_attempt"], retried["retry_reason"]) == (1, "timeout")
    assert [r.type for r in socket_client.requests] == ["slash_commands", "events_api"]


@pytest.mark.parametrize("reason", ["refresh_requested", None])
def test_the_client_reconnects_after_a_disconnect(
    slack_emulator: SlackEmulator, socket_client: Connected, reason: str | None
) -> None:
    slack_emulator.socket_disconnect(reason)
    slack_emulator.wait_for_socket(connections=2, timeout=15)
    assert len(slack_emulator.calls("apps.connections.open")) == 2
    # The new connection works: an envelope sent now is acknowledged.
    payload = slack_emulator.payloads.event_message_im("still there?", "U0ALICE")
    slack_emulator.wait_for_ack(slack_emulator.socket_send("events_api", payload), timeout=10)
    assert [f["type"] for f in slack_emulator.socket_frames_sent()].count("hello") == 2


def test_sending_without_a_client_times_out(slack_emulator: SlackEmulator) -> None:
    with pytest.raises(TimeoutError, match="no Socket Mode client"):
        slack_emulator.socket_send("events_api", slack_emulator.payloads.url_verification(), timeout=0.2)
