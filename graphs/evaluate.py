"""Evaluation of an answerer on labelled questions: how often it answers, with the right source, and
whether its confidence can be trusted.

A question file is JSONL, one object per line: ``question`` (required), optional ``answerable`` (bool),
``gold_sources`` (list of sources that hold the answer; a file name matches a source ending in it),
``key_facts`` (strings a right answer contains) or ``reference_answer`` (a right answer in words),
``thread`` (earlier questions of the same thread, asked first in a fresh thread), optional ``id``.

Conventions (docs/answering.md):
- *declined* means not answered alone: handed over or refused.
- An answerable question counts as *answered with gold* when the answer cites one of its
  ``gold_sources`` (or, when it lists none, when it is answered at all).
- An answer is *right* when it is answered with gold and says what was asked: it contains every one of
  the question's ``key_facts`` (case and spacing ignored), or, with only a ``reference_answer``, it
  holds at least ``REFERENCE_RECALL`` of the reference's content words (stemmed, stop words left out).
  Without either, a right answer is an answer with gold.
- A decision is *correct* when an answerable question gets a right answer, or an unanswerable one
  is declined. ``TurnResult.confidence`` is the probability that the answer is right, whatever the
  decision; so the probability that the *decision* is right is ``confidence`` for an answer and
  ``1 - confidence`` for a decline, and that is what calibration compares with correctness.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graphs.result import TurnResult

CALIBRATION_BINS = 10
# Share of a reference answer's content words an answer must hold to count as right. References are
# written answers of 50-150 words that often summarise several passages; an extractive answer quotes two
# or three sentences. Read on mtrag_dev answers citing gold: at 0.19-0.27 four in five answer the
# question (the rest give its context), below 0.15 few do. Benchmarks report the mean recall beside it.
REFERENCE_RECALL = 0.2


@dataclass
class EvalQuestion:
    question: str
    answerable: bool | None = None
    gold_sources: list[str] = field(default_factory=list)
    id: str = ""
    key_facts: list[str] = field(default_factory=list)
    reference_answer: str = ""
    thread: list[str] = field(default_factory=list)  # earlier questions of its thread, asked first


def is_gold(source: str, gold_sources: Sequence[str]) -> bool:
    """A cited source is gold when it is one of ``gold_sources`` or ends in one as a file name
    ("knowledge/samples/it/vpn.md" for "vpn.md")."""
    return any(source == g or source.endswith(f"/{g}") for g in gold_sources)


def facts_found(answer: str, facts: Sequence[str]) -> bool:
    """Every key fact appears in the answer (case, spacing and Markdown emphasis ignored)."""
    said = _plain(answer)
    return all(_plain(fact) in said for fact in facts)


def reference_recall(answer: str, reference: str) -> float:
    """Share of the reference's content words (stemmed) that the answer holds."""
    from graphs.question import stem
    from graphs.words import QUESTION_STOPWORDS as STOPWORDS
    from graphs.words import words

    wanted = {stem(w) for w in words(reference) if w not in STOPWORDS}
    if not wanted:
        return 1.0
    return len(wanted & {stem(w) for w in words(answer)}) / len(wanted)


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").replace("`", "").lower().split())


@dataclass
class Outcome:
    """One question's result, kept so callers can report on subsets (e.g. a held-out split)."""

    item: EvalQuestion
    result: TurnResult
    seconds: float

    @property
    def answerable(self) -> bool | None:
        """The label; a question that names gold sources is answerable even when it does not say so."""
        if self.item.answerable is None and self.item.gold_sources:
            return True
        return self.item.answerable

    @property
    def answered(self) -> bool:
        return self.result.decision == "answered"

    @property
    def cites_gold(self) -> bool:
        if not self.item.gold_sources:
            return self.answered
        return self.answered and any(is_gold(c.source, self.item.gold_sources) for c in self.result.citations)

    @property
    def says_what_was_asked(self) -> bool:
        """The answer holds the key facts, or enough of the reference answer (True without either)."""
        if self.item.key_facts:
            return facts_found(self.result.answer, self.item.key_facts)
        if self.item.reference_answer:
            return reference_recall(self.result.answer, self.item.reference_answer) >= REFERENCE_RECALL
        return True

    @property
    def right_answer(self) -> bool:
        return self.cites_gold and self.says_what_was_asked

    @property
    def correct(self) -> bool | None:
        """Whether the decision was right; None when the question carries no label."""
        if self.answerable is None:
            return None
        return self.right_answer if self.answerable else not self.answered

    @property
    def decision_confidence(self) -> float:
        confidence = min(1.0, max(0.0, float(self.result.confidence)))
        return confidence if self.answered else 1.0 - confidence


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question file; a bad line raises ValueError naming the file and line number."""
    questions = []
    with Path(path).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                questions.append(_parse_question(json.loads(line)))
            except (json.JSONDecodeError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}, line {number}: {exc}") from exc
    return questions


def _parse_question(data: object) -> EvalQuestion:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object with a 'question' field")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ValueError("'question' must be a non-empty string")
    answerable = data.get("answerable")
    if answerable is not None and not isinstance(answerable, bool):
        raise ValueError("'answerable' must be true or false")
    gold = data.get("gold_sources", [])
    if not isinstance(gold, list) or not all(isinstance(s, str) for s in gold):
        raise ValueError("'gold_sources' must be a list of strings")
    facts = data.get("key_facts", [])
    if not isinstance(facts, list) or not all(isinstance(f, str) and f.strip() for f in facts):
        raise ValueError("'key_facts' must be a list of non-empty strings")
    reference = data.get("reference_answer", "")
    if not isinstance(reference, str):
        raise ValueError("'reference_answer' must be a string")
    thread = data.get("thread", [])
    if not isinstance(thread, list) or not all(isinstance(t, str) and t.strip() for t in thread):
        raise ValueError("'thread' must be a list of earlier questions")
    return EvalQuestion(
        question=question,
        answerable=answerable,
        gold_sources=gold,
        id=str(data.get("id", "")),
        key_facts=facts,
        reference_answer=reference,
        thread=thread,
    )


def run_questions(
    questions: Sequence[EvalQuestion],
    answer: Callable[[str], TurnResult],
    progress: Callable[[int, int], None] | None = None,
    in_thread: Callable[[str, str], TurnResult] | None = None,
) -> list[Outcome]:
    """Ask every question, timing each call. A question with a ``thread`` is asked with ``in_thread``
    (question, thread id) in a fresh thread after its earlier questions (their time is not counted)."""
    outcomes = []
    for done, item in enumerate(questions, start=1):
        thread_id = f"eval:{item.id or done}:{uuid.uuid4().hex[:8]}"
        if item.thread and in_thread is not None:
            for earlier in item.thread:
                in_thread(earlier, thread_id)
        started = time.perf_counter()
        result = in_thread(item.question, thread_id) if item.thread and in_thread is not None else answer(item.question)
        outcomes.append(Outcome(item, result, time.perf_counter() - started))
        if progress:
            progress(done, len(questions))
    return outcomes


def evaluate(
    questions: Sequence[EvalQuestion],
    answer: Callable[[str], TurnResult],
    progress: Callable[[int, int], None] | None = None,
    in_thread: Callable[[str, str], TurnResult] | None = None,
) -> dict[str, Any]:
    """Run ``answer`` on every question and return the metrics (see :func:`metrics`)."""
    return metrics(run_questions(questions, answer, progress, in_thread))


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Decision rates, answered-with-gold, hand-over precision/recall, latency and calibration."""
    n = len(outcomes)
    decisions = [o.result.decision for o in outcomes]
    answerable = [o for o in outcomes if o.answerable is True]
    unanswerable = [o for o in outcomes if o.answerable is False]
    answered_rate = _share(o.answered for o in answerable)
    declined_rate = _share(not o.answered for o in unanswerable)
    gold_rate = _share(o.cites_gold for o in answerable)
    right_rate = _share(o.right_answer for o in answerable)
    checked = [o for o in answerable if o.answered and o.cites_gold and (o.item.key_facts or o.item.reference_answer)]
    recalls = [reference_recall(o.result.answer, o.item.reference_answer) for o in checked if o.item.reference_answer]
    # the hand-over's positive class: a question that should not be answered alone
    flagged = [o for o in outcomes if not o.answered and o.answerable is not None]
    true_pos = sum(1 for o in flagged if o.answerable is False)
    seconds = np.array([o.seconds for o in outcomes]) * 1000 if outcomes else np.zeros(1)
    return {
        "questions": n,
        "answered": _share(d == "answered" for d in decisions),
        "handed_over": _share(d == "handed_over" for d in decisions),
        "refused": _share(d == "refused" for d in decisions),
        "answerable_questions": len(answerable),
        "unanswerable_questions": len(unanswerable),
        "answerable_answered": answered_rate,
        "answered_with_gold": gold_rate,
        "answered_right": right_rate,
        "right_among_answered_with_gold": _share(o.says_what_was_asked for o in checked),
        "mean_reference_recall": round(float(np.mean(recalls)), 3) if recalls else None,
        "unanswerable_declined": declined_rate,
        "handover_precision": true_pos / len(flagged) if flagged else None,
        "handover_recall": true_pos / len(unanswerable) if unanswerable else None,
        "balanced_accuracy": _mean_of(right_rate, declined_rate),
        "decision_balanced_accuracy": _mean_of(answered_rate, declined_rate),
        "latency_ms": {
            "p50": round(float(np.percentile(seconds, 50)), 1),
            "p95": round(float(np.percentile(seconds, 95)), 1),
            "mean": round(float(seconds.mean()), 1),
        },
        **calibration(outcomes),
    }


def calibration(outcomes: Sequence[Outcome], bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """Expected calibration error and a reliability table of decision confidence vs correctness."""
    labelled = [(o.decision_confidence, o.correct) for o in outcomes if o.correct is not None]
    table = []
    ece = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(c, ok) for c, ok in labelled if low <= c < high or (b == bins - 1 and c == 1.0)]
        row = {"bin": f"{low:.1f}-{high:.1f}", "count": len(members), "mean_confidence": None, "accuracy": None}
        if members:
            mean_conf = sum(c for c, _ in members) / len(members)
            accuracy = sum(1 for _, ok in members if ok) / len(members)
            row.update(mean_confidence=round(mean_conf, 3), accuracy=round(accuracy, 3))
            ece += len(members) / len(labelled) * abs(accuracy - mean_conf)
        table.append(row)
    return {"ece": round(ece, 4) if labelled else None, "reliability": table}


def _share(flags: Iterable[object]) -> float | None:
    values = list(flags)
    return sum(1 for v in values if v) / len(values) if values else None


def _mean_of(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else (a + b) / 2
