"""The 👎 reason modal submitted: the reason and comment are stored as the user's vote on the turn. Only
a modal Keel opened for this person counts (bot.opened_views); any other submission stores nothing, is
audited and gets "please click 👎 again" in the modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient

from bot import ids
from bot.admin_blocks import REASON_LABELS, submitted_reason
from bot.opened_views import OpenedViews
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)
NEED_REASON = "Please pick what was wrong."
NEED_COMMENT = "Please say in a few words what was wrong."
NOTED = "Thanks, noted: {reason}. The team that runs Keel reviews this feedback."
NOT_OPENED = "This form has expired. Please close it and click 👎 under the answer again."


def handle_feedback_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    meta, reason, comment = submitted_reason(view)
    if reason is None:
        ack(response_action="errors", errors={ids.FEEDBACK_REASON_BLOCK: NEED_REASON})
        return
    if reason == "other" and not (comment or "").strip():
        ack(response_action="errors", errors={ids.FEEDBACK_COMMENT_BLOCK: NEED_COMMENT})
        return
    user = body["user"]["id"]
    if not OpenedViews(keel.state).take(view, user):
        ack(response_action="errors", errors={ids.FEEDBACK_REASON_BLOCK: NOT_OPENED})
        log.warning("a feedback modal Keel did not open (or not for this person) was refused")
        keel.admin.access.audit(user, "feedback reason", f"view {view.get('id')}", False, "a modal Keel did not open")
        return
    ack()
    turn_id = meta.get("turn_id")
    if not turn_id:
        log.warning("a feedback modal without its turn id was ignored")
        return
    keel.service.record_vote(turn_id, user, ids.VOTE_DOWN, reason=reason, comment=comment)
    if meta.get("channel"):
        try:
            client.chat_postEphemeral(
                channel=meta["channel"],
                user=user,
                thread_ts=meta.get("thread_ts"),
                text=NOTED.format(reason=REASON_LABELS[reason].lower()),
            )
        except Exception:
            log.warning("could not confirm the feedback reason", exc_info=True)
