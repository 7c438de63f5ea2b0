"""Evaluation of an answerer on labelled questions: how often it answers, with the right source, and
whether its confidence can be trusted.

A question file is JSONL, one object per line: ``question`` (required), optional ``answerable`` (bool)
and ``gold_sources`` (list of sources that hold the answer), optional ``id``.

Conventions (docs/answering.md):
- *declined* means not answered alone: handed over or refused.
- An answerable question counts as *answered with gold* when the answer cites one of its
  ``gold_sources`` (or, when it lists none, when it is answered at all).
- A decision is *correct* when an answerable question is answered with gold, or an unanswerable one
  is declined. ``TurnResult.confidence`` is the probability that the answer is right, whatever the
  decision; so the probability that the *decision* is right is ``confidence`` for an answer and
  ``1 - confidence`` for a decline, and that is what calibration compares with correctness.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from graphs.result import TurnResult

CALIBRATION_BINS = 10


@dataclass
class EvalQuestion:
    question: str
    answerable: bool | None = None
    gold_sources: list[str] = field(default_factory=list)
    id: str = ""


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
        gold = set(self.item.gold_sources)
        return self.answered and any(c.source in gold for c in self.result.citations)

    @property
    def correct(self) -> bool | None:
        """Whether the decision was right; None when the question carries no label."""
        if self.answerable is None:
            return None
        return self.cites_gold if self.answerable else not self.answered

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
    return EvalQuestion(question=question, answerable=answerable, gold_sources=gold, id=str(data.get("id", "")))


def run_questions(
    questions: Sequence[EvalQuestion],
    answer: Callable[[str], TurnResult],
    progress: Callable[[int, int], None] | None = None,
) -> list[Outcome]:
    """Ask every question, timing each call."""
    outcomes = []
    for done, item in enumerate(questions, start=1):
        started = time.perf_counter()
        result = answer(item.question)
        outcomes.append(Outcome(item, result, time.perf_counter() - started))
        if progress:
            progress(done, len(questions))
    return outcomes


def evaluate(
    questions: Sequence[EvalQuestion],
    answer: Callable[[str], TurnResult],
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Run ``answer`` on every question and return the metrics (see :func:`metrics`)."""
    return metrics(run_questions(questions, answer, progress))


def metrics(outcomes: Sequence[Outcome]) -> dict:
    """Decision rates, answered-with-gold, hand-over precision/recall, latency and calibration."""
    n = len(outcomes)
    decisions = [o.result.decision for o in outcomes]
    answerable = [o for o in outcomes if o.answerable is True]
    unanswerable = [o for o in outcomes if o.answerable is False]
    answered_rate = _share(o.answered for o in answerable)
    declined_rate = _share(not o.answered for o in unanswerable)
    gold_rate = _share(o.cites_gold for o in answerable)
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
        "unanswerable_declined": declined_rate,
        "handover_precision": true_pos / len(flagged) if flagged else None,
        "handover_recall": true_pos / len(unanswerable) if unanswerable else None,
        "balanced_accuracy": _mean_of(gold_rate, declined_rate),
        "decision_balanced_accuracy": _mean_of(answered_rate, declined_rate),
        "latency_ms": {
            "p50": round(float(np.percentile(seconds, 50)), 1),
            "p95": round(float(np.percentile(seconds, 95)), 1),
            "mean": round(float(seconds.mean()), 1),
        },
        **calibration(outcomes),
    }


def calibration(outcomes: Sequence[Outcome], bins: int = CALIBRATION_BINS) -> dict:
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


def _share(flags: object) -> float | None:
    values = list(flags)  # type: ignore[call-overload]
    return sum(1 for v in values if v) / len(values) if values else None


def _mean_of(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else (a + b) / 2
