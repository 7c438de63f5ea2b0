"""Start-up: how long a person waits for ``keel`` before any work of theirs is done.

    python benchmarks/startup.py [--runs 5] [--workers 2]

Every figure is a fresh process, as a person or a platform starts one (the ``keel`` console script of
this environment), timed from its start to its end, or to its first answer on ``/healthz``:

- ``keel --help`` (target < 0.5 s) and ``keel sources`` (< 1 s);
- ``keel ask`` on the bundled sample handbook (< 3 s), end to end: imports, models, guards, retrieval,
  the answer, the output;
- ``keel serve --http`` (< 5 s to the first ``/healthz`` answer, which says "warming up" until the answer
  workers have loaded their models; the time until it says ``ok`` is recorded beside it). Slack is the
  Slack emulator on 127.0.0.1 (tests/slack_emulator), as in benchmarks/slack_ack.py.

The knowledge base is the sample handbook in a throwaway ``KEEL_HOME``, ingested first (not timed). Each
command runs once untimed before its timed runs, so the files are in the page cache and Python's bytecode
caches exist, as on a machine where Keel is installed and has run once (this sandbox sets
``PYTHONDONTWRITEBYTECODE``; the benchmark's processes run without it). The machine is shared: each run's
1-minute load average is recorded, and a target counts as met when the median is under it.

Results: benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from benchmarks.common import REPO, machine_info, temporary_home, write_results
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator

QUESTION = "How many vacation days do contractors get?"
TARGETS_S = {"help": 0.5, "sources": 1.0, "ask": 3.0, "serve_first_health": 5.0}
# Measured before issue 18 (commit 7c012d2, `time keel ...`, 3 runs, load average about 1).
BEFORE_S = {"help": [5.56, 5.71, 6.47], "sources": [4.27, 4.65, 4.81], "ask": [6.66, 7.15, 7.78]}
# This benchmark's medians at commit e3f9079 (lazy imports; 5 runs, load average 0.5-1.6), before the
# shipped word lists, the skipped chromadb override checks and the one-shot commands' garbage collection.
PREVIOUS_S = {"help": 0.211, "sources": 1.095, "ask": 4.766, "serve_first_health": 0.562, "serve_ready": 5.019}
SERVE_TIMEOUT_S = 300


def keel_command() -> list[str]:
    """The console script installed beside this interpreter, else the same entry point through -c."""
    script = Path(sys.executable).parent / "keel"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import app; app()"]


def run_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("KEEL_")}
    return {**env, "KEEL_HOME": str(home), "NO_PROXY": "127.0.0.1,localhost", **extra}


def timed_command(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run([*keel_command(), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"keel {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return elapsed


def measure_command(name: str, args: list[str], env: dict[str, str], runs: int) -> dict[str, object]:
    timed_command(args, env)  # untimed: page cache and bytecode caches, as after the first use
    samples, loads = [], []
    for _ in range(runs):
        loads.append(round(os.getloadavg()[0], 2))
        samples.append(timed_command(args, env))
    print(f"  {name}: " + ", ".join(f"{s:.2f}" for s in samples) + " s")
    return summary(name, samples, loads)


def serve_once(env: dict[str, str], workers: int) -> tuple[float, float]:
    """Seconds from starting ``keel serve --http`` to its first /healthz answer, and to its first 200."""
    port = free_port()
    args = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    url = f"http://127.0.0.1:{port}/healthz"
    started = time.perf_counter()
    process = subprocess.Popen(
        [*keel_command(), *args], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    first = ready = None
    try:
        while ready is None:
            if process.poll() is not None:
                sys.exit(f"keel serve exited with {process.returncode}:\n{(process.stdout.read() or '')[-3000:]}")
            if time.perf_counter() - started > SERVE_TIMEOUT_S:
                sys.exit("keel serve did not become ready in time")
            try:
                status = httpx.get(url, timeout=2).status_code
            except httpx.HTTPError:
                time.sleep(0.02)
                continue
            now = time.perf_counter() - started
            first = now if first is None else first
            ready = now if status == 200 else None
            time.sleep(0.02)
    finally:
        process.terminate()
        process.communicate(timeout=120)
    assert first is not None
    return first, ready


def measure_serve(env: dict[str, str], runs: int, workers: int) -> tuple[dict[str, object], dict[str, object]]:
    serve_once(env, workers)  # untimed, as for the commands
    firsts, readies, loads = [], [], []
    for _ in range(runs):
        loads.append(round(os.getloadavg()[0], 2))
        first, ready = serve_once(env, workers)
        firsts.append(first)
        readies.append(ready)
    print("  serve first /healthz: " + ", ".join(f"{s:.2f}" for s in firsts) + " s")
    print("  serve ready (200):    " + ", ".join(f"{s:.2f}" for s in readies) + " s")
    return summary("serve_first_health", firsts, loads), summary("serve_ready", readies, loads)


def summary(name: str, samples: list[float], loads: list[float]) -> dict[str, object]:
    median = statistics.median(samples)
    target = TARGETS_S.get(name)
    result: dict[str, object] = {
        "median_s": round(median, 3),
        "max_s": round(max(samples), 3),
        "runs_s": [round(s, 3) for s in samples],
        "load_average_1m": loads,
    }
    if target is not None:
        result |= {"target_s": target, "target_met": median < target, "max_within_target": max(samples) < target}
    if name in BEFORE_S:
        result["before_median_s"] = statistics.median(BEFORE_S[name])
    if name in PREVIOUS_S:
        result["previous_median_s"] = PREVIOUS_S[name]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="answer processes for keel serve (the cores here)")
    args = parser.parse_args()

    with temporary_home() as home, SlackEmulator() as slack:
        env = run_env(home)
        started = time.perf_counter()
        subprocess.run([*keel_command(), "ingest", "--samples"], env=env, cwd=REPO, check=True, capture_output=True)
        print(f"ingested the sample handbook in {time.perf_counter() - started:.0f}s (not timed)")
        print(f"timing {args.runs} cold runs each:")
        figures = {
            "help": measure_command("help", ["--help"], env, args.runs),
            "sources": measure_command("sources", ["sources"], env, args.runs),
            "ask": measure_command("ask", ["ask", QUESTION], env, args.runs),
        }
        slack_env = run_env(
            home,
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=slack.signing_secret,
            KEEL_SLACK_API_URL=slack.api_url,
        )
        figures["serve_first_health"], figures["serve_ready"] = measure_serve(slack_env, args.runs, args.workers)

    result = {
        "benchmark": "startup",
        "machine": machine_info(),
        "params": {
            "runs": args.runs,
            "command": " ".join(keel_command()),
            "knowledge": "the bundled sample handbook (knowledge/samples), ingested first, not timed",
            "question": QUESTION,
            "llm": "none (extractive answers)",
            "serve": f"keel serve --http --workers {args.workers}, Slack emulator on 127.0.0.1",
            "caches": "one untimed run of each command first (page cache, bytecode caches)",
            "before": "before_median_s: `time keel ...` at commit 7c012d2 (3 runs, load average about 1)",
            "previous": "previous_median_s: this benchmark at commit e3f9079 (5 runs, load average 0.5-1.6)",
        },
        "targets_s": TARGETS_S,
        "figures": figures,
        "all_targets_met": all(f.get("target_met", True) for f in figures.values()),
    }
    path = write_results("startup", result)
    print_table(figures, path)


def print_table(figures: dict[str, dict[str, object]], path: Path) -> None:
    print(f"\n{'what':<22}{'median s':>10}{'max s':>8}{'target s':>10}{'met':>6}{'before s':>10}{'previous s':>12}")
    for name, f in figures.items():
        target = f.get("target_s", "–")
        met = "–" if "target_met" not in f else ("yes" if f["target_met"] else "NO")
        before, previous = f.get("before_median_s", "–"), f.get("previous_median_s", "–")
        print(f"{name:<22}{f['median_s']:>10}{f['max_s']:>8}{target!s:>10}{met:>6}{before!s:>10}{previous!s:>12}")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
