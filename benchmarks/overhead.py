"""Per-question time without any LLM: guards + retrieval + graph + log, at 1k and 10k chunks.

    python benchmarks/overhead.py [--sizes 1000 10000] [--questions 200]

Each question goes through the compiled answer graph with the guards (``Agent.ask``, extractive, no
LLM) and its turn is then written to the SQLite log synchronously (``record_turn``), so the figure is
what a question costs Keel itself. Knowledge: the ClapNQ passages with their real vectors and sentence
vectors (as ingestion stores them), topped up to the target size with synthetic chunks (see
benchmarks/latency.py) whose sentences reuse their parent passage's sentence vectors. Questions: ClapNQ's, answerable and
unanswerable alternating. Target (issue 8): p95 < 50 ms at 10k chunks. Results: benchmarks/results/overhead.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import data_dir, load_clapnq, machine_info, percentiles, temporary_home, write_results
from benchmarks.latency import fill_knowledge
from bot.store import open_db
from bot.store.turns import record_turn
from config.settings import get_settings
from graphs.agent import Agent
from knowledge.base import KnowledgeBase
from knowledge.embed import default_embedder
from knowledge.sentence_vectors import embed_chunks
from knowledge.store import StoredSentence

TARGET_P95_MS = 50.0
WARM_UP = 10


def measure(
    size: int, clapnq, vectors: np.ndarray, sentences: list[list[StoredSentence]], questions: list[str]
) -> dict[str, object]:
    extra = max(0, size - len(clapnq.chunks))
    with temporary_home():
        settings = get_settings(fresh=True)
        kb = KnowledgeBase(settings)
        fill_knowledge(kb, clapnq, vectors, sentences, size)
        agent = Agent.from_settings(settings, kb=kb)
        default_embedder().forget_recent()  # the previous size asked the same questions
        db = open_db(settings.log_path)
        for q in questions[:WARM_UP]:
            record_turn(db, agent.ask(q), channel="CBENCH", user="UBENCH")
        total, log_ms, stages = [], [], {}
        load_before = os.getloadavg()
        for q in questions:
            started = time.perf_counter()
            result = agent.ask(q)
            written = time.perf_counter()
            record_turn(db, result, channel="CBENCH", user="UBENCH")
            done = time.perf_counter()
            total.append((done - started) * 1000)
            log_ms.append((done - written) * 1000)
            for stage, ms in result.timings_ms.items():
                stages.setdefault(stage, []).append(ms)
        load_after = os.getloadavg()
    return {
        "chunks": size,
        "synthetic_chunks": extra if size > len(clapnq.chunks) else 0,
        "questions": len(questions),
        "per_question": percentiles(total),
        "log_write": percentiles(log_ms),
        "stages": {stage: percentiles(times) for stage, times in sorted(stages.items())},
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in load_after]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    info = machine_info()
    clapnq = load_clapnq(data_dir())
    print(f"embedding {len(clapnq.chunks)} ClapNQ passages and their sentences once ...", flush=True)
    embedder = default_embedder()
    vectors, _, sentences = embed_chunks(clapnq.chunks, embedder, embedder)
    answerable = [q.text for q in clapnq.questions if q.gold]
    others = [q.text for q in clapnq.questions if not q.gold]
    mixed = [q for pair in zip(answerable, others, strict=False) for q in pair] or answerable
    questions = (mixed * (args.questions // max(1, len(mixed)) + 1))[: args.questions]
    runs = []
    for size in args.sizes:
        print(f"\n{size} chunks: {len(questions)} questions through the graph + log ...", flush=True)
        run = measure(size, clapnq, vectors, sentences, questions)
        p = run["per_question"]
        print(
            f"  per question p50 {p['p50_ms']:.1f} ms, p95 {p['p95_ms']:.1f} ms (log write p95 "
            f"{run['log_write']['p95_ms']:.1f} ms)"
        )
        for stage, s in run["stages"].items():
            print(f"    {stage:<14} p50 {s['p50_ms']:6.1f}  p95 {s['p95_ms']:6.1f} ms")
        runs.append(run)
    largest = max(runs, key=lambda r: r["chunks"])
    met = largest["per_question"]["p95_ms"] < TARGET_P95_MS
    print(f"\ntarget p95 < {TARGET_P95_MS:.0f} ms at {largest['chunks']} chunks: {'MET' if met else 'MISSED'}")
    write_results(
        "overhead",
        {
            "benchmark": "per-question time excluding any LLM: guards + retrieval + graph + SQLite log",
            "target_p95_ms": TARGET_P95_MS,
            "target_met": met,
            "runs": runs,
            "machine": info,
        },
    )


if __name__ == "__main__":
    main()
