"""From an accepted question to the reply in its thread, on a pool of workers.

A listener acks, claims the delivery and calls ``accept``, which shows progress at once (👀 or the
assistant status) and queues the question; a worker runs the service, streams or posts the reply and
clears the progress sign. Anything that goes wrong on the way still ends in a short message in the
thread (never silent); the details go to the log.

Two kinds of workers, one job (:func:`answer_in_thread`):

- :class:`Answering`: threads in the Slack process (tests; small installs).
- :class:`ProcessAnswering`: worker processes, each with its own graph, log writer and Web API client
  (``keel serve``; bot.compose builds each process's :class:`AnswerWorker`). Answering is CPU-heavy
  Python (guards, retrieval, the graph); in the Slack process it would hold the GIL that the threads
  acking Slack need. In its own processes it cannot, and the questions use every core.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol

from slack_sdk import WebClient

from bot.handover.desk import Handovers
from bot.progress import AssistantStatus, Progress, Reaction
from bot.reply import ReplyStream, post_message, post_notice, replace_draft, reply_message
from bot.service import COULD_NOT_ANSWER, Answer, KeelService, Question
from bot.store.state import StateDB
from bot.threads import KnownThreads
from bot.workers import TrackedExecutor, TrackedProcessPool
from config.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class Asked:
    """A question as it arrived from Slack: the service's :class:`Question` plus how to reply."""

    question: Question
    message_ts: str  # the question's own message (👀 goes there)
    team_id: str | None = None  # the asker's team, which Slack's streaming API wants
    in_assistant_thread: bool = False  # progress as the assistant panel's status instead of 👀


def progress_for(asked: Asked, client: WebClient) -> Progress:
    q = asked.question
    if asked.in_assistant_thread:
        return AssistantStatus(client, q.channel, q.thread_ts)
    return Reaction(client, q.channel, asked.message_ts)


class Answering:
    """Answers on threads of this process."""

    def __init__(
        self,
        service: KeelService,
        threads: KnownThreads,
        workers: int = DEFAULT_WORKERS,
        *,
        handovers: Handovers | None = None,
        drafts: DraftLedger | None = None,
    ) -> None:
        self.service = service
        self.threads = threads
        self.handovers = handovers  # a handed-over turn brings people in (None: it only says so)
        self.drafts = drafts  # where a streamed draft is noted (the runtime's in-flight ledger)
        self.pool = TrackedExecutor(workers, "keel-answer")

    def accept(self, asked: Asked, client: WebClient) -> Future[None]:
        """Show progress now, answer on a worker; returns the worker's future."""
        progress = progress_for(asked, client)
        progress.start()
        return self.pool.submit(
            answer_in_thread, asked, client, self.service, self.threads, progress, self.handovers, self.drafts
        )

    def close(self, wait: bool = True) -> None:
        """Stop taking questions; with ``wait``, finish the ones already accepted."""
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


class ProcessAnswering:
    """Answers in ``workers`` processes, each answering one question at a time. ``start_worker(settings,
    log_level)`` runs once in each new process and builds its :class:`AnswerWorker` (bot.compose)."""

    def __init__(
        self, settings: Settings, workers: int = DEFAULT_WORKERS, *, start_worker: Callable[[Settings, int], None]
    ) -> None:
        self.workers = workers
        self._pool_args = (workers, start_worker, (settings, logging.getLogger().getEffectiveLevel()))
        self.pool = TrackedProcessPool(*self._pool_args)
        self._replacing = threading.Lock()

    def accept(self, asked: Asked, client: WebClient) -> Future[None]:
        progress = progress_for(asked, client)
        progress.start()
        pool = self.pool
        try:
            return pool.submit(_answer_in_worker, asked, progress.shown)
        except BrokenProcessPool:
            self._replace(pool)
            return self.pool.submit(_answer_in_worker, asked, progress.shown)

    def _replace(self, broken: TrackedProcessPool) -> None:
        """A worker died (killed for memory, a crash in native code) and took the pool with it: the questions
        it held failed (their askers are told: bot.inflight); new ones go to fresh workers."""
        with self._replacing:
            if self.pool is broken:
                log.error("an answer worker died; starting new answer workers")
                broken.shutdown(wait=False, cancel_futures=True)
                self.pool = TrackedProcessPool(*self._pool_args)

    def warm_up(self) -> None:
        """Start every worker process now (each loads the models), not on the first questions."""
        futures = [self.pool.submit(os.getpid) for _ in range(self.workers)]
        for future in futures:
            future.result()

    def close(self, wait: bool = True) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=not wait)


def answer_in_thread(
    asked: Asked,
    client: WebClient,
    service: KeelService,
    threads: KnownThreads,
    progress: Progress,
    handovers: Handovers | None = None,
    drafts: DraftLedger | None = None,
) -> None:
    """Run the service and put its answer in the question's thread, streaming if the model streams;
    a turn the graph handed over then brings the channel's experts into the thread. A streamed draft's
    message is noted in ``drafts`` at once, so that a restart can replace it if this process dies."""
    q = asked.question
    stream: ReplyStream | None = None
    noted = False
    try:
        answer: Answer | None = None
        for event in service.stream(q):
            if isinstance(event, Answer):
                answer = event
            else:
                stream = stream or ReplyStream(client, q.channel, q.thread_ts, asked.team_id, q.user)
                stream.append(event.text)
                if drafts is not None and not noted and stream.ts is not None:
                    _note_draft(drafts, asked, stream.ts)
                    noted = True
        assert answer is not None, "the service ends every stream with an Answer"
        posted = stream.finish(answer) if stream is not None else None
        if posted is None:
            posted = post_message(client, q.channel, q.thread_ts, reply_message(answer))
        # A failed turn only apologises (nothing was judged); a graph's hand-over brings people in.
        if answer.result.decision == "handed_over" and not answer.failed and handovers is not None:
            _hand_over(handovers, asked, answer)
        if not answer.failed:
            threads.remember_answer(q.channel, posted, q.thread_ts, answer.turn_id)  # 👍/👎 reactions find it
    except Exception:
        log.exception("could not deliver the answer in %s", q.thread_id)
        told = _apologise(client, q, stream)
        progress.stop()
        if not told:
            progress.fail()
    else:
        progress.stop()
    threads.remember(q.channel, q.thread_ts)


class DraftLedger(Protocol):
    """Where a streamed draft's message is noted (bot.inflight.InFlight)."""

    def drafting(self, asked: Asked, draft_ts: str) -> None: ...


def _note_draft(drafts: DraftLedger, asked: Asked, draft_ts: str) -> None:
    try:
        drafts.drafting(asked, draft_ts)
    except Exception:  # best effort: the answer goes on
        log.warning("could not note the draft of %s", asked.question.thread_id, exc_info=True)


def _hand_over(handovers: Handovers, asked: Asked, answer: Answer) -> None:
    q = asked.question
    try:
        handovers.start_from_answer(
            answer.turn_id,
            answer.result,
            asker=q.user,
            channel=q.channel,
            thread_ts=q.thread_ts,
            question_ts=asked.message_ts,
            question=q.text,
        )
    except Exception:  # the asker already has the hand-over notice; the details go to the log
        log.exception("could not bring a person into %s", q.thread_id)


def _apologise(client: WebClient, q: Question, stream: ReplyStream | None) -> bool:
    """The last resort: tell the asker in the thread (replacing a half-streamed draft if there is one).
    Returns whether the asker was told.

    A draft Slack will not let Keel replace is deleted instead: it was streamed before the output guard
    checked it, so it must not stay in the thread."""
    try:
        if stream is not None and stream.ts is not None:
            replace_draft(client, q.channel, q.thread_ts, stream.ts, COULD_NOT_ANSWER)
        else:
            post_notice(client, q.channel, q.thread_ts, COULD_NOT_ANSWER)
        return True
    except Exception:
        log.exception("could not tell the asker in %s that answering failed", q.thread_id)
        return False


# -- inside a worker process ----------------------------------------------------------------------------
@dataclass
class AnswerWorker:
    """What one answer worker process answers with: its own client, graph, log writer and state file."""

    client: WebClient
    service: KeelService
    threads: KnownThreads
    state: StateDB
    handovers: Handovers | None = None
    drafts: DraftLedger | None = None

    def close(self) -> None:
        """Flush the log first, then close the state file."""
        try:
            self.service.close()
        finally:
            self.state.close()


_worker: AnswerWorker | None = None


def serve_in_this_process(worker: AnswerWorker) -> None:
    """Make ``worker`` the one this process answers with (its initialiser calls this once)."""
    global _worker
    _worker = worker


def _answer_in_worker(asked: Asked, progress_shown: bool) -> None:
    assert _worker is not None, "the worker process was not initialised"
    progress = progress_for(asked, _worker.client)
    progress.shown = progress_shown
    answer_in_thread(
        asked, _worker.client, _worker.service, _worker.threads, progress, _worker.handovers, _worker.drafts
    )
