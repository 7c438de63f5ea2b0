"""Keel with admins: ALICE is listed in the policy, CAROL is a workspace admin (users.info), BOB neither."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.store.db import open_db
from config.settings import Settings, get_settings
from tests.bot.conftest import ALICE, Running
from tests.slack_emulator import SlackEmulator

CAROL = "U0CAROL"
DANA = "U0DANA"


@pytest.fixture
def admin_keel(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack_env: Settings,
    slack_emulator: SlackEmulator,
    start_keel: Callable[..., Running],
) -> Running:
    policy = tmp_path / "keel.toml"
    policy.write_text(f'admins = ["{ALICE}"]\n[defaults]\nexperts = ["{DANA}"]\n')
    monkeypatch.setenv("KEEL_POLICY", str(policy))
    monkeypatch.setenv("KEEL_ALLOW_PRIVATE_URLS", "true")  # the test web server is on 127.0.0.1
    get_settings(fresh=True)
    slack_env.policy, slack_env.allow_private_urls = policy, True
    slack_emulator.add_user(CAROL, "carol", is_admin=True)
    return start_keel()


def audit_rows(keel: Running) -> list[dict[str, Any]]:
    keel.settle()
    return list(open_db(get_settings().log_path)["audit"].rows)


def run_command(keel: Running, text: str, user: str, channel: str = "C0HELP", timeout: float = 60) -> list[str]:
    """Run ``/keel <text>``; returns what the user saw: the ack's text and every respond() after it."""
    payload = keel.emulator.payloads.slash_command("/keel", text, user, channel)
    started = time.monotonic()
    delivery = keel.post(payload)
    assert time.monotonic() - started < 3  # Slack's limit for the ack
    hook = payload["response_url"].rsplit("/", 1)[-1]
    assert keel.keel.settle(timeout)
    acked = (delivery.json() or {}).get("text") if delivery.body else None
    said = [c.args["text"] for c in keel.emulator.responses() if c.args.get("hook_id") == hook]
    return [t for t in [acked, *said] if t]


@pytest.fixture
def web_page() -> Iterator[Callable[[str, str], str]]:
    """Serve pages on 127.0.0.1: ``web_page(path, html)`` returns the page's URL."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()

    def add(path: str, html: str) -> str:
        pages[path] = html.encode()
        return f"http://127.0.0.1:{server.server_address[1]}{path}"

    yield add
    server.shutdown()
    server.server_close()
