"""Scale-out: 1, 2 and 4 Keel HTTP instances answering at once against one Chroma server and one log.

    python benchmarks/scale_out.py [--workers 1 2 4] [--rounds 3] [--questions 40] [--concurrency 8]

What runs, all on 127.0.0.1 and all real except Slack itself:

- a Chroma server (``chroma run``) holding the ClapNQ passages with their real vectors, topped up to
  ``--chunks`` (default 10,000) with synthetic chunks (see benchmarks/latency.py), and the BM25 index;
- four Keel instances, each ``keel serve --http --workers 1`` (waitress + Bolt in one process, the
  answer graph in one worker process), all with the same ``KEEL_HOME`` (one SQLite log, one delivery
  ledger, one checkpointer) and ``KEEL_CHROMA_URL``; no LLM (extractive answers, the default);
- this process plays Slack: the Slack emulator receives Keel's Web API calls, and a closed-loop driver
  keeps ``--concurrency`` questions in flight, each a signed ``app_mention`` delivery posted over HTTP to
  the first N instances in turn (round robin, as a load balancer would; the others stay idle).

Each worker count is measured ``--rounds`` times, in alternating order (1-2-4, 4-2-1, ...), so a machine
that gets busier or quieter during the run does not favour one of them. Measured per worker count:
answered questions per second (questions / time from the first delivery to the last reply; the median
round), per-question latency from the delivery to Keel's reply arriving at the emulator (p50/p95 over
every round), errors (refused deliveries, missing replies, apologies, ERROR lines in Keel's logs), the
CPU each kind of process used, and the load average. At the end every delivery is sent again as Slack's
retry (``X-Slack-Retry-Num: 1``) to a *different* instance: each question must still have exactly one
reply in Slack and one turn in the log. Last, the SQLite log's write capacity: turns per second
committed by one process and by four processes writing at once (each with Keel's log writer).

Results: benchmarks/results/scale_out.json.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from benchmarks.common import data_dir, load_clapnq, machine_info, temporary_home, write_results
from benchmarks.keel_cluster import (
    Instance,
    ReplyWatcher,
    Thread,
    cpu_by_role,
    start_instance,
    usage_by_role,
    wait_until_listening,
)
from benchmarks.latency import fill_knowledge
from benchmarks.log_capacity import log_capacity
from bot.store.db import open_db
from config.settings import get_settings
from knowledge.base import KnowledgeBase
from knowledge.embed import default_embedder
from knowledge.sentence_vectors import embed_chunks
from tests.servers import ChromaServer
from tests.slack_emulator import SlackEmulator

REPLY_TIMEOUT_S = 120
WARM_UP_PER_INSTANCE = 3
CHANNELS = 8
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


# -- the knowledge ----------------------------------------------------------------------------------
def load_knowledge(size: int) -> tuple[int, float, list[str]]:
    """ClapNQ passages (embedded now) plus synthetic chunks, into the Chroma server KEEL_CHROMA_URL names;
    then the BM25 index. Returns (chunks, seconds, questions)."""
    clapnq = load_clapnq(data_dir())
    started = time.perf_counter()
    kb = KnowledgeBase(get_settings(fresh=True))
    print(f"embedding {len(clapnq.chunks)} ClapNQ passages and their sentences ...", flush=True)
    embedder = default_embedder()
    vectors, _, sentences = embed_chunks(clapnq.chunks, embedder, embedder)
    fill_knowledge(kb, clapnq, vectors, sentences, size)
    count = kb.store.count()
    answerable = [q.text for q in clapnq.questions if q.gold]
    return count, time.perf_counter() - started, answerable


# -- the load driver --------------------------------------------------------------------------------
@dataclass
class Asked:
    payload: dict
    worker: int
    sent_at: float
    status: int
    thread: Thread


def ask(slack: SlackEmulator, watcher: ReplyWatcher, urls: list[str], n: int, question: str, tag: str) -> Asked:
    """Deliver one question to instance ``n % len(urls)`` and wait for Keel's reply in its thread."""
    payload = slack.payloads.event_app_mention(question, f"U0{tag}{n:04d}", f"C0SCALE{n % CHANNELS}")
    slack.ingest(payload)  # the message exists in Slack before Slack tells the app about it
    thread = watcher.expect(payload["event"]["ts"])
    worker = n % len(urls)
    sent_at = time.time()
    status = slack.sign_and_post(urls[worker], payload).status
    if status == 200:
        thread.arrived.wait(REPLY_TIMEOUT_S)
    return Asked(payload, worker, sent_at, status, thread)


def drive(
    slack: SlackEmulator, watcher: ReplyWatcher, urls: list[str], questions: list[str], concurrency: int, tag: str
):
    """A closed loop: ``concurrency`` askers, each sending its next question once the last was answered."""
    with ThreadPoolExecutor(concurrency, thread_name_prefix="asker") as askers:
        return list(askers.map(lambda nq: ask(slack, watcher, urls, nq[0], nq[1], tag), enumerate(questions)))


def redeliver(slack: SlackEmulator, urls: list[str], asked: list[Asked], concurrency: int) -> list[int]:
    """Every delivery again, as Slack's first retry, to the next instance in the rotation."""

    def again(a: Asked) -> int:
        target = urls[(a.worker + 1) % len(urls)]
        return slack.sign_and_post(target, a.payload, retry_num=1).status

    with ThreadPoolExecutor(concurrency) as senders:
        return list(senders.map(again, asked))


def wait_for_quiet(watcher: ReplyWatcher, quiet_s: float = 3.0) -> None:
    """Until Keel has made no Web API call for ``quiet_s`` (a late duplicate would show up by then)."""
    seen = -1
    while seen != watcher.calls_seen():
        seen = watcher.calls_seen()
        time.sleep(quiet_s)


def logged(log_path: Path, thread_ts: set[str], timeout: float = 30) -> tuple[Counter, Counter]:
    """Turns and hand-overs per question thread in the SQLite log, once every thread has its turn (the
    answer workers write the log in the background) or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        db = open_db(log_path)
        try:
            turns = Counter(ts for (ts,) in db.execute("SELECT thread_ts FROM turns") if ts in thread_ts)
            handovers = Counter(ts for (ts,) in db.execute("SELECT thread_ts FROM handovers") if ts in thread_ts)
        finally:
            db.close()
        if len(turns) == len(thread_ts) or time.monotonic() > deadline:
            return turns, handovers
        time.sleep(0.5)


def histogram(values: list[int]) -> dict[str, int]:
    return {str(k): v for k, v in sorted(Counter(values).items())}


# -- measuring ---------------------------------------------------------------------------------------
def stats(samples_ms: list[float]) -> dict[str, float]:
    if not samples_ms:
        return {"n": 0}
    values = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "max_ms": round(float(values.max()), 1),
        "n": len(samples_ms),
    }


def measure_step(
    slack: SlackEmulator,
    watcher: ReplyWatcher,
    instances: list[Instance],
    questions: list[str],
    concurrency: int,
    roles: dict[int, str],
    tag: str,
) -> tuple[dict, list[Asked]]:
    """One burst of ``questions`` kept ``concurrency`` deep, spread over ``instances`` round robin."""
    errors_before = sum(i.errors() for i in instances)
    load_before, cpu_before = os.getloadavg(), cpu_by_role(roles)
    started = time.time()
    asked = drive(slack, watcher, [i.url for i in instances], questions, concurrency, tag)
    cpu_after, load_after = cpu_by_role(roles), os.getloadavg()
    answered = [a for a in asked if a.thread.first_reply_at is not None]
    finished = max((a.thread.first_reply_at for a in answered), default=started)
    cpu = {role: round(cpu_after.get(role, 0) - cpu_before.get(role, 0), 1) for role in sorted(cpu_after)}
    step = {
        "workers": len(instances),
        "throughput_qps": round(len(answered) / max(1e-9, finished - started), 2),
        "latencies_ms": [round((a.thread.first_reply_at - a.sent_at) * 1000, 1) for a in answered],
        "errors": {
            "deliveries_refused": sum(a.status != 200 for a in asked),
            "no_reply": len(asked) - len(answered),
            "keel_log_errors": sum(i.errors() for i in instances) - errors_before,
        },
        "cpu_seconds": cpu,
        # CPU seconds per second of the step: how many of the machine's cores Keel's processes (and the
        # Chroma server, the driver and the emulator) actually got; the rest went to other work.
        "cores_used": round(sum(cpu.values()) / max(1e-9, finished - started), 2),
        "load_average_1m": [round(load_before[0], 2), round(load_after[0], 2)],
    }
    return step, asked


def exactly_once(asked: list[Asked], turns: Counter, handovers: Counter, retry_statuses: list[int]) -> dict:
    """One reply and one logged turn per question (after every delivery came twice, to two instances);
    a hand-over announced and logged at most once."""
    replies = [a.thread.replies for a in asked]
    announcements = [a.thread.announcements for a in asked]
    turn_counts = [turns.get(a.payload["event"]["ts"], 0) for a in asked]
    handover_counts = [handovers.get(a.payload["event"]["ts"], 0) for a in asked]
    return {
        "exactly_once": set(replies) == set(turn_counts) == {1}
        and max(announcements) <= 1
        and max(handover_counts) <= 1,
        "replies_per_question": histogram(replies),
        "turns_logged_per_question": histogram(turn_counts),
        "handover_announcements_per_question": histogram(announcements),
        "handovers_logged_per_question": histogram(handover_counts),
        "apologies": sum(a.thread.apologies for a in asked),
        "retries_refused": sum(s != 200 for s in retry_statuses),
    }


def summarise(workers: int, steps: list[dict], checks: dict) -> dict:
    """One worker count over every round: the median round's throughput, latencies pooled."""
    mine = [s for s in steps if s["workers"] == workers]
    cpu = Counter()
    for step in mine:
        cpu.update(step["cpu_seconds"])
    answered = sum(len(s["latencies_ms"]) for s in mine)
    errors = Counter()
    for step in mine:
        errors.update(step["errors"])
    errors.update({"apologies": checks.pop("apologies"), "retries_refused": checks.pop("retries_refused")})
    return {
        "workers": workers,
        "throughput_qps": round(float(np.median([s["throughput_qps"] for s in mine])), 2),
        "throughput_per_round_qps": [s["throughput_qps"] for s in mine],
        "latency": stats([v for s in mine for v in s["latencies_ms"]]),
        "p95_per_round_ms": [stats(s["latencies_ms"]).get("p95_ms") for s in mine],
        "errors": dict(errors),
        **checks,
        "cpu_ms_per_question": round(sum(cpu.values()) * 1000 / max(1, answered), 1),
        "cores_used_per_round": [s["cores_used"] for s in mine],
        "cpu_seconds_by_process": {role: round(v, 1) for role, v in sorted(cpu.items())},
        "load_average_1m_per_round": [s["load_average_1m"] for s in mine],
    }


def ratios(summaries: list[dict]) -> dict[str, float]:
    """Each worker count against one worker: throughput and p95 latency."""
    base = summaries[0]
    out = {}
    for s in summaries[1:]:
        name = f"{s['workers']}w/{base['workers']}w"
        out[f"throughput {name}"] = round(s["throughput_qps"] / base["throughput_qps"], 2)
        out[f"p95 {name}"] = round(s["latency"]["p95_ms"] / base["latency"]["p95_ms"], 2)
    return out


# -- the run ----------------------------------------------------------------------------------------
def start_all(count: int, home: Path, answer_processes: int, roles: dict[int, str]) -> list[Instance]:
    instances = [start_instance(n + 1, home, answer_processes) for n in range(count)]
    for instance in instances:
        wait_until_listening(instance)
        roles[instance.process.pid] = "keel http"
    return instances


def measure_all(slack: SlackEmulator, args: argparse.Namespace, home: Path, roles: dict[int, str], pool: list[str]):
    """Start the instances, warm them up, run the rounds, then check exactly once over everything."""
    watcher = ReplyWatcher(slack)
    instances: list[Instance] = []
    try:
        started = time.perf_counter()
        instances = start_all(max(args.workers), home, args.answer_processes, roles)
        start_s = time.perf_counter() - started
        print(f"{len(instances)} Keel instances listening ({start_s:.0f}s to start); warming up ...", flush=True)
        questions = itertools.cycle(pool)
        warm = list(itertools.islice(questions, WARM_UP_PER_INSTANCE * len(instances)))
        drive(slack, watcher, [i.url for i in instances], warm, args.concurrency, "WARM")
        steps, asked_by_workers = [], {w: [] for w in args.workers}
        for round_number in range(args.rounds):
            # Alternate the order, so a machine getting busier or quieter does not favour one worker count.
            for workers in args.workers if round_number % 2 == 0 else args.workers[::-1]:
                batch = list(itertools.islice(questions, args.questions))
                tag = f"R{round_number}W{workers}N"
                step, asked = measure_step(slack, watcher, instances[:workers], batch, args.concurrency, roles, tag)
                steps.append({"round": round_number + 1, **step})
                asked_by_workers[workers] += asked
                lat = stats(step["latencies_ms"])
                print(
                    f"  round {round_number + 1}, {workers} worker(s): {step['throughput_qps']:.2f} questions/s, "
                    f"p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms; {step['cores_used']} cores used "
                    f"(load {step['load_average_1m'][1]})",
                    flush=True,
                )
        memory = {
            role: {"processes": int(u["processes"]), "rss_mb": round(u["rss_mb"]), "cpu_s": round(u["cpu_s"], 1)}
            for role, u in sorted(usage_by_role(roles).items())
        }
        print("redelivering every question as Slack's retry, to another instance ...", flush=True)
        everything = [a for asked in asked_by_workers.values() for a in asked]
        retry_statuses = redeliver(slack, [i.url for i in instances], everything, args.concurrency)
        wait_for_quiet(watcher)
        turns, handovers = logged(get_settings().log_path, {a.payload["event"]["ts"] for a in everything})
        summaries = []
        retry_status = {id(a): status for a, status in zip(everything, retry_statuses, strict=True)}
        for workers, asked in asked_by_workers.items():
            statuses = [retry_status[id(a)] for a in asked]
            summaries.append(summarise(workers, steps, exactly_once(asked, turns, handovers, statuses)))
        return summaries, steps, start_s, memory
    finally:
        watcher.close()
        for instance in instances:
            instance.stop()


def run(args: argparse.Namespace) -> dict:
    info = machine_info()
    with temporary_home() as home, SlackEmulator() as slack:
        for name in PROXY_VARIABLES:  # everything is on 127.0.0.1
            os.environ.pop(name, None)
        chroma = ChromaServer(home / "chroma-server").start()
        try:
            os.environ.update(
                KEEL_CHROMA_URL=chroma.url,
                SLACK_BOT_TOKEN=slack.bot_token,
                SLACK_SIGNING_SECRET=slack.signing_secret,
                KEEL_SLACK_API_URL=slack.api_url,
            )
            chunks, ingest_s, pool = load_knowledge(args.chunks)
            print(f"Chroma server {chroma.url}: {chunks} chunks loaded in {ingest_s:.0f}s", flush=True)
            roles = {os.getpid(): "driver + Slack emulator", chroma._proc.pid: "chroma server"}
            summaries, steps, start_s, processes = measure_all(slack, args, home, roles, pool)
        finally:
            chroma.stop()
            os.environ.pop("KEEL_CHROMA_URL", None)
        print("the log's write capacity: 1 and 4 processes writing turns at once ...", flush=True)
        log = [log_capacity(home, processes) for processes in (1, max(args.workers))]
        rejected = len(slack.rejected_calls())
    return {
        "benchmark": "scale_out",
        "machine": info,
        "params": {
            "workers": args.workers,
            "rounds": args.rounds,
            "questions_per_step": args.questions,
            "concurrency": args.concurrency,
            "chunks": chunks,
            "knowledge": f"ClapNQ passages (real vectors) + synthetic chunks, {chunks} in all, in a Chroma server",
            "instance": f"keel serve --http --workers {args.answer_processes}: one HTTP process (waitress + Bolt) "
            f"and {args.answer_processes} answer worker process(es); all instances share KEEL_HOME (log, "
            "delivery ledger, checkpointer) and the Chroma server",
            "load_balancer": "round robin in the driver; each retry goes to the next instance",
            "llm": "none (extractive answers)",
            "ingest_s": round(ingest_s, 1),
            "instances_started_s": round(start_s, 1),
        },
        "results": summaries,
        "ratios": ratios(summaries),
        "log_write_capacity": log,
        # After the rounds, every instance up: resident memory and CPU seconds since start, per kind of process.
        "processes": processes,
        "rejected_slack_calls": rejected,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "steps": [{k: v for k, v in s.items() if k != "latencies_ms"} for s in steps],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="Keel instances per step")
    parser.add_argument("--rounds", type=int, default=3, help="times each worker count is measured")
    parser.add_argument("--questions", type=int, default=40, help="questions per step")
    parser.add_argument("--concurrency", type=int, default=8, help="questions in flight at once")
    parser.add_argument("--chunks", type=int, default=10000, help="chunks in the Chroma server")
    parser.add_argument("--answer-processes", type=int, default=1, help="answer worker processes per instance")
    parser.add_argument("--out", default="scale_out", help="results file name under benchmarks/results")
    args = parser.parse_args()
    args.workers = sorted(set(args.workers))
    result = run(args)
    print("\nworkers  questions/s  p50 ms  p95 ms  errors  exactly once  CPU ms/question  cores used")
    for s in result["results"]:
        lat = s["latency"]
        print(
            f"{s['workers']:>7}  {s['throughput_qps']:>11.2f}  {lat.get('p50_ms', 0):>6.0f}  {lat.get('p95_ms', 0):>6.0f}"
            f"  {sum(s['errors'].values()):>6}  {s['exactly_once']!s:>12}  {s['cpu_ms_per_question']:>15}"
            f"  {float(np.median(s['cores_used_per_round'])):>10.2f}"
        )
    print("ratios: " + ", ".join(f"{k} {v}" for k, v in result["ratios"].items()))
    print(
        "log write capacity: "
        + ", ".join(f"{c['processes']} process(es) {c['turns_per_s']} turns/s" for c in result["log_write_capacity"])
    )
    print(f"results: {write_results(args.out, result)}")


if __name__ == "__main__":
    main()
