"""Slack acks under a burst: 50 concurrent signed ``app_mention`` events to Keel in HTTP mode.

    python benchmarks/slack_ack.py [--events 50] [--rounds 3] [--workers 4]

Keel runs as it does in production, as its own process (``keel serve --http``: waitress, Bolt, the
worker pool) answering from the bundled sample handbook with the real graph and log. This process plays
Slack: the Slack emulator (Web API on 127.0.0.1) records every call Keel makes, and a burst of signed
events is posted to Keel at once by a small sender process (one asyncio loop, 50 connections, so the
sender neither adds its own work to the measurement nor shares an interpreter with the emulator).
Measured per event (the ack when the first byte of Keel's response arrives):

- ack latency: from sending the event to Keel's HTTP 200 (Slack's limit is 3 s; the target p99 < 100 ms);
- time to first visible progress: from sending to Keel's ``reactions.add`` 👀 on the question;
- time to answer: from sending to the answer's ``chat.postMessage`` in the thread;
- exactly once: every question has exactly one reply (a hand-over's announcement, which follows a handed-over
  answer by design, is not counted as a reply), also after the whole burst is redelivered as
  Slack retries (``X-Slack-Retry-Num: 1``, same event ids).

Each round is a fresh burst against the same running Keel, once the previous round is fully answered;
the percentiles pool every event of every round (the machine is shared, so one round can be unlucky),
and the p99 of each round is listed beside them with the load average when it started.

Results: benchmarks/results/slack_ack.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import numpy as np
from slack_sdk.signature import SignatureVerifier

from benchmarks.common import REPO, machine_info, temporary_home, write_results
from benchmarks.keel_cluster import is_handover_announcement
from config.settings import get_settings
from knowledge.base import KnowledgeBase
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator
from tests.slack_emulator.delivery import encode_payload

TARGET_ACK_P99_MS = 100.0
QUESTIONS = [
    "How many vacation days do I get per year?",
    "How do I connect to the VPN?",
    "What is the deadline for submitting expenses?",
    "How do I reset my password?",
    "What laptop do new joiners get?",
    "How do I report a phishing email?",
    "Can I work remotely from another country?",
    "How do I book a meeting room?",
    "What is the per diem for a trip to Toronto?",
    "Who do I contact at the IT helpdesk?",
]
SAMPLES = REPO / "knowledge" / "samples"


def stats(samples_ms: list[float]) -> dict[str, float]:
    values = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "max_ms": round(float(values.max()), 1),
        "n": len(samples_ms),
    }


def start_keel(port: int, workers: int, log: Path) -> subprocess.Popen:
    command = "from bot.cli import app; app()"
    args = ["serve", "--http", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(
        [sys.executable, "-c", command, *args], stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=REPO
    )


def wait_until_listening(port: int, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"keel serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.25)
    sys.exit("keel serve did not start listening in time")


def signed_requests(slack: SlackEmulator, payloads: list[dict], retry_num: int | None = None) -> list[dict]:
    """Bodies and headers exactly as Slack would send them, signed now (valid for five minutes)."""
    requests = []
    for payload in payloads:
        slack.ingest(payload)  # the question exists in Slack before Slack tells the app about it
        content_type, body = encode_payload(payload)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(slack.signing_secret).generate_signature(timestamp=stamp, body=body),
        }
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"})
        requests.append({"body": body, "headers": headers})
    return requests


async def _post(host: str, port: int, path: str, request: dict) -> dict:
    """One POST over a fresh connection, the request written in a single send (as Slack's sender does;
    headers and body in two writes would meet Nagle's algorithm and delayed ACKs: +40-200 ms)."""
    body = request["body"].encode()
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    head += [f"{name}: {value}" for name, value in request["headers"].items()]
    sent = time.time()
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    elapsed = (time.perf_counter() - started) * 1000
    await reader.read()
    writer.close()
    return {"sent": sent, "ack_ms": elapsed, "status": int(status_line.split()[1])}


async def _send_all(url: str, requests: list[dict]) -> list[dict]:
    where = urlsplit(url)
    return await asyncio.gather(*(_post(where.hostname, where.port, where.path, r) for r in requests))


def burst(url: str, requests: list[dict]) -> list[dict]:
    """Post every request at once from a separate process (one asyncio loop, so the sender adds almost
    nothing to the measured latency and shares no interpreter with the emulator)."""
    with tempfile.TemporaryDirectory() as folder:
        job, out = Path(folder) / "requests.json", Path(folder) / "results.json"
        job.write_text(json.dumps({"url": url, "requests": requests}))
        subprocess.run([sys.executable, __file__, "--send", str(job), str(out)], check=True, cwd=REPO)
        return json.loads(out.read_text())


def send_from_file(job: Path, out: Path) -> None:
    spec = json.loads(job.read_text())
    out.write_text(json.dumps(asyncio.run(_send_all(spec["url"], spec["requests"]))))


def wait_for_answers(slack: SlackEmulator, threads: list[tuple[str, str]], timeout: float) -> None:
    """Until every thread has an answer. Reads the call journal (cheap), not the message store: copying
    every message every few milliseconds would slow the emulator down, and with it Keel's API calls."""
    deadline = time.monotonic() + timeout
    wanted = {ts for _, ts in threads}
    while time.monotonic() < deadline:
        answered = {c.args.get("thread_ts") for c in slack.calls("chat.postMessage") if c.ok}
        if wanted <= answered:
            return
        time.sleep(0.5)
    sys.exit(f"{len(wanted - answered)} questions were not answered within {timeout:.0f}s")


def wait_for_quiet(slack: SlackEmulator, quiet_s: float = 3.0) -> None:
    """Until Keel has made no Web API call for ``quiet_s`` (a late duplicate would show up by then)."""
    seen = -1
    while seen != len(slack.calls()):
        seen = len(slack.calls())
        time.sleep(quiet_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="answer processes (default: 2, the cores here)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--send", nargs=2, type=Path, help=argparse.SUPPRESS)  # the sender subprocess
    args = parser.parse_args()
    if args.send:
        send_from_file(*args.send)
        return

    with temporary_home() as home, SlackEmulator() as slack:
        # The emulator's HTTP server listens with socketserver's default backlog of 5: Keel's 16 listener
        # threads calling reactions.add at once would overflow it, and each dropped SYN costs a 1 s
        # retransmit, which is the emulator's delay, not Keel's. Real Slack has no such queue.
        slack._http._server.socket.listen(128)
        started = time.perf_counter()
        report = KnowledgeBase().ingest([str(SAMPLES)])
        ingest_s = time.perf_counter() - started
        chunks = sum(o.chunks for o in report.outcomes)
        print(f"ingested the sample handbook: {chunks} chunks in {ingest_s:.0f}s")
        os.environ.update(
            SLACK_BOT_TOKEN=slack.bot_token,
            SLACK_SIGNING_SECRET=slack.signing_secret,
            KEEL_SLACK_API_URL=slack.api_url,
            NO_PROXY="127.0.0.1,localhost",
        )
        get_settings(fresh=True)
        port = free_port()
        log = home / "keel-serve.log"
        process = start_keel(port, args.workers, log)
        try:
            wait_until_listening(port, process, log)
            url = f"http://127.0.0.1:{port}/slack/events"
            rounds = [run_round(slack, url, args.events, n) for n in range(args.rounds)]
        finally:
            process.terminate()
            process.wait(timeout=60)

        result = {
            "benchmark": "slack_ack",
            "machine": machine_info(),
            "params": {
                "events": args.events,
                "rounds": args.rounds,
                "workers": args.workers,
                "mode": f"keel serve --http --workers {args.workers}: waitress (16 threads) + Bolt in one process, "
                f"answers in {args.workers} worker processes",
                "knowledge": f"the bundled sample handbook (knowledge/samples, {chunks} chunks)",
                "llm": "none (extractive answers)",
                "ingest_s": round(ingest_s, 1),
            },
            **pooled(rounds),
            "rounds": rounds,
            "slack_api_calls": dict(Counter(c.method for c in slack.calls())),
            "rejected_calls": len(slack.rejected_calls()),
        }
        path = write_results("slack_ack", result)
        print_summary(result, path)


def run_round(slack: SlackEmulator, url: str, events: int, number: int) -> dict:
    """One burst of fresh questions, answered; then the same burst again as Slack's retries."""
    load = os.getloadavg()[0]
    payloads = [
        slack.payloads.event_app_mention(QUESTIONS[n % len(QUESTIONS)], f"U0R{number}N{n:03d}", f"C0BENCH{n % 5}")
        for n in range(events)
    ]
    print(f"round {number + 1}: posting {events} signed app_mention events at once (load {load:.1f})…")
    first = burst(url, signed_requests(slack, payloads))
    wait_for_answers(slack, [(p["event"]["channel"], p["event"]["ts"]) for p in payloads], timeout=600)
    retried = burst(url, signed_requests(slack, payloads, retry_num=1))
    wait_for_quiet(slack)
    progress_ms, answer_ms, answers_per_question = [], [], []
    for payload, sent in zip(payloads, first, strict=True):
        channel, ts = payload["event"]["channel"], payload["event"]["ts"]
        reaction = next(c for c in slack.calls("reactions.add") if c.args.get("timestamp") == ts)
        answers = [c for c in slack.calls("chat.postMessage") if c.args.get("thread_ts") == ts and c.ok]
        progress_ms.append((reaction.at - sent["sent"]) * 1000)
        answer_ms.append((answers[0].at - sent["sent"]) * 1000)
        # the reply, not the hand-over's announcement that brings people in after a handed-over answer
        replies = [
            m
            for m in slack.bot_messages(channel, ts)
            if m["ts"] != ts and not is_handover_announcement(m.get("blocks"))
        ]
        answers_per_question.append(len(replies))
        answered = "context" in {b.get("type") for b in answers[0].args.get("blocks") or []}
        sent["decision"] = "answered" if answered else "handed_over_or_refused"
    summary = {
        "load_average_1m": round(load, 2),
        "ack_ms": [round(r["ack_ms"], 1) for r in first],
        "progress_ms": [round(v, 1) for v in progress_ms],
        "answer_ms": [round(v, 1) for v in answer_ms],
        "retry_ack_ms": [round(r["ack_ms"], 1) for r in retried],
        "statuses": dict(Counter(r["status"] for r in first + retried)),
        "answers_per_question": dict(Counter(answers_per_question)),
        "replies": dict(Counter(r["decision"] for r in first)),
    }
    print(f"  ack p99 {stats(summary['ack_ms'])['p99_ms']} ms, answers per question {summary['answers_per_question']}")
    return summary


def pooled(rounds: list[dict]) -> dict:
    """Percentiles over every event of every round; exactly-once over all of them."""

    def every(key: str) -> list[float]:
        return [v for r in rounds for v in r[key]]

    ack = stats(every("ack_ms"))
    counts = Counter()
    for r in rounds:
        counts.update({int(k): v for k, v in r["answers_per_question"].items()})
    return {
        "ack": ack,
        "ack_target_p99_ms": TARGET_ACK_P99_MS,
        "ack_target_met": ack["p99_ms"] < TARGET_ACK_P99_MS,
        "ack_p99_per_round_ms": [stats(r["ack_ms"])["p99_ms"] for r in rounds],
        "first_progress": stats(every("progress_ms")),
        "answer": stats(every("answer_ms")),
        "retry_ack": stats(every("retry_ack_ms")),
        "exactly_once": set(counts) == {1},
        "answers_per_question": {str(k): v for k, v in sorted(counts.items())},
    }


def print_summary(result: dict, path: Path) -> None:
    ack, progress, answer = result["ack"], result["first_progress"], result["answer"]
    print(f"ack:            p50 {ack['p50_ms']} ms  p99 {ack['p99_ms']} ms  max {ack['max_ms']} ms")
    print(f"ack p99/round:  {result['ack_p99_per_round_ms']}")
    print(f"first progress: p50 {progress['p50_ms']} ms  p99 {progress['p99_ms']} ms")
    print(f"answer:         p50 {answer['p50_ms']} ms  p99 {answer['p99_ms']} ms")
    print(f"exactly once:   {result['exactly_once']} (answers per question: {result['answers_per_question']})")
    print(f"results: {path}")


if __name__ == "__main__":
    main()
