"""``keel serve --http`` listens before its models are loaded: ``/healthz`` says "warming up" (503) until
they are, and a Slack event that comes meanwhile is acked and answered, not dropped."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from slack_bolt import App
from slack_sdk import WebClient

from bot.serving import EVENTS_PATH, HEALTH_PATH, HttpServer
from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.bot.cli.serve_process import start_keel_serve
from tests.bot.conftest import ALICE, HELP
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator
from tests.slack_emulator.delivery import sign_and_post


def test_health_says_warming_up_and_slack_requests_wait_for_the_app(slack_emulator: SlackEmulator) -> None:
    server = HttpServer(None, host="127.0.0.1", port=0).start()
    health = server.url.replace(EVENTS_PATH, HEALTH_PATH)
    try:
        warming = httpx.get(health, timeout=5)
        assert warming.status_code == 503 and warming.json() == {"status": "warming up"}

        client = WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
        app = App(client=client, signing_secret=slack_emulator.signing_secret)
        mentioned: list[str] = []
        seen = threading.Event()

        @app.event("app_mention")
        def on_mention(event: dict) -> None:
            mentioned.append(event["text"])
            seen.set()

        payload = slack_emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
        with ThreadPoolExecutor(1) as pool:
            delivery = pool.submit(sign_and_post, server.url, payload, slack_emulator.signing_secret)
            time.sleep(1.0)
            assert not delivery.done()  # held while there is no app: neither refused nor dropped
            server.attach(app)
            assert delivery.result(timeout=10).status == 200
        assert seen.wait(10) and "parental leave" in mentioned[0]

        assert httpx.get(health, timeout=5).status_code == 503  # the app answers; the models still load
        server.mark_ready()
        ready = httpx.get(health, timeout=5)
        assert ready.status_code == 200 and ready.text == "ok\n"
    finally:
        server.close()


def test_a_request_waiting_when_start_up_fails_is_answered_503(slack_emulator: SlackEmulator) -> None:
    server = HttpServer(None, host="127.0.0.1", port=0).start()
    payload = slack_emulator.payloads.event_app_mention("hello?", ALICE, HELP)
    with ThreadPoolExecutor(1) as pool:
        delivery = pool.submit(sign_and_post, server.url, payload, slack_emulator.signing_secret)
        time.sleep(0.5)
        server.close()  # as `keel serve` does when the app cannot be built
        assert delivery.result(timeout=10).status == 503  # Slack delivers it again later


@pytest.mark.server
def test_keel_serve_answers_an_event_sent_while_it_warms_up(
    kb: KnowledgeBase, slack_env: Settings, slack_emulator: SlackEmulator
) -> None:
    port = free_port()
    process = start_keel_serve(port, "--workers", "1")
    health = f"http://127.0.0.1:{port}{HEALTH_PATH}"
    try:
        first = _first_health_answer(health, process)
        # Before the worker has loaded its models (seconds), so the answer is still "warming up".
        assert first.status_code == 503 and first.json() == {"status": "warming up"}, first.text
        payload = slack_emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
        delivery = slack_emulator.sign_and_post(f"http://127.0.0.1:{port}{EVENTS_PATH}", payload)
        assert delivery.status == 200
        posted = slack_emulator.wait_for("chat.postMessage", timeout=120)
        assert posted.args["thread_ts"] == payload["event"]["ts"] and "20 weeks" in posted.args["text"]
        assert _wait_ready(health, timeout=120).text == "ok\n"
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output


def _first_health_answer(url: str, process: subprocess.Popen, timeout: float = 90) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            return httpx.get(url, timeout=1)
        except httpx.HTTPError:
            assert time.monotonic() < deadline, "keel serve did not open its port"
            time.sleep(0.05)


def _wait_ready(url: str, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while (answer := httpx.get(url, timeout=5)).status_code != 200:
        assert time.monotonic() < deadline, "keel serve did not finish warming up"
        time.sleep(0.2)
    return answer
