""" "Ask a human" under an answer: the channel's experts are brought into the thread (a hand-over).

Once per answer: a double click, or a second person clicking, gets a private "already asked".
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.listeners.actions.clicked import Click, clicked
from bot.reply import post_notice
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)

ALREADY_ASKED = "A person has already been asked to help in this thread."
COULD_NOT_ASK = "Sorry, I couldn't reach the team because of a problem on my side. Please mention a colleague here."


def handle_ask_human(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    request_person(keel, clicked(body, action), client, "{user} asked for a person")


def request_person(keel: KeelRuntime, click: Click, client: WebClient, reason: str) -> None:
    """Start a hand-over for the clicked answer's turn (the turn id is the button's value)."""
    turn_id = click.value
    if not keel.ledger.claim([f"ask_human:{turn_id}"]):  # a double click, or a second person clicking
        try:  # an error escaping a listener after ack() makes Bolt answer Slack 404, 3 seconds late
            client.chat_postEphemeral(
                channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=ALREADY_ASKED
            )
        except Exception:
            log.warning("could not tell %s that a person was asked already", click.user, exc_info=True)
        return
    try:
        keel.handovers.start_for_turn(
            turn_id,
            requested_by=click.user,
            channel=click.channel,
            thread_ts=click.thread_ts or "",
            reason=reason.format(user=f"<@{click.user}>"),
        )
    except Exception:
        log.exception("could not hand turn %s over", turn_id)
        post_notice(client, click.channel, click.thread_ts or "", COULD_NOT_ASK)
