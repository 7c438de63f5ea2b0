"""Slack failing the calls around an answer: the 👎 reason modal (``views.open``), the private thanks for a
vote (``chat.postEphemeral``) and the assistant panel's status line (``assistant.threads.setStatus``).
A rate limit (429 + Retry-After) or a server error (503) is retried by slack_sdk and changes nothing for
the user; a refusal (``ok: false``) costs only that one courtesy: the vote is stored, the answer is posted.
End to end: the real Bolt app and slack_sdk client against the Slack emulator.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot import ids
from bot.blocks import WORKING_STATUS
from bot.store.db import open_db
from bot.store.feedback import turn_votes
from config.settings import get_settings
from tests.bot.conftest import ALICE, BOB, HELP, Running
from tests.bot.listeners.actions.test_feedback import answered, click_feedback
from tests.slack_emulator.events import dm_channel

FAULTS = [
    pytest.param({"status": 429, "retry_after": 1}, id="429-retry-after"),
    pytest.param({"status": 503}, id="503"),
]


def thumbs_down(keel: Running) -> dict:
    """Bob clicks 👎 under an answer; returns the turn as logged."""
    reply, thread = answered(keel)
    delivery = click_feedback(keel, reply, thread, BOB, "down")
    assert delivery.status == 200
    (turn,) = keel.turns()
    return turn


def votes(turn: dict) -> dict[str, int]:
    return turn_votes(open_db(get_settings().log_path), turn["id"])


@pytest.mark.parametrize("fault", [*FAULTS, pytest.param({"error": "expired_trigger_id"}, id="ok-false")])
def test_the_reason_modal_opens_after_a_hiccup_and_a_refusal_loses_only_the_modal(keel: Running, fault: dict) -> None:
    keel.emulator.fail_next("views.open", **fault)
    turn = thumbs_down(keel)
    assert votes(turn) == {"up": 0, "down": 1}  # the vote itself never depends on the modal
    opened = [c for c in keel.emulator.calls("views.open") if c.ok]
    if "error" in fault:
        assert opened == [] and keel.emulator.views() == []
    else:
        (view,) = keel.emulator.views()
        assert len(opened) == 1 and view["callback_id"] == ids.FEEDBACK_REASON_VIEW
    (thanks,) = keel.emulator.ephemerals(HELP, BOB)  # the thanks comes either way
    assert thanks["text"].startswith("Thanks")


@pytest.mark.parametrize("fault", [*FAULTS, pytest.param({"error": "user_not_in_channel"}, id="ok-false")])
def test_a_vote_is_stored_whatever_happens_to_its_thanks(keel: Running, fault: dict) -> None:
    keel.emulator.fail_next("chat.postEphemeral", **fault)
    turn = thumbs_down(keel)
    assert votes(turn) == {"up": 0, "down": 1}
    assert len(keel.emulator.ephemerals(HELP, BOB)) == (0 if "error" in fault else 1)
    assert len(keel.emulator.views()) == 1  # the modal still opened


@pytest.mark.parametrize("fault", [*FAULTS, pytest.param({"error": "invalid_thread"}, id="ok-false")])
def test_a_failing_panel_status_never_costs_the_answer(keel: Running, fault: dict) -> None:
    started = keel.emulator.payloads.assistant_thread_started(ALICE)
    thread_ts = started["event"]["assistant_thread"]["thread_ts"]
    keel.post(started)
    keel.settle()
    keel.emulator.fail_next("assistant.threads.setStatus", **fault)
    keel.post(keel.emulator.payloads.event_message_im("How long is parental leave?", ALICE, thread_ts=thread_ts))

    greeting, answer = keel.replies(dm_channel(ALICE), thread_ts)
    assert "20 weeks" in answer["text"]
    statuses = keel.emulator.assistant_thread(dm_channel(ALICE), thread_ts)["statuses"]
    # Retried: the status showed and was cleared. Refused: it never showed; the clearing still went out.
    assert statuses == ([""] if "error" in fault else [WORKING_STATUS, ""])


def test_a_refused_already_asked_note_still_acks_the_click_at_once(keel: Running) -> None:
    # The note goes to whoever clicks "Ask a human" a second time. When Slack refused it, the error
    # escaped the listener after its ack() and Bolt answered the click 404, three seconds late.
    reply, thread = answered(keel)
    button = next(e for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"])
    assert button["action_id"] == ids.ASK_HUMAN

    def click() -> dict[str, Any]:  # each click its own request (trigger_id, action_ts), as Slack sends it
        return keel.emulator.payloads.block_action(ids.ASK_HUMAN, button["value"], ALICE, HELP, reply["ts"], thread)

    keel.post(click())
    keel.settle()
    keel.emulator.fail_next("chat.postEphemeral", error="user_not_in_channel")
    sent = time.monotonic()
    second = keel.post(click())
    assert second.status == 200 and time.monotonic() - sent < 1.0
    keel.settle()
    assert len(keel.emulator.calls("chat.postEphemeral")) == 1  # refused, and not retried
