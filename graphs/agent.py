"""Running the answer graph: one compiled graph on a persistent checkpointer, one call per question.

The checkpointer (SQLite under ``KEEL_HOME``) keys thread memory by thread id, so a follow-up is
understood in the same thread even after a restart. Any failure inside a turn still produces a result:
the asker is told that Keel could not answer and the question is handed over (never silent).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver

from config.settings import Settings, get_settings
from graphs.checkpoint import open_checkpointer
from graphs.context import KeelContext, build_context
from graphs.graph import build_graph
from graphs.result import TurnResult, unanswered_turn
from graphs.state import InputState
from graphs.thread import Turn
from knowledge.store import StoreUnavailable

log = logging.getLogger(__name__)

FAILURE_TEXT = "Sorry, I couldn't answer this time ({why}). I'm handing your question to a person."
TECHNICAL_PROBLEM = "a technical problem on my side"


@dataclass(frozen=True)
class Token:
    """A piece of the answer as the model writes it (for streaming to Slack or a terminal)."""

    text: str


class Agent:
    """Answers questions with the compiled graph; remembers threads across processes."""

    def __init__(self, context: KeelContext, checkpointer: SqliteSaver) -> None:
        self.context = context
        self.checkpointer = checkpointer
        self.graph = build_graph().compile(checkpointer=checkpointer)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Agent:
        settings = settings or get_settings()
        return cls(build_context(settings, **overrides), open_checkpointer(settings.checkpoint_path))

    def close(self) -> None:
        """Close the thread memory's database (every turn is already committed to it)."""
        self.checkpointer.conn.close()

    def ask(
        self,
        question: str,
        *,
        thread_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
    ) -> TurnResult:
        for event in self.stream(question, thread_id=thread_id, channel=channel, user=user):
            if isinstance(event, TurnResult):
                return event
        raise AssertionError("the graph ended without a result")  # pragma: no cover

    def stream(
        self,
        question: str,
        *,
        thread_id: str | None = None,
        channel: str | None = None,
        user: str | None = None,
    ) -> Iterator[Token | TurnResult]:
        """Yield the answer's tokens as a model writes them, then the turn's :class:`TurnResult`."""
        thread_id = thread_id or f"local:{uuid.uuid4()}"
        config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
        payload: InputState = {"question": question}
        if channel:
            payload["channel"] = channel
        if user:
            payload["user"] = user
        final: dict[str, Any] = {}
        try:
            # durability="exit": the thread's memory is written once, when the turn ends, not after every
            # node (half the graph's own cost; benchmarks/overhead.py). A turn cut short by a crash leaves
            # no half-written memory; the asker is told by the restart recovery instead.
            events = self.graph.stream(
                payload, config, context=self.context, stream_mode=["messages", "values"], durability="exit"
            )
            # Given a list of stream modes, LangGraph yields (mode, data) pairs; its annotation cannot say so.
            for mode, data in cast(Iterator[tuple[str, Any]], events):
                if mode == "messages":
                    chunk, meta = data
                    if meta.get("langgraph_node") == "draft" and isinstance(chunk.content, str) and chunk.content:
                        yield Token(chunk.content)
                elif mode == "values":
                    final = data
        except StoreUnavailable:
            log.exception("knowledge store unavailable during a turn")
            yield failure_result("the knowledge base is unreachable", thread_id)
            return
        except Exception as exc:
            log.exception("turn failed")
            # The log keeps the error's type; the asker is not shown internals (an exception's name).
            yield failure_result(f"internal error: {type(exc).__name__}", thread_id, told=TECHNICAL_PROBLEM)
            return
        result = final.get("result")
        if not isinstance(result, TurnResult):
            raise AssertionError("the graph ended without a result")  # pragma: no cover
        yield replace(result, thread_id=thread_id)

    def history(self, thread_id: str) -> list[Turn]:
        snapshot = self.graph.get_state({"configurable": {"thread_id": thread_id}})
        return list(snapshot.values.get("history", []))


def failure_result(why: str, thread_id: str, told: str | None = None) -> TurnResult:
    """What the asker gets when the turn itself failed: a plain message (saying ``told``, by default ``why``)
    and a hand-over; the log keeps ``why``."""
    return unanswered_turn(FAILURE_TEXT.format(why=told or why), why, thread_id=thread_id)
