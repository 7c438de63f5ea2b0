"""The real Bolt app and slack_sdk client against the Slack emulator on 127.0.0.1, answering from a
small real knowledge base (``kb`` of tests/conftest.py: Chroma + BM25 + the ONNX embedder) with the real
answer graph and log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import KeelApp, create_app
from bot.runtime import KeelRuntime
from bot.service import AgentPool, KeelService, StoreTurnLog
from bot.serving import HttpServer
from bot.store.db import open_db
from bot.store.writer import LogWriter
from config.settings import Settings, get_settings
from graphs.policy import load_policy
from knowledge.base import KnowledgeBase
from tests.slack_emulator import Delivery, SlackEmulator

ALICE = "U0ALICE"
BOB = "U0BOB"
HELP = "C0HELP"  # a channel Keel is in, not listed in the policy


@pytest.fixture
def slack_env(monkeypatch: pytest.MonkeyPatch, slack_emulator: SlackEmulator) -> Settings:
    """Settings that point Keel at the emulator with its tokens."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_emulator.bot_token)
    monkeypatch.setenv("SLACK_APP_TOKEN", slack_emulator.app_token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", slack_emulator.signing_secret)
    monkeypatch.setenv("KEEL_SLACK_API_URL", slack_emulator.api_url)
    slack_emulator.add_user(ALICE, "alice")
    slack_emulator.add_user(BOB, "bob")
    return get_settings(fresh=True)


def make_service(settings: Settings, kb: KnowledgeBase, **overrides: Any) -> KeelService:
    return KeelService(
        AgentPool(settings, kb=kb, **overrides),
        StoreTurnLog(LogWriter(settings.log_path)),
        policy=lambda: load_policy(settings.policy),
    )


@dataclass
class Running:
    """Keel serving HTTP on 127.0.0.1, and how to reach it."""

    app: KeelApp
    url: str
    emulator: SlackEmulator

    @property
    def keel(self) -> KeelRuntime:
        return self.app.keel

    def post(self, payload: dict[str, Any], **kwargs: Any) -> Delivery:
        """Deliver a payload as Slack does (signed, over HTTP) and check it was acknowledged."""
        delivery = self.emulator.sign_and_post(self.url, payload, **kwargs)
        assert delivery.status == 200, delivery
        return delivery

    def settle(self) -> None:
        assert self.keel.settle(60), "Keel did not finish its work in time"
        self.keel.service.turn_log.writer.flush(10)  # type: ignore[attr-defined]

    def turns(self) -> list[dict[str, Any]]:
        self.settle()
        return list(open_db(get_settings().log_path)["turns"].rows)

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """Keel's messages in a thread (posted through the API), once everything in flight is done."""
        self.settle()
        return [m for m in self.emulator.bot_messages(channel, thread_ts) if m["ts"] != thread_ts and m.get("app_id")]


@pytest.fixture
def start_keel(
    slack_env: Settings, kb: KnowledgeBase, slack_emulator: SlackEmulator
) -> Iterator[Callable[..., Running]]:
    """Start Keel in HTTP mode (the test may pass its own service); everything stops after the test."""
    started: list[tuple[HttpServer, KeelApp]] = []

    def start(service: KeelService | None = None, **overrides: Any) -> Running:
        app = create_app(slack_env, http=True, service=service or make_service(slack_env, kb, **overrides))
        server = HttpServer(app, host="127.0.0.1", port=0).start()
        started.append((server, app))
        return Running(app, server.url, slack_emulator)

    yield start
    for server, app in started:
        server.close()
        app.keel.close()


@pytest.fixture
def keel(start_keel: Callable[..., Running]) -> Running:
    return start_keel()
