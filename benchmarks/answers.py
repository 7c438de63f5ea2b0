"""Answer or decline, with no LLM: Keel's evidence judge and extractive answerer on ClapNQ.

    python benchmarks/answers.py [--limit N]

Knowledge: all 600 ClapNQ passages (one chunk each, as in benchmarks/retrieval.py), embedded once and
kept under benchmarks/.cache/ (git-ignored). Questions: the 300 answerable (gold = the question's own
passage) and the 300 unanswerable ones (their passage looks relevant but does not answer). Every
question goes through ``answer()`` below (retrieve -> judge -> compose), and graphs/evaluate.py scores
the turns.

The judge's model was fitted by benchmarks/fit_evidence.py on the tuning half (a hash of the question
id, benchmarks/common.py:is_tune); the figures we quote are the report half's. The full set is printed
too, labelled. Results: benchmarks/results/answers.json.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, data_dir, is_tune, machine_info, write_results
from benchmarks.judge_sets import clapnq_set
from config.settings import Settings
from graphs import evidence_model
from graphs.evaluate import EvalQuestion, Outcome, metrics, run_questions
from graphs.evidence import judge_evidence, passages_to_read, search_for_judging
from graphs.extractive import compose_answer
from graphs.question import analyse_question
from graphs.result import TurnResult
from knowledge.base import KnowledgeBase

CACHE = REPO / "benchmarks" / ".cache" / "answers-kb"
TOP_K = 5
TARGETS = {"answered_with_gold": 0.85, "unanswerable_declined": 0.85, "p95_ms": 150.0}


def clapnq_knowledge(folder: Path) -> tuple[KnowledgeBase, list[EvalQuestion]]:
    """The knowledge base of all 600 passages (built once, then reused) and the 600 labelled questions,
    with their reference answers (benchmarks/judge_sets.py)."""
    judge_set = clapnq_set(folder)
    return judge_set.kb, judge_set.questions


def make_answerer(kb: KnowledgeBase):
    """Retrieve, judge, compose: the no-LLM path of the answer graph in one function."""

    vocabulary = kb.vocabulary()

    def answer(question: str) -> TurnResult:
        profile = analyse_question(question, vocabulary)  # with the collection's word statistics, as the graph
        hits = search_for_judging(kb, profile, TOP_K)
        judgement = judge_evidence(profile, hits, stored=kb.sentences_of(passages_to_read(profile, hits)))
        if not judgement.sufficient:
            return TurnResult("handed_over", "", confidence=judgement.confidence, reasons=judgement.reasons)
        text, citations = compose_answer(question, judgement, passages=hits)
        return TurnResult("answered", text, citations, confidence=judgement.confidence)

    return answer


def make_graph_answerer(kb: KnowledgeBase, home: Path):
    """The product path: the compiled answer graph with the guards, as `keel eval` runs it."""
    from graphs.agent import Agent

    agent = Agent.from_settings(Settings(home=home, chroma_url=None), kb=kb)
    return lambda question: agent.ask(question)


def report_table(label: str, m: dict) -> list[str]:
    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{100 * x:5.1f}%"

    def mark(ok: bool) -> str:
        return "met" if ok else "MISSED"

    gold, declined, p95 = m["answered_with_gold"], m["unanswerable_declined"], m["latency_ms"]["p95"]
    return [
        f"{label} ({m['questions']} questions: {m['answerable_questions']} answerable, "
        f"{m['unanswerable_questions']} unanswerable)",
        f"  answerable answered citing the gold passage  {pct(gold)}   target >= 85%  "
        f"{mark(gold >= TARGETS['answered_with_gold'])}",
        f"  unanswerable declined (handed over/refused)   {pct(declined)}   target >= 85%  "
        f"{mark(declined >= TARGETS['unanswerable_declined'])}",
        f"  balanced accuracy (right answers, declines)   {m['balanced_accuracy']:.3f}",
        f"  answerable answered right (gold + reference)  {pct(m['answered_right'])}   "
        f"(mean reference recall {m['mean_reference_recall']})",
        f"  answerable answered (any citation)            {pct(m['answerable_answered'])}",
        f"  hand-over precision / recall                  {m['handover_precision']:.3f} / {m['handover_recall']:.3f}",
        f"  latency p50 / p95                             {m['latency_ms']['p50']:.0f} / {p95:.0f} ms   "
        f"target p95 < 150 ms  {mark(p95 < TARGETS['p95_ms'])}",
        f"  expected calibration error                    {m['ece']:.3f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (a smoke run)")
    parser.add_argument(
        "--path",
        choices=("graph", "direct"),
        default="graph",
        help="graph: the whole answer graph with guards (default, what `keel eval` runs); "
        "direct: retrieve -> judge -> compose only",
    )
    args = parser.parse_args()
    info = machine_info()
    kb, questions = clapnq_knowledge(data_dir())
    if args.limit:
        questions = questions[: args.limit // 2] + questions[-(args.limit - args.limit // 2) :]
    threads_home = Path(tempfile.mkdtemp(prefix="keel-answers-"))
    answer = make_graph_answerer(kb, threads_home) if args.path == "graph" else make_answerer(kb)
    answer("warm up the embedder, the guards and the indexes")

    def progress(done: int, total: int) -> None:
        if done % 100 == 0 or done == total:
            print(f"  {done}/{total} questions", flush=True)

    outcomes = run_questions(questions, answer, progress)
    halves: dict[str, list[Outcome]] = {
        "report": [o for o in outcomes if not is_tune(o.item.id)],
        "tune": [o for o in outcomes if is_tune(o.item.id)],
        "full": outcomes,
    }
    results = {name: metrics(part) for name, part in halves.items() if part}
    labels = {
        "report": "HELD-OUT report half (the figures we quote)",
        "tune": "tuning half (the judge was fitted on it)",
        "full": "full set (tuning half included)",
    }
    for name, m in results.items():
        print("\n".join(report_table(labels[name], m)) + "\n")
    write_results(
        "answers",
        {
            "benchmark": "ClapNQ answer-or-decline, no LLM",
            "path": "the compiled answer graph with guards (graphs.agent.Agent.ask)"
            if args.path == "graph"
            else "retrieve -> judge_evidence -> compose_answer",
            "knowledge": "600 ClapNQ passages, one chunk each",
            "split": "tune = sha256(question id)[0] even (benchmarks/common.py:is_tune); report = the rest",
            "judge_model": evidence_model.FITTED_ON,
            "threshold": evidence_model.THRESHOLD,
            "top_k": TOP_K,
            "targets": TARGETS,
            "quoted": "report",
            "results": results,
            "machine": info,
            "examples": _examples(halves["report"]),
        },
    )


def _examples(outcomes: list[Outcome], n: int = 4) -> list[dict]:
    """A few report-half turns of each kind, so a reader can see what the numbers mean."""
    picked = []
    for answerable in (True, False):
        group = [o for o in outcomes if o.item.answerable is answerable][:n]
        picked += [
            {
                "question": o.item.question,
                "answerable": answerable,
                "decision": o.result.decision,
                "cites_gold": o.cites_gold if answerable else None,
                "confidence": o.result.confidence,
                "answer": o.result.answer[:400],
                "reasons": o.result.reasons,
            }
            for o in group
        ]
    return picked


if __name__ == "__main__":
    main()
