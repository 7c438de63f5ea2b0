"""What every node shares: its signature, the timing wrapper, and a check's action read as a route."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol

from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.question import QuestionProfile, analyse_question
from graphs.state import State

Update = dict[str, Any]  # a partial state: only the fields a node sets (reducers add reasons, verdicts)


class Node(Protocol):
    """A node that reads the run's context. A protocol, not ``Callable[[State, Runtime], Update]``: LangGraph
    passes ``runtime`` by name, so its type for such nodes requires the parameter's name."""

    def __call__(self, state: State, runtime: Runtime[KeelContext]) -> Update: ...


def timed(name: str) -> Callable[[Node], Node]:
    """Record the node's wall time in ``timings_ms`` (the log keeps timings per stage; the state's
    reducer adds it to the turn's timings)."""

    def wrap(node: Node) -> Node:
        @wraps(node)
        def run(state: State, runtime: Runtime[KeelContext]) -> Update:
            started = time.perf_counter()
            update = node(state, runtime)
            return {**update, "timings_ms": {name: round((time.perf_counter() - started) * 1000, 2)}}

        return run

    return wrap


def route_for(action: str) -> str:
    """A guard report's action as the graph's ``pending_action``: refuse, hand_over or continue."""
    return action if action in ("refuse", "hand_over") else "continue"


def profile(question: str, runtime: Runtime[KeelContext]) -> QuestionProfile:
    """The question analysed with the collection's word statistics (filler words set apart)."""
    return analyse_question(question, runtime.context.kb.vocabulary())
