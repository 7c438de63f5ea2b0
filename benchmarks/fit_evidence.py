"""Fit the evidence judge's logistic model on the ClapNQ tuning half and write graphs/evidence_model.py.

    python benchmarks/fit_evidence.py

Only questions of the tuning half (benchmarks/common.py:is_tune) are used: their features come from
the real retrieval and the judge's own feature code (graphs/evidence.py), and the label is whether an
answer built from the evidence would be right (the question is answerable and the composed answer
cites its gold passage). The decision threshold maximises the smaller of the tuning half's two target
rates (see best_threshold). benchmarks/answers.py then reports on the other half.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.answers import CACHE, TOP_K, clapnq_knowledge
from benchmarks.common import REPO, data_dir, is_tune
from graphs.evaluate import EvalQuestion
from graphs.evidence import (
    Judgement,
    feature_matrix,
    features,
    gather_candidates,
    judged_probability,
    passages_to_read,
    search_for_judging,
)
from graphs.extractive import compose_answer
from graphs.question import analyse_question
from knowledge.base import KnowledgeBase
from knowledge.embed import default_embedder

MODEL_FILE = REPO / "graphs" / "evidence_model.py"
L2 = 1.0  # ridge penalty on standardised weights: ~150 questions per class, keep the model plain


class CachingEmbedder:
    """The default embedder with a memo, so refitting after a feature change is quick."""

    def __init__(self, path: Path) -> None:
        self._inner = default_embedder()
        self.model_id = self._inner.model_id
        self.dimension = self._inner.dimension
        self._path = path
        self._memo: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.is_file() else {}

    def save(self) -> None:
        self._path.write_bytes(pickle.dumps(self._memo))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            self._memo.update(zip(missing, self._inner.embed(missing), strict=True))
        return np.array([self._memo[t] for t in texts])


def examples(
    kb: KnowledgeBase, questions: list[EvalQuestion], embedder: CachingEmbedder
) -> tuple[list[dict[str, float]], np.ndarray, np.ndarray, list]:
    """Feature rows, labels (an answer would be right), whether each question is answerable, and what
    the answer-type rule needs (profile and candidates)."""
    rows, labels, answerable, judged = [], [], [], []
    for n, item in enumerate(questions, start=1):
        profile = analyse_question(item.question)
        hits = search_for_judging(kb, item.question, TOP_K)
        candidates = gather_candidates(profile, hits, embedder, kb.sentences_of(passages_to_read(profile, hits)))
        if not candidates:
            continue
        rows.append(features(profile, hits, candidates))
        labels.append(bool(item.answerable) and _cites_gold(item, candidates))
        answerable.append(bool(item.answerable))
        judged.append((profile, candidates))
        if n % 100 == 0:
            print(f"  {n}/{len(questions)}", flush=True)
    return rows, np.array(labels, dtype=float), np.array(answerable, dtype=bool), judged


def _cites_gold(item: EvalQuestion, candidates: list) -> bool:
    from graphs.evidence import EVIDENCE_KEPT, Evidence

    evidence = [Evidence(c.hit, c.sentence.text, c.score, c.keyed) for c in candidates[:EVIDENCE_KEPT]]
    _, citations = compose_answer(item.question, Judgement(True, 1.0, evidence, [], ""))
    return any(c.source in item.gold_sources for c in citations)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Ridge logistic regression on standardised features by Newton's method; returns means, scales,
    weights, intercept."""
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - means) / scales])
    theta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ theta))
        gradient = z.T @ (p - y) + penalty * theta
        hessian = (z.T * (p * (1 - p))) @ z + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return means, scales, theta[1:], float(theta[0])


def best_threshold(p: np.ndarray, correct: np.ndarray, answerable: np.ndarray) -> float:
    """The threshold that maximises the smaller of the two rates we target (answerable questions
    answered citing gold, unanswerable ones declined), then their mean. Balanced accuracy alone is flat
    over a wide range here, so its argmax jumps with any small change; the crossing point does not."""
    grid = np.round(np.arange(0.05, 0.951, 0.005), 3)
    rates = [(((p >= t) & correct)[answerable].mean(), (p < t)[~answerable].mean()) for t in grid]
    scores = [(round(min(a, d), 6), round(a + d, 6)) for a, d in rates]
    return float(grid[max(range(len(grid)), key=lambda i: scores[i])])


def write_model(names: list[str], fit: tuple, threshold: float, note: str) -> None:
    means, scales, weights, intercept = fit

    def numbers(values: np.ndarray) -> str:
        return "[" + ", ".join(f"{v:.6g}" for v in values) + "]"

    MODEL_FILE.write_text(
        '"""The evidence judge\'s logistic model. Written by benchmarks/fit_evidence.py: do not edit by hand.\n\n'
        "P(answer right) = 1 / (1 + exp(-(INTERCEPT + sum(WEIGHTS[i] * (x[i] - MEANS[i]) / SCALES[i])))),\n"
        "with x the features of graphs/evidence.py:features, in FEATURES order. THRESHOLD maximises the\n"
        "smaller of the tuning half's rates: answerable answered citing gold, unanswerable declined.\n"
        '"""\n\n'
        f"FITTED_ON = {note!r}\n"
        f"FEATURES = {names!r}\n"
        f"MEANS = {numbers(means)}\n"
        f"SCALES = {numbers(scales)}\n"
        f"WEIGHTS = {numbers(weights)}\n"
        f"INTERCEPT = {intercept:.6g}\n"
        f"THRESHOLD = {threshold}\n"
    )
    # keep the generated file in the repository's style (a no-op where ruff is not installed)
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(MODEL_FILE)], check=False, capture_output=True)


def main() -> None:
    kb, questions = clapnq_knowledge(data_dir())
    tune = [q for q in questions if is_tune(q.id)]
    print(f"Features for {len(tune)} tuning questions (cache: {CACHE})...", flush=True)
    started = time.perf_counter()
    embedder = CachingEmbedder(CACHE.parent / "fit-embeddings.pkl")
    rows, labels, answerable, judged = examples(kb, tune, embedder)
    embedder.save()
    print(f"  done in {time.perf_counter() - started:.0f} s")
    names = list(rows[0])
    x = feature_matrix(rows, names)
    fit = fit_logistic(x, labels)
    means, scales, weights, intercept = fit
    p = 1 / (1 + np.exp(-(intercept + ((x - means) / scales) @ weights)))
    p = np.array([judged_probability(profile, c, pi) for (profile, c), pi in zip(judged, p, strict=True)])
    threshold = best_threshold(p, labels.astype(bool), answerable)
    note = f"ClapNQ tuning half, {len(labels)} questions (sha256(id)[0] even); ridge logistic regression, L2={L2}"
    write_model(names, fit, threshold, note)
    print(f"Wrote {MODEL_FILE.relative_to(REPO)}; threshold {threshold:.2f}")
    for name, weight in sorted(zip(names, weights, strict=True), key=lambda nw: -abs(nw[1])):
        print(f"  {name:22s} {weight:+.3f}")
    answered_right = ((p >= threshold) & labels.astype(bool))[answerable].mean()
    declined = (p < threshold)[~answerable].mean()
    print(f"Tuning half (fitted on it): answered citing gold {answered_right:.3f}, declined {declined:.3f}")


if __name__ == "__main__":
    main()
