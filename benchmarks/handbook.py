"""The handbook question set through the real answer graph, no LLM: what an employee would get.

    python benchmarks/handbook.py [--label NAME] [--limit N]

Knowledge: the bundled sample handbook (knowledge/samples), ingested once under benchmarks/.cache/.
Questions: benchmarks/data/handbook_questions.jsonl (written before the judge was refitted; see
benchmarks/data/README.md): follow-ups are asked in a fresh thread after their earlier questions. Each
answer is scored by graphs/evaluate.py: answered citing the gold file, and *right* when it also holds
every key fact. Both halves of the fixed split are printed (the judge's fit used the fit half).
Results: benchmarks/results/handbook[-LABEL].json (``--label before`` was run on the commit before issue 15).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import is_tune, machine_info, write_results
from benchmarks.judge_sets import handbook_set
from config.settings import Settings
from graphs import evidence_model
from graphs.agent import Agent
from graphs.evaluate import Outcome, metrics, run_questions

TARGETS = {"answered_right": 0.80, "unanswerable_declined": 0.85, "p95_ms": 150.0}


def summary(label: str, m: dict) -> str:
    def pct(x: float | None) -> str:
        return "  n/a" if x is None else f"{100 * x:5.1f}%"

    return (
        f"{label}: {m['questions']} questions ({m['answerable_questions']} answerable)\n"
        f"  answerable answered right (gold cited, key facts present) {pct(m['answered_right'])}   target >= 80%\n"
        f"  answerable answered citing gold                        {pct(m['answered_with_gold'])}\n"
        f"  unanswerable declined or handed over                   {pct(m['unanswerable_declined'])}   target >= 85%\n"
        f"  balanced accuracy {m['balanced_accuracy']:.3f}   ECE {m['ece']:.3f}   "
        f"p50/p95 {m['latency_ms']['p50']:.0f}/{m['latency_ms']['p95']:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--label", default="", help="suffix of the results file (e.g. 'before')")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions (a smoke run)")
    args = parser.parse_args()
    judge_set = handbook_set()
    questions = judge_set.questions[: args.limit or None]
    for item in questions:
        item.thread = judge_set.threads.get(item.id, [])
    agent = Agent.from_settings(
        Settings(home=Path(tempfile.mkdtemp(prefix="keel-handbook-")), chroma_url=None), kb=judge_set.kb
    )
    agent.ask("warm up the embedder, the guards and the indexes")
    outcomes = run_questions(
        questions,
        lambda q: agent.ask(q),
        lambda done, total: print(f"  {done}/{total}", flush=True) if done % 50 == 0 else None,
        lambda q, thread: agent.ask(q, thread_id=thread),
    )
    halves: dict[str, list[Outcome]] = {
        "report": [o for o in outcomes if not is_tune(o.item.id)],
        "fit": [o for o in outcomes if is_tune(o.item.id)],
        "all": outcomes,
    }
    results = {name: metrics(part) for name, part in halves.items() if part}
    for name, m in results.items():
        print(summary(name, m))
    wrong = [
        {"id": o.item.id, "question": o.item.question, "decision": o.result.decision, "answer": o.result.answer[:300]}
        for o in outcomes
        if (o.answerable and o.answered and not o.right_answer) or (o.answerable is False and o.answered)
    ]
    write_results(
        f"handbook{'-' + args.label if args.label else ''}",
        {
            "benchmark": "handbook question set through the answer graph (guards, threads), no LLM",
            "questions": "benchmarks/data/handbook_questions.jsonl",
            "judge_model": evidence_model.FITTED_ON,
            "threshold": evidence_model.THRESHOLD,
            "targets": TARGETS,
            "results": results,
            "answered_wrong": wrong,
            "machine": machine_info(),
        },
    )


if __name__ == "__main__":
    main()
