"""A reply in a thread with a pending hand-over: an expert's answer (or the asker saying it is solved)
resumes the paused hand-over graph instead of being treated as a question."""

from __future__ import annotations

import logging
from typing import Any

from bot.dedupe import delivery_keys

log = logging.getLogger(__name__)


def resolve_from_reply(keel: Any, body: dict[str, Any], event: dict[str, Any]) -> bool:
    """True when the reply was a hand-over's resolution (handled here), False to treat it as usual."""
    if keel.handovers is None:
        return False
    found = keel.handovers.reply_resolution(event)
    if found is None:
        return False
    turn_id, kind = found
    if kind == "conversation":
        return True
    keys = delivery_keys(body.get("event_id"), event["channel"], event["ts"], event.get("client_msg_id"))
    if not keel.ledger.claim(keys):
        return True  # Slack redelivered this reply: it resolved (or is resolving) the hand-over already
    answer = (event.get("text") or "") if kind == "expert_reply" else ""
    try:
        keel.handovers.resolve(turn_id, by=event["user"], kind=kind, answer=answer)
    except Exception:
        log.exception("could not resolve the hand-over of turn %s", turn_id)
    return True
