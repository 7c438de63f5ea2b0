"""👍/👎 on an answer: stored against its turn (the turn id is in the button's value). A 👎 also opens a
short modal asking why (and offering a person); its submission is handled in ``views/feedback_reason``."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import ids
from bot.admin_blocks import feedback_reason_modal
from bot.blocks import parse_vote
from bot.listeners.actions.clicked import clicked
from bot.opened_views import OpenedViews
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)
THANKS = {"up": "Thanks, glad it helped!", "down": "Thanks for telling us. It helps Keel get better."}


def handle_feedback(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    parsed = parse_vote(click.value)
    if parsed is None:
        log.warning("a feedback click with an unknown value was ignored")
        return
    turn_id, vote = parsed
    keel.service.record_vote(turn_id, click.user, vote)
    if vote == ids.VOTE_DOWN and body.get("trigger_id"):
        try:  # first: the trigger id is valid for 3 seconds only
            opened = client.views_open(
                trigger_id=body["trigger_id"], view=feedback_reason_modal(turn_id, click.channel, click.thread_ts)
            )
            OpenedViews(keel.state).record(opened["view"], click.user)  # only its submission counts
        except Exception:
            log.warning("could not open the feedback modal", exc_info=True)
    try:
        client.chat_postEphemeral(channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=THANKS[vote])
    except Exception:
        log.warning("could not confirm the feedback", exc_info=True)
