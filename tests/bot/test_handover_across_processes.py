"""Hand-overs when Keel runs as several processes: an answer worker announces a hand-over while the Slack
process's monitor (or another instance's) looks for announcements a crash cut off. Each ``Handovers``
here stands for one process: its own Web API client, its own checkpointer connection, the same KEEL_HOME.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, timedelta
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.handover.desk import Handovers
from bot.handover.monitor import HandoverMonitor
from bot.store.db import open_db, utc_now
from config.settings import Settings
from graphs.policy import ChannelPolicy, load_policy
from tests.bot.conftest import ALICE, HELP
from tests.slack_emulator import SlackEmulator

QUESTION_TS = "1700000000.000100"


class HeldPost(WebClient):
    """A worker's client whose next chat.postMessage is held (the announcement in flight) or fails (the
    worker is killed mid-announcement) until the test says so."""

    def __init__(self, *args: Any, fail: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.posting, self.release, self.fail = threading.Event(), threading.Event(), fail

    def chat_postMessage(self, **kwargs: Any) -> Any:  # noqa: N802 - slack_sdk's name
        self.posting.set()
        self.release.wait(10)
        if self.fail:
            raise ConnectionError("the worker died while posting")
        return super().chat_postMessage(**kwargs)


def process(settings: Settings, client: WebClient) -> Handovers:
    def policy(channel: str | None) -> ChannelPolicy:
        return load_policy(settings.policy).for_channel(channel)

    return Handovers(settings, client, policy)


def start_in_background(worker: Handovers) -> threading.Thread:
    def start() -> None:
        with contextlib.suppress(ConnectionError):  # the "killed" worker: its row exists, its announcement not
            worker.start(
                turn_id="turn-1", channel=HELP, thread_ts=QUESTION_TS, asker=ALICE, question="Dogs?", reason="no source"
            )

    thread = threading.Thread(target=start)
    thread.start()
    return thread


def announcements(emulator: SlackEmulator) -> list[dict[str, Any]]:
    return [m for m in emulator.bot_messages(HELP, QUESTION_TS) if "needs a person" in m["text"]]


@pytest.fixture
def settings(slack_env: Settings, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Settings:
    from config.settings import get_settings

    policy = tmp_path / "keel.toml"
    policy.write_text('[defaults]\nexperts = ["U0EXPERT"]\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    return get_settings(fresh=True)


def test_an_announcement_in_flight_on_a_worker_is_not_posted_again_by_the_monitor(
    settings: Settings, slack_emulator: SlackEmulator
) -> None:
    held = HeldPost(token=slack_emulator.bot_token, base_url=slack_emulator.api_url)
    worker = process(settings, held)
    monitor_process = process(settings, WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url))
    try:
        starting = start_in_background(worker)
        assert held.posting.wait(10), "the worker never got to post the announcement"
        HandoverMonitor(monitor_process, tz=UTC).tick(utc_now())  # the monitor's minute comes round now
        held.release.set()
        starting.join(10)
    finally:
        worker.close()
        monitor_process.close()
    assert len(announcements(slack_emulator)) == 1


def test_an_announcement_a_crash_cut_off_is_posted_by_the_monitor_once(
    settings: Settings, slack_emulator: SlackEmulator
) -> None:
    killed = HeldPost(token=slack_emulator.bot_token, base_url=slack_emulator.api_url, fail=True)
    killed.release.set()
    worker = process(settings, killed)
    start_in_background(worker).join(10)
    worker.close()
    assert announcements(slack_emulator) == []
    restarted = process(settings, WebClient(token=slack_emulator.bot_token, base_url=slack_emulator.api_url))
    try:
        monitor = HandoverMonitor(restarted, tz=UTC)
        later = utc_now() + timedelta(minutes=10)
        assert ("turn-1", "announced") in monitor.tick(later)
        assert ("turn-1", "announced") not in monitor.tick(later + timedelta(minutes=1))
    finally:
        restarted.close()
    assert len(announcements(slack_emulator)) == 1
    row = open_db(settings.log_path).execute("SELECT announcement_ts FROM handovers").fetchone()
    assert row[0] == announcements(slack_emulator)[0]["ts"]
