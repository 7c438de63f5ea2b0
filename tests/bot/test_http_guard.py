"""bot.http_guard's parts on their own: the header check, the payload check, and the replay memory
(bounded in time, shared by every process on one KEEL_HOME). End to end: tests/security/test_http_limits.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from bot.http_guard import MAX_AGE_SECONDS, ReplayMemory, header_problem, is_ssl_check, payload_problem
from bot.store.state import StateDB

NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("timestamp", "signature", "problem"),
    [
        (str(int(NOW)), "v0=ab", None),
        (str(int(NOW) - MAX_AGE_SECONDS), "v0=ab", None),  # the window's edge, as Bolt counts it
        (str(int(NOW) - MAX_AGE_SECONDS - 1), "v0=ab", "the timestamp is more than five minutes from now"),
        (str(int(NOW) + MAX_AGE_SECONDS + 1), "v0=ab", "the timestamp is more than five minutes from now"),
        (None, "v0=ab", "no X-Slack-Request-Timestamp"),
        (str(int(NOW)), None, "no X-Slack-Signature"),
        ("", "", "no X-Slack-Signature"),
        ("1e9", "v0=ab", "the timestamp is not a number"),
        ("-5", "v0=ab", "the timestamp is not a number"),
        ("١٧٠٠٠٠٠٠٠٠", "v0=ab", "the timestamp is not a number"),  # int() would take these digits
    ],
)
def test_header_problem(timestamp: str | None, signature: str | None, problem: str | None) -> None:
    assert header_problem(timestamp, signature, now=NOW) == problem


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b"", "application/json", None),
        (b'{"type": "event_callback", "event": {"type": "app_mention"}}', "application/json", None),
        (b'{"type": "url_verification", "challenge": "x"}', "application/json", None),
        (b"command=%2Fkeel&text=pause", "application/x-www-form-urlencoded", None),
        (b"command=%2Fkeel&text=payload", "application/x-www-form-urlencoded", None),  # the word, not the field
        (b"payload=%7B%22type%22%3A%22block_actions%22%7D", "application/x-www-form-urlencoded", None),
        (b"payload=not-json", "application/x-www-form-urlencoded", "payload is not JSON"),
        (b"payload=%5B%5D", "application/x-www-form-urlencoded", "payload is not a JSON object"),
        (b"{oops", "application/x-www-form-urlencoded", "the body is not JSON"),  # Bolt reads "{..." as JSON
        (b"[1]", "application/json", "the body is not a JSON object"),
        (b'{"type": "event_callback"}', "application/json", "an event_callback without an event object"),
        (b'{"type": "event_callback", "event": []}', "application/json", "an event_callback without an event object"),
        (b"\xff\xfe", "application/json", "the body is not UTF-8"),
    ],
)
def test_payload_problem(body: bytes, content_type: str, problem: str | None) -> None:
    assert payload_problem(body, content_type) == problem


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"ssl_check=1&token=abc", True), (b"ssl_check=0&token=abc", False), (b"ssl_check=true", False), (b"", False)],
)
def test_is_ssl_check(body: bytes, expected: bool) -> None:
    assert is_ssl_check(body) is expected


def test_a_signature_is_refused_once_seen_and_forgotten_after_its_window() -> None:
    replays = ReplayMemory.in_memory()
    now = int(time.time())
    assert replays.first_time("v0=aa", now)
    assert not replays.first_time("v0=aa", now)
    assert replays.first_time("v0=bb", now)
    assert replays.first_time("v0=old", now - 2 * MAX_AGE_SECONDS)  # long out of the window: forgettable
    replays.prune()
    assert len(replays) == 2  # only the ones a replay could still pass the timestamp check with


def test_the_memory_stays_bounded_under_a_stream_of_requests() -> None:
    replays = ReplayMemory.in_memory()
    stale = int(time.time()) - 2 * MAX_AGE_SECONDS
    for n in range(1000):
        replays.first_time(f"v0={n}", stale)
    assert len(replays) < 200  # pruned as it goes (every PRUNE_EVERY requests)


def test_instances_sharing_keel_home_refuse_a_replay_sent_to_another(tmp_path: Path) -> None:
    first, second = StateDB(tmp_path / "slack.sqlite"), StateDB(tmp_path / "slack.sqlite")  # two processes' files
    try:
        now = int(time.time())
        assert ReplayMemory.shared(first).first_time("v0=cc", now)
        assert not ReplayMemory.shared(second).first_time("v0=cc", now)
    finally:
        first.close()
        second.close()
