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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

from graphs.question import QUESTION_WORDS
from graphs.words import QUESTION_STOPWORDS as STOPWORDS
from knowledge.types import Hit

# How alike two short phrases are (cosine of their embeddings): the fold uses it to find the words a
# fragment replaces.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]

LAST_SOURCES_BONUS = 0.05
# How far back a thread is read: the previous question (more turns added noise on mtrag_dev).
CONTEXT_TURNS = 1

LEADS = re.compile(
    r"^\s*(?:(?:and what about|and how about|what about|how about|is it the same for|same for|"
    r"does (?:that|this|it) apply to|and|but|also|so|then|ok(?:ay)?)\b[\s,]*)+",
    re.IGNORECASE,
)
# Set on the handbook threads with MiniLM: a city for a city scores ~0.4-0.6, unrelated words ~0.1-0.35.
SWAP_MIN = 0.35
SWAP_MARGIN = 0.05
_LEADING_FUNCTION_WORDS = re.compile(r"^(?:(?:for|in|at|on|with|to|a|an|the|our|my)\s+)+", re.IGNORECASE)
_STAND_IN = re.compile(r"\s+ones?$", re.IGNORECASE)  # "the Toronto one": the noun is the previous one's
_ASKS = re.compile(r"\b(?:who|what|when|where|why|how|which)\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
QUESTION_START = re.compile(r"^\s*(who|what|when|where|why|how|which|can|do|does|is|are|should|may)\b", re.I)


@dataclass(frozen=True)
class Query:
    """One search of a turn: the text searched, its weight in the fusion, and why it was searched.
    ``replaces_question`` marks an ellipsis read in its thread: it is searched instead of the fragment."""

    text: str
    weight: float
    why: str
    replaces_question: bool = False

    def to_json(self) -> dict[str, Any]:
        read = {"query": self.text, "weight": round(self.weight, 3), "why": self.why}
        return {**read, "replaces_question": True} if self.replaces_question else read


def in_thread(question: str, previous: str, similarity: Similarity | None = None) -> str:
    """The question folded onto the previous one: an ellipsis is read in place (:func:`ellipsis`), other
    fragments are appended ("How many vacation days do I get for contractors?"), a full question keeps
    both, the earlier first. ``previous`` is the previous question *as asked*, so folds never chain."""
    rest = LEADS.sub("", question).strip().rstrip("?.! ")
    base = previous.strip().rstrip("?.! ")
    if not rest:
        return previous
    if not base:
        return question
    if QUESTION_START.match(rest):
        return f"{base}? {rest}?"
    return ellipsis(question, previous, similarity) or f"{base} {rest}?"


def ellipsis(question: str, previous: str, similarity: Similarity | None) -> str | None:
    """The previous question with a fragment put in place of the words it is most like: "what about
    Lisbon?" after "When is payday in Toronto?" reads "When is payday in Lisbon?", "and for
    contractors?" after "How many vacation days do employees get?" reads "How many vacation days do
    contractors get?". None when the question is not a fragment or no words are clearly alike (then the
    fragment may change the subject: "what about the dental plan?" after a parental-leave question)."""
    if similarity is None or not is_fragment(question):
        return None
    rest = LEADS.sub("", question).strip().rstrip("?.! ")
    swapped = substituted(rest, previous.strip().rstrip("?.! "), similarity)
    return f"{swapped}?" if swapped else None


def is_fragment(question: str) -> bool:
    """A turn with a lead ("and", "what about") and no question of its own: "what about Lisbon?",
    "and for contractors?", "and a phone allowance?"."""
    lead = LEADS.match(question)
    rest = question[lead.end() :] if lead else ""
    return bool(lead) and bool(rest.strip(" ?.!")) and not QUESTION_START.match(rest) and not _ASKS.search(rest)


def substituted(fragment: str, previous: str, similarity: Similarity) -> str | None:
    """``previous`` with the span most like ``fragment`` replaced by it, or None when no span of one or
    two content words is at least ``SWAP_MIN`` alike and ``SWAP_MARGIN`` ahead of every span apart
    from it (a city for a city, a group of people for a group, not a guess)."""
    core = _STAND_IN.sub("", _LEADING_FUNCTION_WORDS.sub("", fragment)).strip()
    spans = _content_spans(previous)
    if not core or len(core.split()) > 4 or not spans:
        return None
    scores = list(similarity(core, [previous[a:b] for a, b in spans]))
    best = max(range(len(spans)), key=scores.__getitem__)
    a, b = spans[best]
    rivals = [scores[n] for n, (c, d) in enumerate(spans) if d <= a or c >= b]
    if scores[best] < SWAP_MIN or scores[best] - max(rivals, default=0.0) < SWAP_MARGIN:
        return None
    return f"{previous[:a]}{core}{previous[b:]}"


def _content_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of one or two consecutive content words (not stop or question words)."""
    found = [m for m in _WORD.finditer(text) if m.group().lower() not in STOPWORDS | QUESTION_WORDS]
    spans = [m.span() for m in found]
    for first, second in zip(found, found[1:], strict=False):
        if not text[first.end() : second.start()].strip():
            spans.append((first.start(), second.end()))
    return spans


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


class Turn(TypedDict):
    """One remembered turn of a thread. A TypedDict (not a dataclass) so that threads written by every
    earlier version load as they are."""

    question: str  # as asked (after redaction)
    standalone: str
    answer: str
    decision: str
    sources: NotRequired[list[str]]  # chunk ids the answer cited (older checkpoints lack it)


def last_sources(history: Sequence[Turn]) -> list[str]:
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
