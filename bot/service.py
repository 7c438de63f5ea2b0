"""The bot's core, free of Slack: a question in, a turn result and a turn id out.

The Slack listeners hand a :class:`Question` to :meth:`KeelService.stream`; it picks the channel's
settings from the policy (by channel id), runs the answer graph for the question's thread, writes the
turn to the log and yields the model's tokens as they come, then one :class:`Answer`. It never raises
for a failed turn: a failure becomes a logged turn whose answer says Keel could not answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from bot.learned_scope import searched_collections
from bot.thread_ids import slack_thread_id
from bot.thread_locks import ThreadLocks
from config.settings import Settings
from graphs.agent import Agent, Token
from graphs.checkpoint import open_checkpointer
from graphs.context import build_context, knowledge_base
from graphs.policy import DEFAULT_POLICY, ChannelPolicy, PolicyError, PolicySource, load_policy
from graphs.result import TurnResult, unanswered_turn
from knowledge.base import KnowledgeBase

if TYPE_CHECKING:
    from bot.store.writer import LogWriter

log = logging.getLogger(__name__)
MAX_AGENTS = 256  # answer graphs kept, one per distinct set of searched collections

COULD_NOT_ANSWER = (
    "Sorry, I couldn't answer this because of a technical problem on my side. The problem is logged for "
    "the team that runs me. Please try again in a few minutes, or ask a colleague here if it's urgent."
)
VOTES = {"up": 1, "down": -1, "withdrawn": 0}  # "withdrawn": a 👍/👎 reaction taken off again


@dataclass(frozen=True)
class Question:
    """A question and where it was asked: the answer goes to ``thread_ts`` in ``channel``."""

    text: str
    user: str
    channel: str
    thread_ts: str

    @property
    def thread_id(self) -> str:
        """The graph's thread id: follow-ups in the same Slack thread share its memory."""
        return slack_thread_id(self.channel, self.thread_ts)


@dataclass(frozen=True)
class Answer:
    result: TurnResult
    turn_id: str
    failed: bool = False  # the turn itself failed: ``result.answer`` is the apology
    elapsed_ms: float = 0.0


class Answerer(Protocol):
    """What answers questions; :class:`graphs.agent.Agent` is one."""

    def stream(
        self,
        question: str,
        *,
        thread_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
    ) -> Iterator[Token | TurnResult]: ...


class TurnLog(Protocol):
    """Where turns, votes and requests for a person are written (the SQLite log)."""

    def record_turn(self, result: TurnResult, *, channel: str, user: str, thread_ts: str | None) -> str: ...

    def record_feedback(
        self, turn_id: str, user: str, vote: int, source: str, reason: str | None = None, comment: str | None = None
    ) -> None: ...

    def record_human_request(self, turn_id: str, user: str, channel: str, thread_ts: str | None) -> None: ...

    def close(self) -> None: ...


class KeelService:
    def __init__(
        self,
        answerer_for: Callable[[ChannelPolicy], Answerer],
        turn_log: TurnLog,
        *,
        policy: PolicySource,
        thread_locks: ThreadLocks | None = None,
    ) -> None:
        """``policy`` is where the channel settings come from (the file ``Settings.policy`` names, in
        production), so the Settings passed in decide which policy file is read."""
        self.answerer_for = answerer_for
        self.turn_log = turn_log
        self._policy = policy
        # Two questions in one thread must not run at once: both would read and write its memory.
        # ``from_settings`` makes the locks hold across processes (answer workers, several instances).
        self._thread_locks = thread_locks or ThreadLocks()

    @classmethod
    def from_settings(cls, settings: Settings, **context_overrides: Any) -> KeelService:
        from bot.store.writer import LogWriter

        pool = AgentPool(settings, **context_overrides)
        return cls(
            pool,
            StoreTurnLog(LogWriter(settings.log_path)),
            policy=partial(load_policy, settings.policy),  # an invalid file raises: channels get the defaults
            thread_locks=ThreadLocks(settings.home / "locks"),
        )

    # -- settings ------------------------------------------------------------------------------------
    def channel_policy(self, channel: str | None) -> ChannelPolicy:
        """The channel's settings; a broken policy file falls back to the defaults (and says so in the log)."""
        try:
            return self._policy().for_channel(channel)
        except PolicyError:
            log.exception("the policy file is invalid; using the default channel settings")
            return DEFAULT_POLICY.for_channel(channel)

    def _named_policy(self, channel: str) -> ChannelPolicy:
        """The channel's settings carrying its id (a channel the policy does not list gets the defaults,
        which name no channel): answers learned in a channel are searched there only."""
        policy = self.channel_policy(channel)
        return policy if policy.channel_id == channel else policy.model_copy(update={"channel_id": channel})

    def auto_answers(self, channel: str) -> bool:
        """Top-level messages are answered without a mention only in channels the policy lists."""
        try:
            listed = channel in self._policy().channels
        except PolicyError:
            return False
        return listed and self.channel_policy(channel).auto_answer

    # -- answering -----------------------------------------------------------------------------------
    def stream(self, question: Question) -> Iterator[Token | Answer]:
        """The model's tokens as it writes (none for extractive answers), then the :class:`Answer`."""
        started = time.perf_counter()
        with self._thread_locks.hold(question.thread_id):
            try:
                answerer = self.answerer_for(self._named_policy(question.channel))
                result = None
                for event in answerer.stream(
                    question.text, thread_id=question.thread_id, channel=question.channel, user=question.user
                ):
                    if isinstance(event, TurnResult):
                        result = event
                    else:
                        yield event
                if result is None:
                    raise RuntimeError("the answer graph ended without a result")
                failed = False
            except Exception as exc:
                log.exception("answering failed in %s", question.thread_id)
                result, failed = failed_turn(question, exc), True
        turn_id = self._record(result, question)
        yield Answer(result, turn_id, failed, round((time.perf_counter() - started) * 1000, 1))

    def ask(self, question: Question) -> Answer:
        for event in self.stream(question):
            if isinstance(event, Answer):
                return event
        raise AssertionError("stream() always ends with an Answer")  # pragma: no cover

    def _record(self, result: TurnResult, question: Question) -> str:
        try:
            return self.turn_log.record_turn(
                result, channel=question.channel, user=question.user, thread_ts=question.thread_ts
            )
        except Exception:
            # The asker still gets the answer; its buttons carry an id the log does not know.
            log.exception("could not write the turn to the log")
            from bot.store.turns import new_turn_id

            return new_turn_id()

    # -- clicks --------------------------------------------------------------------------------------
    def record_vote(
        self,
        turn_id: str,
        user: str,
        vote: str,
        source: str = "button",
        reason: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Store a vote; a 👎 may carry the reason and comment from the feedback modal."""
        self.turn_log.record_feedback(turn_id, user, VOTES[vote], source, reason, comment)

    def request_human(self, turn_id: str, user: str, channel: str, thread_ts: str | None) -> None:
        self.turn_log.record_human_request(turn_id, user, channel, thread_ts)

    def warm_up(self) -> None:
        """Load what answering needs (models, stores) now rather than on the first question."""
        warm_up = getattr(self.answerer_for, "warm_up", None)
        if warm_up is not None:
            warm_up()

    def close(self) -> None:
        self.turn_log.close()
        close_answerers = getattr(self.answerer_for, "close", None)
        if close_answerers is not None:
            close_answerers()
        self._thread_locks.close()


def failed_turn(question: Question, error: Exception) -> TurnResult:
    """The turn as logged when answering itself broke: the reason for the log, the apology for the asker."""
    return unanswered_turn(COULD_NOT_ANSWER, f"internal error: {type(error).__name__}", thread_id=question.thread_id)


class AgentPool:
    """One answer graph per distinct set of channel collections, all sharing one knowledge base and one
    thread memory (checkpointer), so per-channel collections cost no extra embedder or Chroma client."""

    def __init__(self, settings: Settings, **context_overrides: Any) -> None:
        self.settings = settings
        self.kb: KnowledgeBase = context_overrides.pop("kb", None) or knowledge_base(settings)
        self.checkpointer = open_checkpointer(settings.checkpoint_path)
        self._overrides = context_overrides
        self._agents: dict[tuple[str, ...], Agent] = {}
        self._lock = threading.Lock()
        self._index_seen: object = None
        self._collections_seen: list[str] = []

    def __call__(self, channel: ChannelPolicy) -> Agent:
        # Answers learned in a hand-over are searched in their own channel only (and in every channel once
        # an admin widened them): bot.learned_scope.searched_collections.
        configured = channel.collections if channel.collections is not None else self._overrides.get("collections")
        stored = self._stored_collections() if configured is None else []
        key = tuple(searched_collections(configured, channel.channel_id, stored))
        with self._lock:
            agent = self._agents.get(key)
            if agent is None:
                context = build_context(self.settings, kb=self.kb, **{**self._overrides, "collections": list(key)})
                agent = self._agents[key] = Agent(context, self.checkpointer)
                while len(self._agents) > MAX_AGENTS:  # the oldest scope first; its graph is rebuilt if needed
                    self._agents.pop(next(iter(self._agents)))
        return agent

    def _stored_collections(self) -> list[str]:
        """Every collection in the knowledge base (from the keyword index, kept in sync with the store).
        If it cannot be read, none: the channel then searches only its own learned answers, and the
        search itself reports the unreachable store as usual."""
        try:
            index = self.kb.retriever.keyword_index()
        except Exception:
            log.warning("the knowledge base's collections could not be read", exc_info=True)
            return []
        with self._lock:
            if index is not self._index_seen:
                self._index_seen, self._collections_seen = index, sorted(set(index.collections.tolist()))
            return self._collections_seen

    def close(self) -> None:
        """Close the thread memory's SQLite connection (the knowledge base closes with the process)."""
        self.checkpointer.conn.close()

    def warm_up(self) -> None:
        """Load the embedder, the stores and the default graph now, not on the first question."""
        self(DEFAULT_POLICY.for_channel(None))
        try:
            self.kb.search("warm up", k=1)
        except Exception:  # an empty or unreachable knowledge base is reported per question instead
            log.warning("the knowledge base could not be searched at start-up", exc_info=True)


class StoreTurnLog:
    """:class:`TurnLog` over the store's background :class:`~bot.store.writer.LogWriter`: every call
    returns at once, so a Slack handler never waits on SQLite."""

    def __init__(self, writer: LogWriter) -> None:
        self.writer = writer

    def record_turn(self, result: TurnResult, *, channel: str, user: str, thread_ts: str | None) -> str:
        return self.writer.record_turn(result, channel=channel, user=user, thread_ts=thread_ts)

    def record_feedback(
        self, turn_id: str, user: str, vote: int, source: str, reason: str | None = None, comment: str | None = None
    ) -> None:
        from bot.store.feedback import record_feedback

        self.writer.submit(record_feedback, turn_id, user, vote, source=source, reason=reason, comment=comment)

    def record_human_request(self, turn_id: str, user: str, channel: str, thread_ts: str | None) -> None:
        self.writer.submit(_open_requested_handover, turn_id, user, channel, thread_ts)

    def close(self) -> None:
        self.writer.close()


def _open_requested_handover(db: Any, turn_id: str, user: str, channel: str, thread_ts: str | None) -> int:
    """A pending hand-over for a turn whose asker clicked "Ask a human" (issue 6 takes it from here)."""
    from bot.store.handovers import open_handover
    from bot.store.turns import turn_row

    turn = turn_row(db, turn_id) or {"question": "", "thread_id": slack_thread_id(channel, thread_ts)}
    return open_handover(
        db,
        turn_id=turn_id,
        thread_id=turn["thread_id"],
        channel=channel,
        thread_ts=thread_ts,
        question=turn["question"],
        reason=f"{user} asked for a person",
    )
