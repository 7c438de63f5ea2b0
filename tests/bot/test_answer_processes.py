"""Answering in worker processes (what ``keel serve`` does): the Slack process only acks and queues;
each worker process has its own graph, log writer and Web API client."""

from __future__ import annotations

import pytest
from slack_bolt import App

from bot.app import create_app
from bot.serving import HttpServer
from bot.store.db import open_db
from bot.store.feedback import turn_votes
from config.settings import Settings
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.slack_emulator import SlackEmulator


@pytest.mark.server
def test_worker_processes_answer_once_and_the_log_gets_every_turn(
    slack_env: Settings, kb: KnowledgeBase, slack_emulator: SlackEmulator
) -> None:
    app: App = create_app(slack_env, http=True, workers=2, processes=True)
    server = HttpServer(app, host="127.0.0.1", port=0).start()
    keel = Running(app, server.url, slack_emulator)
    try:
        keel.keel.answering.warm_up()
        first = slack_emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
        second = slack_emulator.payloads.event_app_mention("How do I connect to the VPN?", BOB, HELP)
        for payload in (first, second):
            keel.post(payload)
        keel.post(first, retry_num=1)

        (leave,) = keel.replies(HELP, first["event"]["ts"])
        (vpn,) = keel.replies(HELP, second["event"]["ts"])
        assert "20 weeks" in leave["text"] and "Pangolin" in vpn["text"]
        assert slack_emulator.rejected_calls() == []
        removed = {c.args["timestamp"] for c in slack_emulator.calls("reactions.remove")}
        assert removed == {first["event"]["ts"], second["event"]["ts"]}  # the workers took 👀 down

        buttons = leave["blocks"][-1]["elements"][0]
        keel.post(
            slack_emulator.payloads.feedback_buttons_action(
                buttons["action_id"], buttons["positive_button"]["value"], ALICE, HELP, leave["ts"]
            )
        )
        keel.settle()
    finally:
        server.close()
        app.keel.close()  # type: ignore[attr-defined]  # the workers flush their logs as they exit
    turns = {t["thread_ts"]: t for t in open_db(slack_env.log_path)["turns"].rows}
    assert set(turns) == {first["event"]["ts"], second["event"]["ts"]}
    turn_id = turns[first["event"]["ts"]]["id"]
    assert buttons["positive_button"]["value"] == f"{turn_id}:up"
    assert turn_votes(open_db(slack_env.log_path), turn_id) == {"up": 1, "down": 0}
