""" "Ask a human" under an answer: recorded as a request for a person, acknowledged in the thread.

Issue 6 replaces the acknowledgement with the real hand-over (tagging the channel's experts).
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.listeners.actions.clicked import clicked
from bot.reply import post_notice

ACKNOWLEDGEMENT = (
    "<@{user}> asked for a person to help with this. I've recorded the request for the team; "
    "a person will follow up here in this thread."
)
ALREADY_ASKED = "A person has already been asked to help in this thread."


def handle_ask_human(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    ack()
    keel = context["keel"]
    click = clicked(body, action)
    turn_id = click.value
    if not keel.ledger.claim([f"ask_human:{turn_id}"]):  # a double click, or a second person clicking
        client.chat_postEphemeral(
            channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=ALREADY_ASKED
        )
        return
    keel.service.request_human(turn_id, click.user, click.channel, click.thread_ts)
    post_notice(client, click.channel, click.thread_ts or "", ACKNOWLEDGEMENT.format(user=click.user))
