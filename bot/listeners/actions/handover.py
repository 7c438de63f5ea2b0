"""Clicks on hand-over messages: "Mark resolved" (the people the hand-over was sent to, and admins) and
"Yes, ask a person" (the offer made after a 👎). The learning buttons are in ``learning``. Whoever may
not gets a private note saying so, and the refusal is audited; a second click changes nothing."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot.listeners.actions.ask_human import request_person
from bot.listeners.actions.clicked import Click, clicked
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)

EXPERTS_ONLY = "Only the experts asked for this channel (or an admin) can mark it resolved."
ALREADY_RESOLVED = "This question is already resolved."


def handle_mark_resolved(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    row = keel.handovers.get(click.value)
    if row is None:
        log.warning("a Mark resolved click for an unknown hand-over was ignored")
        return
    allowed = keel.handovers.may_answer(click.user, row)
    audit_click(keel, click, "resolve", allowed)
    if not allowed:
        tell(client, click, EXPERTS_ONLY)
    elif not keel.handovers.resolve(click.value, by=click.user, kind="button"):
        tell(client, click, ALREADY_RESOLVED)


def handle_accept_offer(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    ack()
    click = clicked(body, action)
    request_person(keel, click, client, "{user} found the answer unhelpful and asked for a person")


def audit_click(keel: KeelRuntime, click: Click, action: str, allowed: bool, detail: str = "") -> None:
    """Hand-over clicks that need a right are audited like ``/keel`` commands (who, what, allowed)."""
    keel.admin.access.audit(click.user, action, f"hand-over of turn {click.value}", allowed, detail)


def tell(client: WebClient, click: Click, text: str) -> None:
    try:  # an error escaping a listener after ack() makes Bolt answer Slack 404, 3 seconds late
        client.chat_postEphemeral(channel=click.channel, user=click.user, thread_ts=click.thread_ts, text=text)
    except Exception:
        log.warning("could not send a private note", exc_info=True)
