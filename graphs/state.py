"""Graph state. The input is narrow (a question and where it came from); the full state adds what the
nodes work out, each field typed. Nodes return partial updates: ``reasons``, ``verdicts`` and
``timings_ms`` have reducers, so a node returns only its new items and LangGraph adds them.

The checkpointer keeps a thread's state between turns, so the first node (``begin``) resets the per-turn
fields (:func:`fresh_turn`; LangGraph's ``Overwrite`` bypasses the reducers for that); ``history`` is
what the thread remembers. Checkpoints written before the state was typed hold plain dicts in the
per-turn fields: ``begin`` replaces them before any node reads them, and ``history`` kept its shape.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any, NotRequired, TypedDict

from langgraph.types import Overwrite

from graphs.evidence import Evidence, Judgement
from graphs.result import Citation, GuardVerdict, TurnResult
from graphs.thread import Query, Turn
from knowledge.types import Hit


class InputState(TypedDict):
    question: str
    channel: NotRequired[str]  # Slack channel id, for per-channel policy
    user: NotRequired[str]


@dataclass(frozen=True)
class Draft:
    """The answer as drafted (by the extractive answerer or a model), before or after the output guard."""

    answer: str
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    model: str = "extractive"
    route: str = "extractive"  # extractive | llm | llm-strong, "-fallback" when the model's draft failed
    fallback: bool = False  # True when the extractive answer stands in for a failed model draft
    fallback_kind: str = ""  # DraftFailure.kind of that failure (chooses the note under the answer)


def add_timings(before: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """Reducer for ``timings_ms``: a node's wall time is added to what its name already has."""
    return {**before, **{name: round(before.get(name, 0.0) + ms, 2) for name, ms in new.items()}}


class State(InputState, total=False):
    history: list[Turn]  # earlier turns of this thread, oldest first
    safe_question: str  # the question after input guards (PII redacted)
    standalone: str  # the reading of the question the judge kept (as asked, or read with the thread)
    queries: list[Query]  # what was searched: the question as asked first, then its reading in the thread
    hits: list[Hit]  # retrieved chunks, best first, minus those the retrieval guard left out
    judgement: Judgement | None  # the judge's verdict on the evidence (plain floats, so it checkpoints)
    draft: Draft | None
    decision: str  # answered | handed_over | refused
    reasons: Annotated[list[str], operator.add]  # why it was not answered / what went wrong, in order
    verdicts: Annotated[list[GuardVerdict], operator.add]  # every guard verdict of the turn, by stage
    timings_ms: Annotated[dict[str, float], add_timings]  # wall time per node
    pending_action: str  # the route a check chose: continue | refuse | hand_over
    result: TurnResult | None  # the TurnResult of the turn


def fresh_turn() -> dict[str, Any]:
    """The per-turn fields as a new turn starts (``history`` and the input are kept)."""
    return {
        "safe_question": "",
        "standalone": "",
        "queries": [],
        "hits": [],
        "judgement": None,
        "draft": None,
        "decision": "",
        "reasons": Overwrite([]),
        "verdicts": Overwrite([]),
        "timings_ms": Overwrite({}),
        "pending_action": "continue",
        "result": None,
    }


# The classes the state holds, for the checkpointer's list of types it may rebuild from storage
# (graphs.checkpoint): anything else in a checkpoint is refused rather than imported.
STORED_TYPES: tuple[type, ...] = (Query, Hit, Judgement, Evidence, Draft, Citation, GuardVerdict, TurnResult)
