"""The hand-over graph's notifier in Slack: idempotent posts, because a crash between a post and the
graph's checkpoint re-runs the node. What was posted is kept in the hand-over's row (its ts), and a
re-run that finds it posts nothing."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.handover import blocks
from bot.reply import post_message
from bot.store.handovers import handover_for_turn, note_slack_posts, resolve_handover
from graphs.handover import HandoverState, Resolution
from graphs.policy import ChannelPolicy

log = logging.getLogger(__name__)

OpenDb = Callable[[], AbstractContextManager[Any]]


class SlackNotifier:
    def __init__(self, client: WebClient, open_db: OpenDb, channel_policy: Callable[[str | None], ChannelPolicy]):
        self.client = client
        self.open_db = open_db
        self.channel_policy = channel_policy

    # -- announce ------------------------------------------------------------------------------------
    def announce(self, handover: HandoverState) -> None:
        with self.open_db() as db:
            row = handover_for_turn(db, handover["turn_id"]) or {}
        if row.get("announcement_ts"):
            return  # announced before a crash: do not post twice
        policy = self.channel_policy(handover["channel"])
        experts = handover.get("experts") or policy.experts
        message = blocks.announcement_message(dict(handover), experts, policy.handover.reminder_minutes)
        ts = post_message(self.client, handover["channel"], handover["thread_ts"], message)
        self._update_row(handover["turn_id"], announcement_ts=ts)
        self._react(handover["channel"], handover.get("question_ts") or handover["thread_ts"], ids.HANDOVER_REACTION)
        if policy.escalation_channel and not row.get("mirror_ts"):
            self._mirror(handover, policy.escalation_channel)

    def _mirror(self, handover: HandoverState, escalation_channel: str) -> None:
        try:
            permalink = self.client.chat_getPermalink(
                channel=handover["channel"], message_ts=handover.get("question_ts") or handover["thread_ts"]
            )["permalink"]
            text = blocks.mirror_text(handover["channel"], str(permalink), handover.get("reason") or "")
            response = self.client.chat_postMessage(channel=escalation_channel, text=text, unfurl_links=False)
            self._update_row(handover["turn_id"], mirror_ts=str(response["ts"]))
        except Exception:  # the thread already has the hand-over; the mirror is a convenience
            log.warning("could not mirror the hand-over to %s", escalation_channel, exc_info=True)

    # -- resolved ------------------------------------------------------------------------------------
    def resolved(self, handover: HandoverState, resolution: Resolution) -> None:
        with self.open_db() as db:
            row = handover_for_turn(db, handover["turn_id"])
            if row is None:
                return
            at = datetime.fromisoformat(resolution["at"])
            changed = resolve_handover(
                db, row["id"], resolved_by=resolution["by"], answer=resolution["answer"], at=at, kind=resolution["kind"]
            )
            if not changed:
                return  # resolved before (another process, or a crash after this point): nothing to repeat
            row = handover_for_turn(db, handover["turn_id"]) or row
        question_ts = handover.get("question_ts") or handover["thread_ts"]
        self._react(handover["channel"], question_ts, ids.RESOLVED_REACTION)
        self._unreact(handover["channel"], question_ts, ids.HANDOVER_REACTION)
        self._close_announcement(handover, row, resolution)
        message = blocks.resolution_message(row, resolution["by"], resolution["kind"])
        ts = post_message(self.client, handover["channel"], handover["thread_ts"], message)
        self._update_row(handover["turn_id"], resolution_ts=ts)

    def _close_announcement(self, handover: HandoverState, row: dict[str, Any], resolution: Resolution) -> None:
        """The announcement loses its "Mark resolved" button and says who resolved it."""
        if not row.get("announcement_ts"):
            return
        policy = self.channel_policy(handover["channel"])
        line = blocks.resolved_line(resolution["by"], resolution["kind"])
        message = blocks.announcement_message(
            dict(handover),
            handover.get("experts") or policy.experts,
            policy.handover.reminder_minutes,
            resolved_line=line,
        )
        try:
            self.client.chat_update(channel=handover["channel"], ts=row["announcement_ts"], **message.as_kwargs())
        except SlackApiError:
            log.warning("could not mark the hand-over message resolved", exc_info=True)

    # -- helpers -------------------------------------------------------------------------------------
    def _update_row(self, turn_id: str, **posts: str) -> None:
        with self.open_db() as db:
            note_slack_posts(db, turn_id, **posts)

    def _react(self, channel: str, ts: str, name: str) -> None:
        try:
            self.client.reactions_add(channel=channel, timestamp=ts, name=name)
        except SlackApiError as exc:
            if exc.response.get("error") != "already_reacted":
                log.warning("could not add :%s: (%s)", name, exc.response.get("error"))

    def _unreact(self, channel: str, ts: str, name: str) -> None:
        with contextlib.suppress(SlackApiError):  # not there (any more): nothing to remove
            self.client.reactions_remove(channel=channel, timestamp=ts, name=name)
