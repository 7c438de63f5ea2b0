"""``keel serve --http`` as a real process: it answers a signed event, then stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import time

import httpx
import pytest

from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.bot.cli.serve_process import start_keel_serve
from tests.bot.conftest import ALICE, HELP
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator


@pytest.mark.server
def test_keel_serve_http_answers_and_drains_on_sigterm(
    kb: KnowledgeBase, slack_env: Settings, slack_emulator: SlackEmulator
) -> None:
    port = free_port()
    process = start_keel_serve(port)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "keel serve did not start listening"
                time.sleep(0.2)

        payload = slack_emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
        delivery = slack_emulator.sign_and_post(f"http://127.0.0.1:{port}/slack/events", payload)
        assert delivery.status == 200
        posted = slack_emulator.wait_for("chat.postMessage", timeout=60)
        assert posted.args["thread_ts"] == payload["event"]["ts"] and "20 weeks" in posted.args["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "Stopping" in output and slack_emulator.bot_token not in output
