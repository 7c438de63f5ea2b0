"""Secrets written into questions (issue 16) reach no file under KEEL_HOME, through every door Keel has:
``keel guard`` (a real process), ``keel ask`` (the command) and the Agent, and a question in Slack (the
real app, the log and the hand-over checkpoints). After each, every file under KEEL_HOME (the SQLite log,
the LangGraph checkpoints and their -wal files, Chroma, the guards' cache) is read as bytes and searched
for each secret, with the helpers of tests/security/test_pii.py."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as keel_cli
from graphs.agent import Agent
from graphs.guards.secret_context import strip_edges
from knowledge.base import KnowledgeBase
from tests.bot.conftest import ALICE, HELP, Running
from tests.guards.test_secrets import REPORTED, VARIANTS
from tests.security.test_pii import files_under, keel_home


def forms(secret: str) -> set[str]:
    """The secret as written, and without the punctuation around it ("Hunter2" of "Hunter2!")."""
    return {f for f in (secret, strip_edges(secret)) if len(f) >= 4}


def pattern(form: str) -> re.Pattern[bytes]:
    """A PIN is only found with no digit next to it: "7394" also occurs inside the random numbers of
    LangGraph's channel versions ("0.1650353948218758")."""
    escaped = re.escape(form.encode())
    return re.compile(rb"(?<!\d)" + escaped + rb"(?!\d)" if form.isdigit() else escaped)


def readable(path: Path) -> bytes:
    """What a file holds, as bytes to search. Chroma's store is read through SQL, text values only: its
    vectors and index files hold every 4-digit run there is, so a PIN "found" in them is chance (a question
    never reaches Chroma; the documents it holds do, as text)."""
    if "chroma" not in path.parts:
        return path.read_bytes()
    if path.name != "chroma.sqlite3":  # its -wal (read with it below) and the HNSW index files: vectors only
        return b""
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        texts = [
            value
            for table in tables
            for row in db.execute(f'SELECT * FROM "{table}"')
            for value in row
            if isinstance(value, str)
        ]
    finally:
        db.close()
    return "\n".join(texts).encode()


def leaks(secrets: list[str], *, expect_files: bool = True) -> dict[str, list[str]]:
    """Where under KEEL_HOME each secret (in any of its forms) is found, by file name."""
    files = {p: readable(p) for p in files_under(keel_home())}
    assert files or not expect_files, "KEEL_HOME is empty: nothing was tested"
    found = {}
    for secret in secrets:
        patterns = [pattern(f) for f in forms(secret)]
        where = sorted(
            {str(p.relative_to(keel_home())) for p, data in files.items() for r in patterns if r.search(data)}
        )
        if where:
            found[secret] = where
    return found


def test_keel_guard_masks_every_phrasing(tmp_path: Path) -> None:
    questions = tmp_path / "questions.txt"  # outside KEEL_HOME: the input itself is not Keel's to keep
    questions.write_text("\n".join(text.replace("\n", " ") for text, _ in REPORTED + VARIANTS) + "\n")
    proc = subprocess.run(
        [sys.executable, "-c", "from bot.cli import app; app()", "guard", "--file", str(questions), "--json"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "KEEL_HOME": str(keel_home())},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) == len(REPORTED + VARIANTS)
    for row, (text, secret) in zip(rows, REPORTED + VARIANTS, strict=True):
        assert [v["action"] for v in row["verdicts"] if v["check"] == "secrets"] == ["redact"], text
        assert not forms(secret) & {w.strip(".,!?") for w in row["text"].split()}, row["text"]
        assert secret not in row["text"] and "[SECRET]" in row["text"]
    # Each line echoes its "input" (the caller's own text, to pair the lines); nothing else may hold a secret.
    said = json.dumps([{k: v for k, v in row.items() if k != "input"} for row in rows]) + proc.stderr
    assert not [secret for _, secret in REPORTED + VARIANTS if secret in said]
    # `keel guard` keeps nothing under KEEL_HOME since the injection check stopped embedding (issue 17); what
    # it does keep (caches, if a check adds one) must hold no secret
    assert leaks([secret for _, secret in REPORTED + VARIANTS], expect_files=False) == {}


def test_keel_ask_and_the_agent_store_no_secret(kb: KnowledgeBase, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    for n, (text, _) in enumerate(REPORTED):
        result = runner.invoke(keel_cli, ["ask", text, "--thread", f"cli-{n}", "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["question"].count("[SECRET]") == 1
    agent = Agent.from_settings()
    for n, (text, _) in enumerate(VARIANTS):
        result = agent.ask(text, thread_id=f"agent-{n % 4}")  # threads carry earlier turns in their memory
        assert "[SECRET]" in result.question
    secrets = [secret for _, secret in REPORTED + VARIANTS]
    assert any(p.name.startswith("threads.sqlite") for p in files_under(keel_home()))  # the checkpoints
    assert leaks(secrets) == {}
    assert [s for s in secrets if s in caplog.text] == []


def test_a_secret_asked_in_slack_reaches_neither_the_log_nor_a_checkpoint(start_keel) -> None:
    keel: Running = start_keel()
    asked = [*REPORTED, ("Can I talk to a person? My pw is Hand0ver!pw", "Hand0ver!pw")]  # a hand-over, too
    for text, _ in asked:
        mention = keel.emulator.payloads.event_app_mention(text, ALICE, HELP)
        keel.post(mention)
        assert keel.replies(HELP, mention["event"]["ts"])
    turns = keel.turns()
    assert len(turns) == len(asked) and all(t["question"].count("[SECRET]") == 1 for t in turns)
    assert any(t["decision"] == "handed_over" for t in turns)
    assert {p.name for p in files_under(keel_home())} >= {"keel.db", "threads.sqlite"}
    assert leaks([secret for _, secret in asked]) == {}
    said = json.dumps([call.args for call in keel.emulator.calls()])
    assert not [secret for _, secret in asked if secret in said]  # nor what Keel posted in Slack
