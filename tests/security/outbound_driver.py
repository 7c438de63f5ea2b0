"""Runs ``keel ingest``, ``keel ask`` and ``keel serve --http`` (answering one Slack event from the
emulator, then stopped with SIGTERM) as real processes, for tests/security/test_no_outbound.py.

    python -m tests.security.outbound_driver --work DIR --strace     # each command under strace
    unshare -rnm python -m tests.security.outbound_driver --work DIR --catch-dns

``keel ingest --samples`` (the bundled handbook, ~20 s) rather than a tiny folder: onnxruntime's telemetry
thread resolved its host after a few seconds, so a command that ends sooner could hide it.

Prints one JSON object: what each command did (exit code, or for serve whether it answered) and, with
``--catch-dns``, every DNS query made in the namespace. Never prints the emulator's tokens.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.security import outbound
from tests.servers import free_port
from tests.slack_emulator import SlackEmulator

ALICE, HELP = "U0ALICE", "C0HELP"
QUESTION = "How many weeks of paid parental leave do parents receive?"
KEEL = [sys.executable, "-c", "from bot.cli import app; app()"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--strace", action="store_true")
    parser.add_argument("--catch-dns", action="store_true")
    args = parser.parse_args()
    report: dict[str, object] = {}
    with ExitStack() as stack:
        catcher = stack.enter_context(_namespace(args.work)) if args.catch_dns else None
        env = {**os.environ, "KEEL_HOME": str(args.work / "keel-home"), "NO_PROXY": "127.0.0.1,localhost"}
        run = _runner(args.work, args.strace, env)
        report["ingest"] = run("ingest", ["ingest", "--samples"]).returncode
        report["ask"] = run("ask", ["ask", QUESTION, "--json"]).returncode
        report["serve"] = _serve(args.work, args.strace, env)
        if catcher is not None:
            report["dns_queries"] = list(catcher.queries)
    print(json.dumps(report))


def _namespace(work: Path) -> outbound.DnsCatcher:
    outbound.loopback_up()
    outbound.resolver_to_loopback(work)
    return outbound.DnsCatcher()


def _prefix(work: Path, name: str, strace: bool) -> list[str]:
    return outbound.strace_prefix(work / f"{name}.trace") if strace else []


def _runner(work: Path, strace: bool, env: dict[str, str]):  # type: ignore[no-untyped-def]
    def run(name: str, args: list[str]) -> subprocess.CompletedProcess[str]:
        command = [*_prefix(work, name, strace), *KEEL, *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)

    return run


def _serve(work: Path, strace: bool, env: dict[str, str]) -> dict[str, object]:
    """Start ``keel serve --http``, have it answer one mention, stop it as a platform would."""
    with SlackEmulator() as slack:
        slack.add_user(ALICE, "alice")
        port = free_port()
        slack_env = {
            **env,
            "SLACK_BOT_TOKEN": slack.bot_token,
            "SLACK_SIGNING_SECRET": slack.signing_secret,
            "KEEL_SLACK_API_URL": slack.api_url,
        }
        command = [
            *_prefix(work, "serve", strace),
            *KEEL,
            "serve",
            "--http",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ]
        with (work / "serve.log").open("wb") as out:
            process = subprocess.Popen(command, env=slack_env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_healthy(process, port)
            mention = slack.payloads.event_app_mention(QUESTION, ALICE, HELP)
            delivered = slack.sign_and_post(f"http://127.0.0.1:{port}/slack/events", mention).status
            posted = slack.wait_for("chat.postMessage", timeout=90)
            answered = delivered == 200 and "weeks" in posted.args.get("text", "")
        finally:
            os.kill(_keel_pid(process, strace), signal.SIGTERM)
            code = process.wait(90)
    return {"answered": answered, "exit": code}


def _keel_pid(process: subprocess.Popen[bytes], strace: bool) -> int:
    """Keel's own pid: under strace, the tracer's child (strace exits with it, passing on its exit code)."""
    if not strace:
        return process.pid
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == process.pid:
                return int(stat.parent.name)
        except (OSError, IndexError, ValueError):
            continue
    raise RuntimeError("keel serve is not running under strace")


def _wait_healthy(process: subprocess.Popen[bytes], port: int, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"keel serve exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise TimeoutError("keel serve did not start listening")


if __name__ == "__main__":
    main()
