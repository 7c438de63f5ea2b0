"""The result of one turn: what Keel decided, what it said, and why. Plain data, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Decision = Literal["answered", "handed_over", "refused"]


@dataclass(frozen=True)
class Citation:
    """A numbered source an answer cites as ``[n]``; it always points to a retrieved chunk."""

    n: int
    source: str
    title: str
    section: str
    chunk_id: str
    score: float


@dataclass(frozen=True)
class GuardVerdict:
    """One guard check's verdict on the question or the draft, kept for the audit log."""

    stage: Literal["input", "output", "retrieval"]
    check: str
    passed: bool
    action: str
    reason: str = ""
    ms: float = 0.0


@dataclass(frozen=True)
class TurnResult:
    decision: Decision
    answer: str  # Slack-ready Markdown, with [n] citations when answered
    citations: list[Citation] = field(default_factory=list)
    confidence: float = 0.0
    reasons: list[str] = field(default_factory=list)
    model: str = "extractive"
    route: str = "extractive"
    timings_ms: dict[str, float] = field(default_factory=dict)
    question: str = ""  # the question as stored (after redaction)
    standalone_question: str = ""  # the reading the judge kept: as asked, or read with the thread
    searched: list[dict[str, Any]] = field(default_factory=list)  # each search of the turn: query, weight, why
    verdicts: list[GuardVerdict] = field(default_factory=list)
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # chunk_id, source, score, rank, cited
    fallback: bool = False  # True when an LLM failed and the extractive answer stands in
    thread_id: str = ""
    draft: str = ""  # a hand-over's unverified draft answer, if one was written (shown to the experts only)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def unanswered_turn(answer: str, reason: str, *, thread_id: str, route: str = "error") -> TurnResult:
    """A turn Keel did not answer itself (answering failed, was interrupted, or Keel is paused): handed
    over, with ``answer`` for the asker and ``reason`` for the log. The question is not kept: it may hold
    personal data that never went through the input guard."""
    return TurnResult(
        decision="handed_over",
        answer=answer,
        reasons=[reason],
        route=route,
        question="",
        thread_id=thread_id,
    )
