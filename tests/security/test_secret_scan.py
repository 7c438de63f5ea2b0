"""The secret scan (tests/secret_scan.py) catches a planted secret: an inner pytest run, in its own process
with its own basetemp, whose only test passes but leaves a known token in a file, a log line and a message
to Slack, must exit non-zero and say where (naming the secret, never showing it). The same run without
the plant exits 0.

The inner run's basetemp is deleted afterwards: it lies under this run's basetemp, and the plant in it
would (rightly) fail this session's own scan."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.known_secrets import KNOWN_SECRETS

REPO = Path(__file__).resolve().parents[2]
INNER_TEST = """
import logging

from slack_sdk import WebClient

from tests.known_secrets import LLM_API_KEY, SLACK_BOT_TOKEN
from tests.slack_emulator import SlackEmulator

PLANT = {plant}


def test_passes_but_may_leak(tmp_path):
    (tmp_path / "keel.db").write_bytes(b"SQLite format 3\\x00..." + (SLACK_BOT_TOKEN.encode() if PLANT else b""))
    logging.getLogger("bot.cli").warning("connecting with %s", LLM_API_KEY if PLANT else "the key")
    with SlackEmulator() as slack:
        client = WebClient(token=slack.bot_token, base_url=slack.api_url)
        client.chat_postMessage(channel="C0HELP", text=f"error: {{slack.bot_token if PLANT else 'refused'}}")
"""


def run_inner(tmp_path: Path, plant: bool) -> subprocess.CompletedProcess[str]:
    project = tmp_path / ("planted" if plant else "clean")
    project.mkdir()
    (project / "conftest.py").write_text('pytest_plugins = ["tests.secret_scan"]\n')
    (project / "test_inner.py").write_text(INNER_TEST.format(plant=plant))
    # No entry-point plugins: they only slow the start (seconds), and the inner run needs none of them.
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(name, None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", str(project / "tmp")]
    try:
        return subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(project / "tmp", ignore_errors=True)  # the plant, out of this run's scan


@pytest.mark.parametrize("plant", [False, True], ids=["clean", "planted"])
def test_the_scan_fails_a_passing_run_that_leaked_a_secret(tmp_path: Path, plant: bool) -> None:
    result = run_inner(tmp_path, plant)
    output = result.stdout + result.stderr
    assert "1 passed" in output, output[-2000:]
    if not plant:
        assert result.returncode == 0 and "secret scan" not in output
        return
    assert result.returncode == 1
    report = output.split("secret scan: known test secrets found", 1)[1]
    assert "SLACK_BOT_TOKEN in file " in report and "keel.db" in report
    assert "LLM_API_KEY in a log record of bot.cli in test_inner.py::test_passes_but_may_leak" in report
    assert "LLM_API_KEY in test_inner.py::test_passes_but_may_leak: Captured log call" in report
    assert "SLACK_BOT_TOKEN in what Keel sent to Slack in test_inner.py::test_passes_but_may_leak" in report
    assert not [name for name, value in KNOWN_SECRETS.items() if value in output]  # named, never shown
