"""``keel ask`` and ``keel sources`` run without the cyclic garbage collector (bot/cli/one_shot.py): the
thread memory is still closed cleanly, a follow-up in a new process still remembers the thread, and a
caller that goes on (as the tests do) gets its collector back."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from bot.cli.one_shot import without_garbage_collection
from tests.conftest import REPO
from tests.knowledge.helpers import small_kb_folder


def keel(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")} | {"KEEL_HOME": str(home)}
    script = Path(sys.executable).parent / "keel"
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from bot.cli import app; app()"]
    proc = subprocess.run([*command, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def test_a_thread_asked_in_two_processes_continues_and_its_database_is_closed(tmp_path: Path) -> None:
    home, folder = tmp_path / "home", small_kb_folder(tmp_path)
    keel(home, "ingest", str(folder))
    first = json.loads(keel(home, "ask", "How long is parental leave?", "--thread", "t1", "--json").stdout)
    assert first["decision"] == "answered" and "20 weeks" in first["answer"]
    assert not (home / "threads.sqlite-wal").exists()  # closed by the command, not left to the collector
    follow_up = json.loads(keel(home, "ask", "is that paid?", "--thread", "t1", "--json").stdout)
    assert follow_up["thread_id"] == "t1" and follow_up["decision"]
    assert not (home / "threads.sqlite-wal").exists()
    listed = json.loads(keel(home, "sources", "--json").stdout)
    assert {Path(s["source"]).name for s in listed} == {p.name for p in folder.iterdir()}


def test_the_collector_is_back_on_after_a_command_run_in_process(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["ingest", str(small_kb_folder(tmp_path))]).exit_code == 0
    assert gc.isenabled()
    assert CliRunner().invoke(app, ["ask", "How long is parental leave?"]).exit_code == 0
    assert CliRunner().invoke(app, ["sources"]).exit_code == 0
    assert gc.isenabled()
    with without_garbage_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
