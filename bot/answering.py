"""From an accepted question to the reply in its thread, on a pool of workers.

A listener acks, claims the delivery and calls :meth:`Answering.accept`, which shows progress at once
(👀 or the assistant status) and queues the question; a worker runs the service, streams or posts
the reply and clears the progress sign. Anything that goes wrong on the way still ends in a short
message in the thread (never silent); the details go to the log.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.progress import AssistantStatus, Progress, Reaction
from bot.reply import ReplyStream, post_message, post_notice, reply_message
from bot.service import COULD_NOT_ANSWER, Answer, KeelService, Question
from bot.threads import KnownThreads
from bot.workers import TrackedExecutor

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class Asked:
    """A question as it arrived from Slack: the service's :class:`Question` plus how to reply."""

    question: Question
    message_ts: str  # the question's own message (👀 goes there)
    team_id: str | None = None  # the asker's team, which Slack's streaming API wants
    in_assistant_thread: bool = False  # progress as the assistant panel's status instead of 👀


class Answering:
    def __init__(self, service: KeelService, threads: KnownThreads, workers: int = DEFAULT_WORKERS) -> None:
        self.service = service
        self.threads = threads
        self.pool = TrackedExecutor(workers, "keel-answer")

    def accept(self, asked: Asked, client: WebClient) -> Future[None]:
        """Show progress now, answer on a worker; returns the worker's future (tests and benchmarks wait on it)."""
        progress = self._progress(asked, client)
        progress.start()
        return self.pool.submit(self._answer, asked, client, progress)

    def close(self, wait: bool = True) -> None:
        """Stop taking questions; with ``wait``, finish the ones already accepted."""
        self.pool.shutdown(wait=wait, cancel_futures=not wait)

    @staticmethod
    def _progress(asked: Asked, client: WebClient) -> Progress:
        q = asked.question
        if asked.in_assistant_thread:
            return AssistantStatus(client, q.channel, q.thread_ts)
        return Reaction(client, q.channel, asked.message_ts)

    def _answer(self, asked: Asked, client: WebClient, progress: Progress) -> None:
        q = asked.question
        stream: ReplyStream | None = None
        try:
            answer: Answer | None = None
            for event in self.service.stream(q):
                if isinstance(event, Answer):
                    answer = event
                else:
                    stream = stream or ReplyStream(client, q.channel, q.thread_ts, asked.team_id, q.user)
                    stream.append(event.text)
            assert answer is not None, "the service ends every stream with an Answer"
            if stream is None or stream.finish(answer) is None:
                post_message(client, q.channel, q.thread_ts, reply_message(answer))
        except Exception:
            log.exception("could not deliver the answer in %s", q.thread_id)
            self._apologise(client, q, stream)
        finally:
            progress.stop()
        self.threads.remember(q.channel, q.thread_ts)

    @staticmethod
    def _apologise(client: WebClient, q: Question, stream: ReplyStream | None) -> None:
        """The last resort: tell the asker in the thread (replacing a half-streamed draft if there is one)."""
        try:
            if stream is not None and stream.ts is not None:
                client.chat_update(channel=q.channel, ts=stream.ts, text=COULD_NOT_ANSWER)
            else:
                post_notice(client, q.channel, q.thread_ts, COULD_NOT_ANSWER)
        except Exception:
            log.exception("could not tell the asker in %s that answering failed", q.thread_id)
