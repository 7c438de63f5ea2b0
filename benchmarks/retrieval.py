"""Retrieval quality and speed: dense, BM25 and hybrid on ClapNQ and the COVID FAQ; latency at 10k chunks.

    python benchmarks/retrieval.py [--skip-latency] [--latency-chunks 10000]

Quality: recall@1, recall@5 and MRR@10 per method. Each question set is split by a hash of the question
id into a tuning half and a report half. Fusion settings (method, weights, candidate depth, BM25 heading
weight) are fitted on the tuning halves only; the report halves give the figures we quote. Full-set
figures are printed too, labelled as such. The shipped defaults (knowledge/search.py,
knowledge/keyword.py) are evaluated through the real ``Retriever.search``, and the script says whether
the fit agrees with them.

Chunks are built directly (one passage or FAQ entry = one chunk) so that gold answers map to chunk ids;
the ingestion path is measured by benchmarks/ingest.py. Results: benchmarks/results/retrieval.json.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    EvalSet,
    Question,
    data_dir,
    load_clapnq,
    load_covid_faq,
    machine_info,
    split,
    temporary_home,
    write_results,
)
from benchmarks.latency import measure_latency
from config.settings import get_settings
from knowledge.base import KnowledgeBase
from knowledge.keyword import HEADING_WEIGHT, KeywordIndex, keyword_text
from knowledge.search import FusionParams, fuse
from knowledge.types import Hit, indexed_text

MAX_DEPTH = 50
# Candidate depth is a latency/recall trade-off fixed by design, not fitted: these corpora (600 and 213
# chunks) are too small to tell depths apart; the script prints how little it matters here.
CANDIDATES = 30
DEPTHS = (10, 20, 30, 50)
HEADING_WEIGHTS = (1, 2, 3)
DENSE_WEIGHTS = tuple(round(float(w), 2) for w in np.arange(0.30, 0.91, 0.05))
RRF_GRID = tuple(itertools.product((10, 30, 60), (0.3, 0.5, 0.7, 1.0)))  # (rrf_k, bm25 weight); dense 1.0
NAIVE_RRF = FusionParams(method="rrf", dense_weight=1.0, bm25_weight=1.0, rrf_k=60, candidates=CANDIDATES)
METRICS = ("R@1", "R@5", "MRR@10")


@dataclass
class Candidates:
    """What fusion needs for one question, computed once: dense top 50 and BM25 scores per heading weight."""

    question: Question
    dense: list[Hit]
    bm25: dict[int, np.ndarray]  # heading weight -> BM25 score of every chunk
    shipped: list[str]  # top 10 chunk ids from the real Retriever.search with the shipped defaults


@dataclass
class Prepared:
    eval_set: EvalSet
    indexes: dict[int, KeywordIndex]
    vectors: np.ndarray
    halves: dict[str, list[Candidates]]  # tune, report, full


@dataclass(frozen=True)
class Setting:
    """One point of the search: a BM25 heading weight and the fusion parameters."""

    heading_weight: int
    params: FusionParams

    def describe(self) -> dict[str, object]:
        return {"heading_weight": self.heading_weight, **asdict(self.params)}


SHIPPED = Setting(HEADING_WEIGHT, FusionParams())
NAIVE = Setting(1, NAIVE_RRF)


def prepare(eval_set: EvalSet) -> Prepared:
    """Store the set in a throwaway Chroma + BM25, then run every question once through each retriever."""
    with temporary_home():
        kb = KnowledgeBase(get_settings())
        started = time.perf_counter()
        vectors = kb.embedder.embed([indexed_text(c.text, c.title, c.section) for c in eval_set.chunks])
        print(f"  embedded {len(vectors)} chunks in {time.perf_counter() - started:.0f} s", flush=True)
        kb.store.add(eval_set.chunks, vectors)
        kb.retriever.rebuild_keyword_index()
        ids = [c.chunk_id for c in eval_set.chunks]
        collections = [c.collection for c in eval_set.chunks]
        indexes = {
            w: KeywordIndex.build(
                ids, [keyword_text(c.text, c.title, c.section, w) for c in eval_set.chunks], collections
            )
            for w in HEADING_WEIGHTS
        }
        candidates = [
            Candidates(
                question=q,
                dense=kb.retriever.dense(q.text, MAX_DEPTH),
                bm25={w: index.scores(q.text) for w, index in indexes.items()},
                shipped=[h.chunk_id for h in kb.search(q.text, k=10)],
            )
            for q in eval_set.questions
        ]
    tune, report = split(eval_set.questions)
    by_id = {c.question.qid: c for c in candidates}
    halves = {
        "tune": [by_id[q.qid] for q in tune],
        "report": [by_id[q.qid] for q in report],
        "full": candidates,
    }
    return Prepared(eval_set, indexes, vectors, halves)


def hybrid_ranking(c: Candidates, index: KeywordIndex, setting: Setting) -> list[str]:
    """What Retriever.search computes, replayed from cached candidates (checked against the real path)."""
    p = setting.params
    scores = c.bm25[setting.heading_weight]
    dense = c.dense[: p.candidates]
    keyword = [
        Hit(chunk_id, "", "", "", "", "", score=s, bm25_rank=r)
        for r, (chunk_id, s) in enumerate(index.top(scores, p.candidates), start=1)
    ]
    bm25_of_dense = {h.chunk_id: float(scores[index.position[h.chunk_id]]) for h in dense}
    return [h.chunk_id for h in fuse(dense, keyword, p, bm25_scores=bm25_of_dense)[:10]]


def evaluate(rankings: list[list[str]], cands: list[Candidates]) -> dict[str, float]:
    r1 = r5 = mrr = 0.0
    for ranked, c in zip(rankings, cands, strict=True):
        rank = next((n for n, chunk_id in enumerate(ranked[:10], start=1) if chunk_id in c.question.gold), None)
        if rank:
            r1 += rank == 1
            r5 += rank <= 5
            mrr += 1 / rank
    n = len(cands) or 1
    return {"R@1": round(r1 / n, 4), "R@5": round(r5 / n, 4), "MRR@10": round(mrr / n, 4)}


def score_hybrid(prep: Prepared, half: str, setting: Setting) -> dict[str, float]:
    cands = prep.halves[half]
    return evaluate([hybrid_ranking(c, prep.indexes[setting.heading_weight], setting) for c in cands], cands)


def score_singles(prep: Prepared, half: str) -> dict[str, dict[str, float]]:
    """Dense alone and BM25 alone (BM25 with the shipped tokenisation and heading weight)."""
    cands = prep.halves[half]
    index = prep.indexes[HEADING_WEIGHT]
    return {
        "dense": evaluate([[h.chunk_id for h in c.dense[:10]] for c in cands], cands),
        "bm25": evaluate([[i for i, _ in index.top(c.bm25[HEADING_WEIGHT], 10)] for c in cands], cands),
    }


def verdict(hybrid: dict[str, float], singles: dict[str, dict[str, float]]) -> dict[str, object]:
    best = {m: max(s[m] for s in singles.values()) for m in METRICS}
    return {
        "best_single": best,
        "at_least_best_single_everywhere": all(hybrid[m] >= best[m] for m in METRICS),
        "better_somewhere": any(hybrid[m] > best[m] for m in METRICS),
    }


def tune_objective(prepared: list[Prepared], setting: Setting) -> tuple[float, bool]:
    """Mean MRR@10 over the tuning halves, and whether the setting is at least as good as the better
    single method on every set and metric there."""
    per_set = [score_hybrid(prep, "tune", setting) for prep in prepared]
    singles = [score_singles(prep, "tune") for prep in prepared]
    feasible = all(verdict(m, s)["at_least_best_single_everywhere"] for m, s in zip(per_set, singles, strict=True))
    return round(float(np.mean([m["MRR@10"] for m in per_set])), 5), feasible


def fit(prepared: list[Prepared]) -> tuple[Setting, Setting, list[dict[str, object]]]:
    """Grid search on the tuning halves. Among feasible settings (see tune_objective) the best mean
    MRR@10 wins; ties go to the smaller heading weight, then the larger dense weight. Returns the best
    convex setting, the best RRF setting, and every trial, best first."""
    grid = [
        Setting(w, FusionParams(dense_weight=d, bm25_weight=round(1 - d, 2), candidates=CANDIDATES))
        for w, d in itertools.product(HEADING_WEIGHTS, DENSE_WEIGHTS)
    ] + [
        Setting(w, FusionParams(method="rrf", dense_weight=1.0, bm25_weight=b, rrf_k=k, candidates=CANDIDATES))
        for w, (k, b) in itertools.product(HEADING_WEIGHTS, RRF_GRID)
    ]
    trials = []
    for setting in grid:
        objective, feasible = tune_objective(prepared, setting)
        trials.append({"setting": setting, "objective": objective, "feasible": feasible})

    def rank(t: dict) -> tuple:
        s: Setting = t["setting"]
        return (t["feasible"], t["objective"], -s.heading_weight, s.params.dense_weight)

    best = max((t for t in trials if t["setting"].params.method == "convex"), key=rank)
    best_rrf = max((t for t in trials if t["setting"].params.method == "rrf"), key=rank)
    ordered = sorted(trials, key=rank, reverse=True)
    summary = [
        {**t["setting"].describe(), "tune_mean_mrr10": t["objective"], "feasible": t["feasible"]} for t in ordered
    ]
    return best["setting"], best_rrf["setting"], summary


def quality_report(prepared: list[Prepared], fitted: Setting, fitted_rrf: Setting) -> dict[str, object]:
    """Every method on every half of every set, with the target verdict for the shipped hybrid."""
    out: dict[str, object] = {}
    for prep in prepared:
        per_half = {}
        for half in ("report", "full", "tune"):
            singles = score_singles(prep, half)
            cands = prep.halves[half]
            shipped = evaluate([c.shipped for c in cands], cands)
            rows = {
                **singles,
                "hybrid naive RRF k=60": score_hybrid(prep, half, NAIVE),
                "hybrid tuned RRF": score_hybrid(prep, half, fitted_rrf),
                "hybrid (shipped)": shipped,
            }
            replay = score_hybrid(prep, half, SHIPPED)
            per_half[half] = {
                "questions": len(cands),
                "methods": rows,
                "target": verdict(shipped, singles),
                "replay_matches_real_search": replay == shipped,
            }
        out[prep.eval_set.name] = {"chunks": len(prep.eval_set.chunks), **per_half}
    return out


def print_quality(report: dict[str, object], fitted: Setting) -> None:
    print()
    for name, result in report.items():
        for half, label in (("report", "HELD-OUT report half"), ("full", "full set (includes tuning half)")):
            data = result[half]
            print(f"{name}: {label}, {data['questions']} questions, {result['chunks']} chunks")
            print(f"  {'method':<24}" + "".join(f"{m:>9}" for m in METRICS))
            for method, scores in data["methods"].items():
                print(f"  {method:<24}" + "".join(f"{scores[m]:>9.3f}" for m in METRICS))
            target = data["target"]
            ok = target["at_least_best_single_everywhere"] and target["better_somewhere"]
            print(
                f"  target (hybrid >= best single on every metric, > on some): {'MET' if ok else 'MISSED'}"
                f"   replay == real search: {data['replay_matches_real_search']}\n"
            )
    agrees = fitted == SHIPPED
    print(f"fitted on tuning halves: {fitted.describe()}")
    print(f"shipped defaults:        {SHIPPED.describe()}  -> {'agree' if agrees else 'DIFFER: update the defaults'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skip-latency", action="store_true", help="quality only")
    parser.add_argument("--latency-chunks", type=int, default=10_000)
    args = parser.parse_args()
    started = time.perf_counter()
    folder = data_dir()
    info = machine_info()
    prepared = []
    for load in (load_clapnq, load_covid_faq):
        eval_set = load(folder)
        print(f"{eval_set.name}: {len(eval_set.chunks)} chunks, {len(eval_set.questions)} questions", flush=True)
        prepared.append(prepare(eval_set))
    fitted, fitted_rrf, trials = fit(prepared)
    depth_sensitivity = {
        n: tune_objective(prepared, Setting(fitted.heading_weight, replace(fitted.params, candidates=n)))[0]
        for n in DEPTHS
    }
    print("\ntuning-half mean MRR@10 of the fitted weights by candidate depth:", depth_sensitivity)
    quality = quality_report(prepared, fitted, fitted_rrf)
    print_quality(quality, fitted)
    latency = None
    if not args.skip_latency:
        clapnq, covid = prepared
        latency = measure_latency(clapnq.eval_set, clapnq.vectors, covid.eval_set, covid.vectors, args.latency_chunks)
    payload = {
        "benchmark": "retrieval",
        "machine": info,
        "data": str(folder),
        "split": "sha256(question id)[0] % 2 == 0 -> tune, else report",
        "grid": {
            "heading_weights": HEADING_WEIGHTS,
            "candidates": CANDIDATES,
            "dense_weights": DENSE_WEIGHTS,
            "rrf": [{"rrf_k": k, "bm25_weight": b} for k, b in RRF_GRID],
        },
        "fitted": fitted.describe(),
        "depth_sensitivity_tune_mrr10": depth_sensitivity,
        "fitted_rrf": fitted_rrf.describe(),
        "shipped": SHIPPED.describe(),
        "shipped_matches_fit": fitted == SHIPPED,
        "quality": quality,
        "latency": latency,
        "top_trials": trials[:15],
        "run_seconds": round(time.perf_counter() - started, 1),
    }
    print(f"\nwrote {write_results('retrieval', payload)} in {payload['run_seconds']} s")


if __name__ == "__main__":
    main()
