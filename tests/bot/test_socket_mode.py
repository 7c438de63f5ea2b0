"""Socket Mode end to end: slack_sdk's built-in client connects through apps.connections.open to the
emulator's WebSocket server; envelopes are acked, answered once, and clicks come back the same way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.app import create_app
from bot.serving import socket_mode_handler
from bot.store.db import open_db
from bot.store.feedback import turn_votes
from config.settings import Settings, get_settings
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, HELP, Running, make_service
from tests.slack_emulator import SlackEmulator


@pytest.fixture
def socket_keel(slack_env: Settings, kb: KnowledgeBase, slack_emulator: SlackEmulator) -> Iterator[Running]:
    app = create_app(slack_env, service=make_service(slack_env, kb))
    handler = socket_mode_handler(app, slack_env.slack_app_token.get_secret_value())  # type: ignore[union-attr]
    handler.connect()
    slack_emulator.wait_for_socket()
    yield Running(app, "", slack_emulator)
    slack_emulator.close_socket_client(handler)
    app.keel.close()


def test_a_mention_over_socket_mode_is_acked_and_answered_once(socket_keel: Running) -> None:
    emulator = socket_keel.emulator
    payload = emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    first = emulator.socket_send(None, payload)
    assert emulator.wait_for_ack(first).payload is None  # events are acked with an empty envelope reply
    retry = emulator.socket_send(None, payload, retry_attempt=1)
    emulator.wait_for_ack(retry)
    (reply,) = socket_keel.replies(HELP, payload["event"]["ts"])
    assert "20 weeks" in reply["text"]
    assert emulator.calls("apps.connections.open")[0].token == emulator.app_token


def test_a_click_over_socket_mode_is_acked_and_stored(socket_keel: Running) -> None:
    emulator = socket_keel.emulator
    payload = emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    emulator.wait_for_ack(emulator.socket_send(None, payload))
    (reply,) = socket_keel.replies(HELP, payload["event"]["ts"])
    buttons = reply["blocks"][-1]["elements"][0]
    click = emulator.payloads.feedback_buttons_action(
        buttons["action_id"],
        buttons["positive_button"]["value"],
        ALICE,
        HELP,
        reply["ts"],
        thread_ts=reply["thread_ts"],
    )
    emulator.wait_for_ack(emulator.socket_send(None, click))
    (turn,) = socket_keel.turns()
    assert turn_votes(open_db(get_settings().log_path), turn["id"]) == {"up": 1, "down": 0}


def test_keel_reconnects_when_slack_asks_it_to(socket_keel: Running) -> None:
    emulator = socket_keel.emulator
    emulator.socket_disconnect("refresh_requested")
    emulator.wait_for_socket(timeout=10, connections=2)
    payload = emulator.payloads.event_app_mention("How do I connect to the VPN?", ALICE, HELP)
    emulator.wait_for_ack(emulator.socket_send(None, payload))
    (reply,) = socket_keel.replies(HELP, payload["event"]["ts"])
    assert "Pangolin" in reply["text"]
