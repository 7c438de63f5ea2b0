"""Socket Mode under faults: Slack drops the WebSocket mid-session, refuses the reconnects for a while, and
redelivers what may not have been acknowledged. slack_sdk's built-in client (through Keel's
``socket_mode_handler``) reconnects on its own, the next question is answered, and a redelivered question is
answered once. End to end: the real Bolt app against the Slack emulator's WebSocket server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.app import create_app
from bot.serving import socket_mode_handler
from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, HELP, Running, make_service
from tests.slack_emulator import SlackEmulator

# How often the client checks its connection and retries a refused reconnect. Bolt's default is 10 s; the
# tests shorten it so that several refusals fit in a few seconds (the figures in the notes use both).
MONITOR_INTERVAL = 0.5


@pytest.fixture
def handler(slack_env: Settings, kb: KnowledgeBase, slack_emulator: SlackEmulator) -> Iterator[SocketModeHandler]:
    app = create_app(slack_env, service=make_service(slack_env, kb))
    socket = socket_mode_handler(app, slack_env.slack_app_token.get_secret_value())  # type: ignore[union-attr]
    socket.client.current_app_monitor.interval_seconds = MONITOR_INTERVAL
    socket.connect()
    slack_emulator.wait_for_socket()
    yield socket
    slack_emulator.close_socket_client(socket)
    app.keel.close()


@pytest.fixture
def keel(handler: SocketModeHandler, slack_emulator: SlackEmulator) -> Running:
    return Running(handler.app, "", slack_emulator)


def ask(keel: Running, question: str, retry_attempt: int = 0) -> str:
    """Deliver a question over the socket and wait for Keel's ack; returns the question's ts."""
    payload = keel.emulator.payloads.event_app_mention(question, ALICE, HELP)
    keel.emulator.wait_for_ack(keel.emulator.socket_send(None, payload, retry_attempt=retry_attempt))
    return payload["event"]["ts"]


def assert_answered_once(keel: Running, thread: str, expected: str) -> None:
    (reply,) = keel.replies(HELP, thread)
    assert expected in reply["text"]


def test_keel_reconnects_after_slack_drops_the_socket_without_warning(keel: Running) -> None:
    # (A "disconnect" message asking Keel to reconnect is in tests/bot/test_socket_mode.py.)
    assert_answered_once(keel, ask(keel, "How long is parental leave?"), "20 weeks")
    dropped = time.monotonic()
    keel.emulator.socket_disconnect(None)  # the server closes the WebSocket, nothing said
    keel.emulator.wait_for_socket(timeout=10, connections=2)
    reconnected = time.monotonic() - dropped
    assert_answered_once(keel, ask(keel, "How do I connect to the VPN?"), "Pangolin")
    assert len(keel.emulator.calls("apps.connections.open")) == 2
    print(f"\nreconnected {reconnected:.2f}s after the drop")


def test_keel_keeps_trying_while_slack_refuses_to_reconnect_it(keel: Running) -> None:
    # Three server errors (slack_sdk's retry handler gives up after the third), then a refusal: four
    # refused attempts before Slack lets the client back in.
    keel.emulator.fail_next("apps.connections.open", status=503, count=3)
    keel.emulator.fail_next("apps.connections.open", error="internal_error")
    dropped = time.monotonic()
    keel.emulator.socket_disconnect(None)
    keel.emulator.wait_for_socket(timeout=15, connections=2)
    reconnected = time.monotonic() - dropped

    opens = keel.emulator.calls("apps.connections.open")[1:]
    assert [c.status if c.status != 200 else c.error or 200 for c in opens] == [503, 503, 503, "internal_error", 200]
    assert_answered_once(keel, ask(keel, "How do I connect to the VPN?"), "Pangolin")
    print(f"\nreconnected {reconnected:.2f}s after the drop, past 4 refused attempts")


def test_a_question_redelivered_after_a_drop_mid_answer_is_answered_once(keel: Running) -> None:
    # The ack may have been lost with the connection: Slack sends the envelope again on the new one.
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    keel.emulator.wait_for_ack(keel.emulator.socket_send(None, payload))
    keel.emulator.socket_disconnect(None)  # while Keel is still answering
    keel.emulator.wait_for_socket(timeout=10, connections=2)
    redelivered = keel.emulator.socket_send(None, payload, retry_attempt=1, retry_reason="timeout")
    keel.emulator.wait_for_ack(redelivered)
    assert_answered_once(keel, payload["event"]["ts"], "20 weeks")
    assert len(keel.turns()) == 1


def test_concurrent_redeliveries_over_the_socket_are_answered_once(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How do I connect to the VPN?", ALICE, HELP)
    with ThreadPoolExecutor(max_workers=8) as pool:
        envelopes = list(pool.map(lambda n: keel.emulator.socket_send(None, payload, retry_attempt=n % 4), range(12)))
    for envelope_id in envelopes:
        keel.emulator.wait_for_ack(envelope_id)
    assert_answered_once(keel, payload["event"]["ts"], "Pangolin")
    assert len(keel.turns()) == 1
