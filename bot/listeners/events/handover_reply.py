"""A reply in a thread with a pending hand-over. A reply by one of the people it was sent to (or an admin)
resumes the paused hand-over graph as the answer; the asker saying it is solved closes it. Anyone else's
reply is conversation: the hand-over stays open (reminders go on), the refusal is audited, and the person
is told once, privately, that their reply did not close it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot.dedupe import delivery_keys
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)

NOT_ASKED = (
    "Thanks for chiming in. This question stays open for the experts asked to answer it (or an admin): "
    "only their reply resolves it and can be saved to the knowledge base."
)


def resolve_from_reply(keel: KeelRuntime, body: dict[str, Any], event: dict[str, Any], client: WebClient) -> bool:
    """True when the reply belongs to a hand-over (handled here), False to treat it as usual."""
    found = keel.handovers.reply_resolution(event)
    if found is None:
        return False
    turn_id, kind = found
    if kind == "conversation":
        return True
    keys = delivery_keys(body.get("event_id"), event["channel"], event["ts"], event.get("client_msg_id"))
    if not keel.ledger.claim(keys):
        return True  # Slack redelivered this reply: it was handled already
    if kind == "bystander":
        _refuse(keel, client, event, turn_id)
        return True
    answer = (event.get("text") or "") if kind == "expert_reply" else ""
    try:
        keel.handovers.resolve(turn_id, by=event["user"], kind=kind, answer=answer)
    except Exception:
        log.exception("could not resolve the hand-over of turn %s", turn_id)
    return True


def _refuse(keel: KeelRuntime, client: WebClient, event: dict[str, Any], turn_id: str) -> None:
    user = event["user"]
    keel.admin.access.audit(
        user, "resolve", f"hand-over of turn {turn_id}", allowed=False, detail="a reply by someone not asked"
    )
    if not keel.ledger.claim([f"handover_note:{turn_id}:{user}"]):
        return  # told once per hand-over is enough
    try:
        client.chat_postEphemeral(channel=event["channel"], user=user, thread_ts=event["thread_ts"], text=NOT_ASKED)
    except Exception:
        log.warning("could not tell %s that their reply did not resolve the hand-over", user, exc_info=True)
