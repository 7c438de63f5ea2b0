"""👍/👎 reactions on Keel's answers count as votes (source "reaction"); taking one off withdraws it."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient

from bot import ids
from bot.dedupe import delivery_keys
from bot.runtime import KeelRuntime

log = logging.getLogger(__name__)
THANKS = {
    ids.VOTE_UP: "Thanks for the 👍, glad it helped!",
    ids.VOTE_DOWN: "Thanks for the 👎. It helps Keel get better.",
}


def vote_for(reaction: str) -> str | None:
    """The vote a reaction stands for (skin tones ignored), or None for any other reaction."""
    return ids.VOTE_REACTIONS.get(reaction.split("::")[0])


def handle_reaction(body: dict[str, Any], event: dict[str, Any], keel: KeelRuntime, client: WebClient) -> None:
    vote, item = vote_for(event.get("reaction", "")), event.get("item") or {}
    if vote is None or item.get("type") != "message" or event.get("user") == keel.bot_user_id:
        return
    found = keel.threads.answer_at(item.get("channel", ""), item.get("ts", ""))
    if found is None:  # not one of Keel's answers
        return
    if not keel.ledger.claim(delivery_keys(body.get("event_id"))):
        return
    turn_id, thread_ts = found
    added = event["type"] == "reaction_added"
    keel.service.record_vote(turn_id, event["user"], vote if added else "withdrawn", source="reaction")
    if added:
        try:
            client.chat_postEphemeral(
                channel=item["channel"], user=event["user"], thread_ts=thread_ts, text=THANKS[vote]
            )
        except Exception:
            log.warning("could not confirm the reaction vote", exc_info=True)
