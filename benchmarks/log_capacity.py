"""The SQLite log's write capacity: turns per second committed by one or several processes at once,
each writing through Keel's background log writer (as every Keel process does).

    python benchmarks/log_capacity.py [--processes 1 4]

Part of benchmarks/scale_out.py; runnable alone too (it prints, and writes no results file).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.store.db import open_db
from graphs.result import Citation, GuardVerdict, TurnResult


def sample_turn(n: int) -> TurnResult:
    """A turn the size of a typical answered one: an answer, three citations, five retrieved chunks and
    the guards' verdicts."""
    citations = [Citation(i, f"clapnq/{n}-{i}", "A title", "", f"clapnq-{n}-{i}", 0.7) for i in range(1, 4)]
    return TurnResult(
        decision="answered",
        answer="An extractive answer of a few sentences, as Keel writes it [1]. " * 6,
        citations=citations,
        confidence=0.8,
        timings_ms={"retrieve": 14.0, "judge": 60.0, "check_output": 7.0},
        question=f"What does question number {n} ask about?",
        standalone_question=f"What does question number {n} ask about?",
        verdicts=[GuardVerdict("input", f"check-{i}", True, "allow") for i in range(6)],
        retrieved=[
            {"chunk_id": f"c{n}-{i}", "source": f"s{i}", "score": 0.5, "rank": i + 1, "cited": i < 3} for i in range(5)
        ],
        thread_id=f"slack:C0LOG:{n}.000100",
    )


def write_turns(log_path: str, count: int, ready: Any, go: Any, times: Any) -> None:
    """In a separate process: ``count`` turns through Keel's log writer, all committed (flushed)."""
    from bot.store.writer import LogWriter

    with LogWriter(log_path) as writer:
        turns = [sample_turn(n) for n in range(count)]
        ready.wait()  # every process has started and built its turns
        go.wait()
        started = time.time()
        for n, turn in enumerate(turns):
            writer.record_turn(turn, channel="C0LOG", user="U0LOG", thread_ts=f"{os.getpid()}.{n:06d}")
        writer.flush()
        times.put((started, time.time()))


def log_capacity(folder: Path, processes: int, turns_each: int = 300) -> dict[str, float]:
    """Turns per second committed to one SQLite log by ``processes`` processes writing at once, each with
    Keel's background log writer (as every Keel process has): from the first write to the last commit."""
    log_path = folder / f"log-capacity-{processes}.db"
    open_db(log_path).close()  # migrated once, before the clock starts
    context = multiprocessing.get_context("spawn")
    ready, go, times = context.Barrier(processes + 1), context.Barrier(processes + 1), context.Queue()
    writers = [
        context.Process(target=write_turns, args=(str(log_path), turns_each, ready, go, times))
        for _ in range(processes)
    ]
    for writer in writers:
        writer.start()
    ready.wait()
    go.wait()
    spans = [times.get(timeout=300) for _ in writers]
    for writer in writers:
        writer.join()
    db = open_db(log_path)
    try:
        stored = db["turns"].count
    finally:
        db.close()
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    return {"processes": processes, "turns": stored, "turns_per_s": round(stored / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="keel-log-capacity-") as folder:
        for processes in args.processes:
            print(log_capacity(Path(folder), processes))


if __name__ == "__main__":
    main()
