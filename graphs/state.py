"""Graph state. The input is narrow (a question and where it came from); the full state adds what the
nodes work out. Per-turn fields are reset by the first node, because the checkpointer keeps a thread's
state between turns; ``history`` is what the thread remembers."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class InputState(TypedDict):
    question: str
    channel: NotRequired[str]  # Slack channel id, for per-channel policy
    user: NotRequired[str]


class Turn(TypedDict):
    question: str  # as asked (after redaction)
    standalone: str
    answer: str
    decision: str
    sources: NotRequired[list[str]]  # chunk ids the answer cited (older checkpoints lack it)


class State(InputState, total=False):
    history: list[Turn]  # earlier turns of this thread, oldest first
    safe_question: str  # the question after input guards (PII redacted)
    standalone: str  # the reading of the question the judge kept (as asked, or read with the thread)
    queries: list[dict[str, Any]]  # what was searched: query, weight in the fusion, why
    hits: list[dict[str, Any]]  # retrieved chunks (Hit.to_json())
    judgement: dict[str, Any]  # sufficient, confidence, reasons, evidence sentences
    draft: dict[str, Any]  # answer, citations, confidence, model, route, fallback
    decision: str  # answered | handed_over | refused
    reasons: list[str]
    verdicts: list[dict[str, Any]]  # guard verdicts (GuardVerdict as dicts)
    timings_ms: dict[str, float]
    pending_action: str  # the route a check chose: continue | refuse | hand_over
    result: dict[str, Any]  # the TurnResult of the turn, as a dict
