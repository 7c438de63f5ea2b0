"""Reading a question in its thread, without a yes/no follow-up rule.

Every turn of a thread is searched twice and the two rankings are fused:
- the question **as asked** (weight 1), and
- the question **in its thread**: the previous question with this one folded onto it ("How many
  vacation days do I get for contractors?"), or, with an LLM configured, the model's standalone
  rewrite of it. Its weight is the larger of ``1 - c``, where ``c`` is the best cosine the question
  alone found, and ``1 / (1 + n)``, where ``n`` is how many key terms the question names.
So a question that says a lot and finds its passages on its own ("ok, different question: how do I
reset my password?") is barely moved by the thread, and one that says little or finds little alone
("and for contractors?", "what about Lisbon?", "are those the only steps?") leans on it. The passages Keel cited in its last answer in the thread get
a small bonus (``LAST_SOURCES_BONUS``): follow-ups are often answered from the same page.

The judge then reads both forms against the fused passages and keeps the one the evidence supports
better (:func:`better_reading`). Weights were set on mtrag_dev and checked on the handbook threads;
docs/answering.md has the figures and what was tried.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.types import Hit

LAST_SOURCES_BONUS = 0.05
# How far back a thread is read: the previous question (more turns added noise on mtrag_dev).
CONTEXT_TURNS = 1

LEADS = re.compile(
    r"^\s*(?:and|but|also|so|then|ok(?:ay)?|what about|how about|and what about|and how about|what if|"
    r"same for|is it the same for|does (?:that|this|it) apply to|and for|for)\b[\s,]*",
    re.IGNORECASE,
)
QUESTION_START = re.compile(r"^\s*(who|what|when|where|why|how|which|can|do|does|is|are|should|may)\b", re.I)


@dataclass(frozen=True)
class Query:
    """One search of a turn: the text searched, its weight in the fusion, and why it was searched."""

    text: str
    weight: float
    why: str

    def to_json(self) -> dict[str, Any]:
        return {"query": self.text, "weight": round(self.weight, 3), "why": self.why}


def in_thread(question: str, previous: str) -> str:
    """The question folded onto the previous one: "and for contractors?" after "How many vacation days
    do I get?" reads "How many vacation days do I get for contractors?"; a full question keeps both,
    the earlier first. ``previous`` is the previous question *as asked*, so folds never chain."""
    rest = LEADS.sub("", question).strip().rstrip("?.! ")
    base = previous.strip().rstrip("?.! ")
    if not rest:
        return previous
    if not base:
        return question
    if QUESTION_START.match(rest):
        return f"{base}? {rest}?"
    return f"{base} {rest}?"


def context_weight(hits_alone: Sequence[Hit], key_terms: int) -> float:
    """How much the thread counts: the more so, the less the question found on its own (one minus its
    best cosine) or the less it says (one over one plus its number of key terms)."""
    best = max((h.dense_score for h in hits_alone), default=0.0)
    return max(0.0, min(1.0, max(1.0 - best, 1.0 / (1 + key_terms))))


_PREFACE = re.compile(r"^\s*(?P<preface>[^:?\n]{1,40}):\s+(?=\S)")


def without_preface(question: str) -> str:
    """The question without a short preface before a colon ("ok, different question: how do I reset
    my password?"): at most four words and no question mark of its own."""
    match = _PREFACE.match(question)
    if not match or len(match.group("preface").split()) > 4 or QUESTION_START.match(match.group("preface")):
        return question
    return question[match.end() :]


def last_sources(history: Sequence[dict[str, Any]]) -> list[str]:
    """The chunks Keel's last answer in the thread cited (none if it did not answer)."""
    if not history:
        return []
    return list(history[-1].get("sources", []))


def better_reading(confidences: Sequence[float]) -> int:
    """Index of the reading the judge was most confident in; ties go to the first (the question as asked)."""
    best = 0
    for n, confidence in enumerate(confidences):
        if confidence > confidences[best] + 1e-9:
            best = n
    return best
