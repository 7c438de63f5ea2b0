"""Where the answer graph goes after each decision point: functions that return the next node's name."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.drafting import LLM_MIN_CONFIDENCE
from graphs.state import State


def route_after_input(state: State) -> str:
    return {"refuse": "refuse", "hand_over": "hand_over"}.get(state["pending_action"], "in_thread")


def route_after_judge(state: State, runtime: Runtime[KeelContext]) -> str:
    """Strong evidence is drafted from. With a model configured, weak but on-topic evidence goes to the
    model too (it answers or says NO_ANSWER); only evidence below ``llm_min_confidence`` (off-topic)
    skips it. Without a model, weak evidence is handed over."""
    judgement, ctx = state["judgement"], runtime.context
    if judgement is None:  # pragma: no cover - the judge always sets one
        return "hand_over"
    if judgement.sufficient:
        return "draft"
    floor = LLM_MIN_CONFIDENCE if ctx.llm_min_confidence is None else ctx.llm_min_confidence
    return "draft" if ctx.llm is not None and judgement.confidence >= floor else "hand_over"


def route_after_draft(state: State) -> str:
    return "hand_over" if state["pending_action"] == "hand_over" else "check_output"


def route_after_output(state: State) -> str:
    return {"refuse": "refuse", "hand_over": "hand_over"}.get(state["pending_action"], "deliver")
