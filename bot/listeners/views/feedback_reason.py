"""The 👎 reason modal submitted: the reason and comment are stored as the user's vote on the turn."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot import ids
from bot.admin_blocks import REASON_LABELS, submitted_reason

log = logging.getLogger(__name__)
NEED_REASON = "Please pick what was wrong."
NEED_COMMENT = "Please say in a few words what was wrong."
NOTED = "Thanks, noted: {reason}. The team that runs Keel reviews this feedback."


def handle_feedback_reason(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    meta, reason, comment = submitted_reason(view)
    if reason is None:
        ack(response_action="errors", errors={ids.FEEDBACK_REASON_BLOCK: NEED_REASON})
        return
    if reason == "other" and not (comment or "").strip():
        ack(response_action="errors", errors={ids.FEEDBACK_COMMENT_BLOCK: NEED_COMMENT})
        return
    ack()
    user, turn_id = body["user"]["id"], meta.get("turn_id")
    if not turn_id:
        log.warning("a feedback modal without its turn id was ignored")
        return
    context["keel"].service.record_vote(turn_id, user, ids.VOTE_DOWN, reason=reason, comment=comment)
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
