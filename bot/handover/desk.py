"""Hand-overs in Slack: start one for a turn, resolve it from a reply or a click, and who may do what.

:class:`Handovers` joins the store's ``handovers`` row (what a person can list and report on) and the
hand-over graph (``graphs.handover.HandoverDesk``, paused at ``interrupt()`` on the persistent
checkpointer). Both are keyed by the turn id; both are safe to call twice: a second start or a second
resolution does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.handover.authority import AdminCheck, HandoverAuthority
from bot.handover.notifier import SlackNotifier
from bot.handover.phrases import says_solved
from bot.store.db import iso, open_db, utc_now
from bot.store.handovers import (
    handover_askers_in_thread,
    handover_for_turn,
    open_handover,
    pending_handover_for_thread,
)
from bot.store.turns import retrieved_sources, turn_row
from bot.thread_ids import slack_thread_id
from config.settings import Settings
from graphs.checkpoint import open_checkpointer
from graphs.handover import HandoverDesk, HandoverState, Resolution
from graphs.policy import ChannelPolicy
from graphs.result import TurnResult

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
# Hand-over rows are written directly (their id and announcement must exist before the experts are told),
# so a lock another process holds for a while (a prune, a migration, a SQLite tool left in a transaction)
# is waited out for up to 30 s, as the checkpointer does, rather than losing a hand-over the asker was
# already promised. These writes run on answer workers and after the ack, never on Slack's ack path.
HANDOVER_BUSY_TIMEOUT_MS = 30_000


class Handovers:
    """Everything a hand-over needs in one process (the Slack process, or an answer worker)."""

    def __init__(
        self,
        settings: Settings,
        client: WebClient,
        channel_policy: Callable[[str | None], ChannelPolicy],
        *,
        clock: Clock = utc_now,
        bot_user_id: str | None = None,
        knowledge: Any = None,
        checkpointer: Any = None,
        is_admin: AdminCheck | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.channel_policy = channel_policy
        self.clock = clock
        self.bot_user_id = bot_user_id
        self.knowledge = knowledge  # a bot.handover.learning.Learning, set by whoever can ingest
        self.authority = HandoverAuthority(client, channel_policy, is_admin)
        self.notifier = SlackNotifier(client, self.db, channel_policy)
        # Share the answer graph's checkpointer when there is one (one SQLite connection per process).
        self._own_checkpointer = checkpointer is None
        self.checkpointer = checkpointer or open_checkpointer(settings.checkpoint_path)
        self.desk = HandoverDesk(self.checkpointer, self.notifier)

    def close(self) -> None:
        if self._own_checkpointer:
            self.checkpointer.conn.close()

    @contextmanager
    def db(self) -> Iterator[Any]:
        """A connection per use: listeners run on many threads and sqlite3 connections do not travel."""
        db = open_db(self.settings.log_path, busy_timeout_ms=HANDOVER_BUSY_TIMEOUT_MS)
        try:
            yield db
        finally:
            db.close()

    # -- starting ------------------------------------------------------------------------------------
    def start(
        self,
        *,
        turn_id: str,
        channel: str,
        thread_ts: str,
        asker: str,
        question: str,
        reason: str,
        question_ts: str | None = None,
        draft: str = "",
        sources: list[dict[str, Any]] | None = None,
        thread_id: str | None = None,
    ) -> bool:
        """Record the hand-over and announce it in the thread; False if this turn was handed over before."""
        thread_id = thread_id or slack_thread_id(channel, thread_ts)
        experts = self.channel_policy(channel).experts
        with self.db() as db:
            open_handover(
                db,
                turn_id=turn_id,
                thread_id=thread_id,
                channel=channel,
                thread_ts=thread_ts,
                question=question,
                reason=reason,
                experts=experts,
                created_at=self.clock(),
                asker=asker,
                question_ts=question_ts or thread_ts,
            )
        state = HandoverState(
            turn_id=turn_id,
            thread_id=thread_id,
            channel=channel,
            thread_ts=thread_ts,
            asker=asker,
            question=question,
            reason=reason,
            draft=draft,
            sources=list(sources or []),
            question_ts=question_ts or thread_ts,
            experts=experts,
        )
        return self.desk.start(state)

    def start_from_answer(
        self,
        turn_id: str,
        result: TurnResult,
        *,
        asker: str,
        channel: str,
        thread_ts: str,
        question_ts: str,
        question: str,
    ) -> bool:
        """The answer graph decided ``handed_over``: bring the channel's experts in."""
        return self.start(
            turn_id=turn_id,
            channel=channel,
            thread_ts=thread_ts,
            asker=asker,
            question=result.question or question,
            reason="; ".join(result.reasons) or "Keel should not answer this alone",
            question_ts=question_ts,
            draft=result.draft,
            sources=[{"source": r.get("source", "")} for r in result.retrieved],
            thread_id=result.thread_id or None,
        )

    def start_for_turn(self, turn_id: str, *, requested_by: str, channel: str, thread_ts: str, reason: str) -> bool:
        """ "Ask a human" (or accepting the offer after a 👎) on an answered turn."""
        with self.db() as db:
            turn = turn_row(db, turn_id) or {}
            sources = [{"source": source} for source in retrieved_sources(db, turn_id)]
        return self.start(
            turn_id=turn_id,
            channel=channel,
            thread_ts=thread_ts,
            asker=turn.get("user") or requested_by,
            question=turn.get("question") or "",
            reason=reason,
            draft=turn.get("answer") or "",
            sources=sources,
            thread_id=turn.get("thread_id"),
        )

    # -- resolving -----------------------------------------------------------------------------------
    def resolve(self, turn_id: str, *, by: str, kind: str, answer: str = "") -> bool:
        """Resume the paused hand-over with a person's resolution; False if it was not pending."""
        resolution = Resolution(by=by, kind=kind, answer=answer, at=iso(self.clock()))
        return self.desk.resolve(turn_id, resolution)

    def pending_in_thread(self, channel: str, thread_ts: str) -> dict[str, Any] | None:
        with self.db() as db:
            return pending_handover_for_thread(db, slack_thread_id(channel, thread_ts))

    def reply_resolution(self, event: dict[str, Any]) -> tuple[str, str] | None:
        """(turn id, kind) for a reply in a thread with a hand-over, else None (treat it as usual).

        Kinds: ``expert_reply`` (one of the people the hand-over was sent to, or an admin: resolves it),
        ``asker_solved`` (the asker says it is solved: resolves it), ``bystander`` (anyone else: the
        hand-over stays open), ``conversation`` (people talking once the hand-over is resolved). The
        asker's other replies add detail for the experts and never resolve (None: as any reply)."""
        user, text = event.get("user") or "", event.get("text") or ""
        pending = self.pending_in_thread(event["channel"], event["thread_ts"])
        if pending is None:
            return (
                None if self._asker_or_no_handover(event["channel"], event["thread_ts"], user) else ("", "conversation")
            )
        if user == pending.get("asker"):
            return (pending["turn_id"], "asker_solved") if says_solved(text) else None
        if self.authority.may_answer(user, pending):
            return pending["turn_id"], "expert_reply"
        return pending["turn_id"], "bystander"

    def _asker_or_no_handover(self, channel: str, thread_ts: str, user: str) -> bool:
        """Once people were brought into a thread, their talk there is not a question for Keel."""
        with self.db() as db:
            askers = handover_askers_in_thread(db, slack_thread_id(channel, thread_ts))
        return not askers or user in askers

    # -- who may do what (bot.handover.authority) ----------------------------------------------------
    def is_admin(self, user: str) -> bool:
        return self.authority.is_admin(user)

    def may_answer(self, user: str, handover: dict[str, Any]) -> bool:
        """One of the people the hand-over was sent to (directly or through a user group), or an admin."""
        return self.authority.may_answer(user, handover)

    def get(self, turn_id: str) -> dict[str, Any] | None:
        with self.db() as db:
            return handover_for_turn(db, turn_id)
