"""Questions in flight: taken from Slack and not answered yet, so that a restart can tell their askers.

A process killed while answering (a deploy, an out-of-memory kill, a crash) loses the answer it was
writing, and Slack will not send the question again: the delivery was acked and claimed (bot.dedupe).
Each accepted question is therefore recorded in Keel's Slack state file until its reply is out. When Keel
starts, the questions left behind by a process that is gone are answered with a short "please ask again"
in their thread, their 👀 is taken down, and a turn is logged for each with the reason: never silence.
When only an answer worker process dies, its asker is told the same at once.

Only where the question was asked is kept (channel, thread, message, asker), never its text.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.answering import Asked
from bot.progress import AssistantStatus, Progress, Reaction
from bot.reply import post_notice, replace_draft
from bot.service import TurnLog
from bot.store import slack_state
from bot.store.slack_state import InFlightRow
from bot.store.state import StateDB
from bot.thread_ids import slack_thread_id
from bot.threads import KnownThreads
from graphs.result import unanswered_turn

log = logging.getLogger(__name__)

INTERRUPTED = (
    "Sorry, I was restarted while I was answering this, so my answer was lost. Please ask your question again."
)
INTERRUPTED_REASON = "interrupted: Keel stopped while answering (a restart, or a crashed answer worker)"
_PROCESS = uuid.uuid4().hex  # this process's incarnation: a restarted Keel may get the same pid again


@dataclass(frozen=True)
class Interrupted:
    """A question whose answer was lost, and where to say so."""

    channel: str
    thread_ts: str
    message_ts: str
    user: str
    in_assistant_thread: bool
    draft_ts: str | None = None  # a half-streamed draft the dead process left in the thread

    @classmethod
    def of(cls, asked: Asked, draft_ts: str | None = None) -> Interrupted:
        q = asked.question
        return cls(q.channel, q.thread_ts, asked.message_ts, q.user, asked.in_assistant_thread, draft_ts)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_PROCESS}"


def _is_gone(owner: str) -> bool:
    """True if the process that recorded a question no longer runs (on this host; other hosts tell their own)."""
    host, pid, incarnation = owner.rsplit(":", 2)
    if host != socket.gethostname():
        return False
    if int(pid) == os.getpid():
        return incarnation != _PROCESS
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process now has that pid
        return True
    return False


class InFlight:
    """The ``in_flight`` table of the state file: one row per question accepted and not yet answered."""

    def __init__(self, db: StateDB) -> None:
        self._state = db

    def started(self, asked: Asked) -> None:
        q = asked.question
        row = InFlightRow(q.channel, q.thread_ts, asked.message_ts, q.user, asked.in_assistant_thread, _owner(), None)
        slack_state.note_in_flight(self._state, row, time.time())

    def drafting(self, asked: Asked, draft_ts: str) -> None:
        """The answer is being streamed into ``draft_ts``: if the process dies now, that unchecked draft is
        what a restart replaces with the "please ask again" message."""
        slack_state.note_draft(self._state, asked.question.channel, asked.message_ts, draft_ts)

    def draft_of(self, asked: Asked) -> str | None:
        return slack_state.draft_in_flight(self._state, asked.question.channel, asked.message_ts)

    def finished(self, asked: Asked) -> None:
        slack_state.forget_in_flight(self._state, asked.question.channel, asked.message_ts)

    def track(self, asked: Asked, answering: Future[None], on_lost: Callable[[Interrupted], None]) -> None:
        """Forget the question once its worker is done. A worker that died (the future failed: the reply was
        never posted) calls ``on_lost`` first; a question cancelled at shutdown stays for the next start."""

        def done(future: Future[None]) -> None:
            if future.cancelled():
                return
            if future.exception() is not None:
                log.error("the worker answering in %s died: %r", asked.question.thread_id, future.exception())
                on_lost(Interrupted.of(asked, self.draft_of(asked)))
            self.finished(asked)

        answering.add_done_callback(done)

    def take_interrupted(self) -> list[Interrupted]:
        """Remove and return the questions of processes that are gone (in one transaction, so two Keel
        processes starting together do not both tell the same asker)."""
        rows = slack_state.take_in_flight(self._state, _is_gone)
        return [Interrupted(r.channel, r.thread_ts, r.message_ts, r.user, r.assistant, r.draft_ts) for r in rows]


def tell_interrupted(
    in_flight: InFlight, client: WebClient, turn_log: TurnLog, threads: KnownThreads
) -> list[Interrupted]:
    """At start-up: tell the askers whose answers a gone process lost (see :func:`tell_lost`)."""
    interrupted = in_flight.take_interrupted()
    for q in interrupted:
        tell_lost(q, client, turn_log, threads)
    return interrupted


def tell_lost(q: Interrupted, client: WebClient, turn_log: TurnLog, threads: KnownThreads) -> None:
    """Ask the asker to ask again (in the thread, without a mention, is answered), take the progress sign
    down and log the turn with the reason."""
    log.warning("the answer in %s/%s was lost (restart or crash); telling the asker", q.channel, q.thread_ts)
    try:
        if q.draft_ts:  # the dead process was streaming an unchecked draft: it makes way for the notice
            replace_draft(client, q.channel, q.thread_ts, q.draft_ts, INTERRUPTED)
        else:
            post_notice(client, q.channel, q.thread_ts, INTERRUPTED)
        threads.remember(q.channel, q.thread_ts)
    except Exception:
        log.exception("could not tell the asker in %s/%s to ask again", q.channel, q.thread_ts)
    progress: Progress = (
        AssistantStatus(client, q.channel, q.thread_ts)
        if q.in_assistant_thread
        else Reaction(client, q.channel, q.message_ts)
    )
    progress.shown = True
    progress.stop()
    result = unanswered_turn(INTERRUPTED, INTERRUPTED_REASON, thread_id=slack_thread_id(q.channel, q.thread_ts))
    try:
        turn_log.record_turn(result, channel=q.channel, user=q.user, thread_ts=q.thread_ts)
    except Exception:
        log.exception("could not log the interrupted turn in %s/%s", q.channel, q.thread_ts)
