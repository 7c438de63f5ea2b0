"""What the listeners share: the service, the answer workers, the delivery ledger and the known threads.

One :class:`KeelRuntime` per process, built by the composition root (:func:`bot.compose.build_runtime`).
A Bolt middleware puts it in every request's context (bot.listeners), and Bolt hands it to each handler
that takes a ``keel: KeelRuntime`` argument, so handlers stay plain functions with injected arguments.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bot.admins import AdminDesk
from bot.answering import Answering, Asked, ProcessAnswering
from bot.dedupe import EventLedger, delivery_keys
from bot.handover.desk import Handovers
from bot.inflight import InFlight, tell_lost
from bot.mrkdwn import question_text
from bot.pause import hand_over_paused
from bot.reply import post_notice
from bot.service import KeelService, Question
from bot.store.state import StateDB
from bot.threads import KnownThreads
from bot.workers import TrackedExecutor

log = logging.getLogger(__name__)

EMPTY_MENTION = "Hi! Ask me a question in the same message, e.g. `@Keel how do I connect to the VPN?`"


@dataclass
class KeelRuntime:
    service: KeelService
    answering: Answering | ProcessAnswering
    ledger: EventLedger
    threads: KnownThreads
    state: StateDB
    bot_user_id: str
    listeners: TrackedExecutor  # Bolt's listener pool
    handovers: Handovers  # hand-overs to people
    admin: AdminDesk  # admin commands, uploads, the App Home and the pause switch
    in_flight: InFlight  # questions accepted and not answered yet (told after a crash)

    @property
    def queued(self) -> int:
        """Questions accepted and not answered yet."""
        return self.answering.pool.busy

    def settle(self, timeout: float = 30) -> bool:
        """Wait until every delivery received so far is handled and every accepted question answered."""
        deadline = time.monotonic() + timeout
        listeners_idle = self.listeners.wait_idle(timeout)
        admin_idle = self.admin.pool.wait_idle(max(0.0, deadline - time.monotonic()))
        return listeners_idle and admin_idle and self.answering.pool.wait_idle(max(0.0, deadline - time.monotonic()))

    def take(
        self,
        body: dict[str, Any],
        event: dict[str, Any],
        client: WebClient,
        *,
        thread_ts: str,
        in_assistant_thread: bool = False,
    ) -> bool:
        """Accept a message as a question, unless this delivery (or this message) was taken before."""
        channel, ts = event["channel"], event["ts"]
        keys = delivery_keys(body.get("event_id"), channel, ts, event.get("client_msg_id"))
        if not self.ledger.claim(keys):
            log.info("dropped a repeated delivery of %s/%s (event %s)", channel, ts, body.get("event_id"))
            return False
        text = question_text(event.get("text") or "", self.bot_user_id)
        if not text:
            post_notice(client, channel, thread_ts, EMPTY_MENTION)
            return True
        question = Question(text=text, user=event["user"], channel=channel, thread_ts=thread_ts)
        if self.admin.pause.paused:  # the kill switch: people answer instead
            hand_over_paused(self.service, client, question, handovers=self.handovers, question_ts=ts)
            return True
        asked = Asked(question, ts, body.get("team_id") or event.get("team"), in_assistant_thread)
        self.in_flight.started(asked)  # before the work starts: a crash from here on is told after a restart
        answering = self.answering.accept(asked, client)
        self.in_flight.track(
            asked, answering, lambda lost: tell_lost(lost, client, self.service.turn_log, self.threads)
        )
        return True

    def close(self, wait: bool = True) -> None:
        """Finish accepted questions (``wait``), then flush the log and close the state files."""
        self.listeners.shutdown(wait=wait)
        self.admin.close(wait=wait)
        self.answering.close(wait=wait)
        self.handovers.close()
        self.service.close()
        self.state.close()
