"""The hand-over graph: bring a person into the thread, pause until someone resolves it, then close it.

    announce → await_resolution (interrupt) → close

Each hand-over is its own LangGraph thread (``handover:{turn_id}``) on the same persistent
checkpointer as the answer graph, so a pending hand-over survives restarts and the asker's thread stays
free for new questions. ``await_resolution`` pauses with ``interrupt()``; an expert's reply, a "Mark
resolved" click or the asker saying it is solved resumes it with ``Command(resume=...)``. On resume a
node runs again from its start, so the side effects (posting to Slack) live in ``announce`` and
``close``, never in the node that interrupts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, NotRequired, Protocol, TypedDict, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt


class Resolution(TypedDict):
    by: str  # who resolved it (a Slack user id)
    kind: str  # expert_reply | button | asker_solved
    answer: str  # the human answer ("" when the asker just said it is solved)
    at: str  # ISO timestamp


class HandoverState(TypedDict):
    turn_id: str
    thread_id: str  # the answer graph's thread this hand-over belongs to
    channel: str
    thread_ts: str
    asker: str
    question: str  # redacted
    reason: str
    draft: NotRequired[str]  # the unverified draft answer, if there was one
    sources: NotRequired[list[dict[str, Any]]]
    question_ts: NotRequired[str]  # the question's own message (🆘 and ✅ go there)
    experts: NotRequired[list[str]]  # who was asked (user or user-group ids)
    status: NotRequired[str]  # pending | resolved
    resolution: NotRequired[Resolution]


class HandoverNotifier(Protocol):
    """Whoever tells people: the Slack bot in production, a recorder in tests. Both calls must be
    idempotent (a crash between the call and the checkpoint repeats them)."""

    def announce(self, handover: HandoverState) -> None: ...

    def resolved(self, handover: HandoverState, resolution: Resolution) -> None: ...


@dataclass
class HandoverContext:
    notifier: HandoverNotifier


def announce(state: HandoverState, runtime: Runtime[HandoverContext]) -> dict[str, Any]:
    runtime.context.notifier.announce(state)
    return {"status": "pending"}


def await_resolution(state: HandoverState) -> dict[str, Any]:
    resolution: Resolution = interrupt({"turn_id": state["turn_id"], "waiting_for": "a person"})
    return {"resolution": resolution}


def close(state: HandoverState, runtime: Runtime[HandoverContext]) -> dict[str, Any]:
    runtime.context.notifier.resolved(state, state["resolution"])
    return {"status": "resolved"}


def build_handover_graph() -> StateGraph[HandoverState, HandoverContext, HandoverState, HandoverState]:
    builder = StateGraph(HandoverState, context_schema=HandoverContext)
    builder.add_node("announce", announce)
    builder.add_node("await_resolution", await_resolution)
    builder.add_node("close", close)
    builder.add_edge(START, "announce")
    builder.add_edge("announce", "await_resolution")
    builder.add_edge("await_resolution", "close")
    builder.add_edge("close", END)
    return builder


class HandoverDesk:
    """Starts, lists and resolves hand-overs; resolving twice is a no-op that returns False."""

    def __init__(self, checkpointer: BaseCheckpointSaver[Any], notifier: HandoverNotifier) -> None:
        self.graph = build_handover_graph().compile(checkpointer=checkpointer)
        self.context = HandoverContext(notifier=notifier)
        self._lock = threading.Lock()  # two replies at once must not both resume

    @staticmethod
    def _config(turn_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": f"handover:{turn_id}"}}

    def start(self, handover: HandoverState) -> bool:
        """Announce and pause. Starting one that already exists does nothing and returns False."""
        with self._lock:
            if self.status(handover["turn_id"]) is not None:
                return False
            self.graph.invoke(handover, self._config(handover["turn_id"]), context=self.context)
            return True

    def status(self, turn_id: str) -> str | None:
        """pending | resolved, or None if there is no such hand-over."""
        snapshot = self.graph.get_state(self._config(turn_id))
        if not snapshot.values:
            return None
        if snapshot.next:
            return "pending" if "await_resolution" in snapshot.next else "starting"
        return snapshot.values.get("status")

    def get(self, turn_id: str) -> HandoverState | None:
        snapshot = self.graph.get_state(self._config(turn_id))
        # This graph's state schema is HandoverState; LangGraph types a snapshot's values as a plain dict.
        return cast(HandoverState, snapshot.values) or None

    def resume_announcement(self, turn_id: str) -> None:
        """Finish a hand-over whose announcement was cut off by a crash (re-runs ``announce``)."""
        if self.status(turn_id) == "starting":
            self.graph.invoke(None, self._config(turn_id), context=self.context)

    def resolve(self, turn_id: str, resolution: Resolution) -> bool:
        """Resume the paused hand-over with the human's resolution; False if it is not pending."""
        with self._lock:
            if self.status(turn_id) != "pending":
                return False
            self.graph.invoke(Command(resume=resolution), self._config(turn_id), context=self.context)
            return True
