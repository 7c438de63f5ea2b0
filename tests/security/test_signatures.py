"""HTTP mode accepts only requests Slack signed in the last five minutes (Bolt's request verification),
tested over real HTTP against the running app: unsigned, wrongly signed, tampered and stale or future
requests get 401, and nothing is answered, run, stored or logged for them. A request signed four minutes
ago still goes through, so the refusals are the check at work and not a broken server."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from bot.store.db import open_db
from config.settings import get_settings
from tests.bot.conftest import ALICE, HELP, Running
from tests.slack_emulator.delivery import encode_payload

CANARY = "canary-7731 how long is parental leave"  # text that must not surface anywhere


def post(url: str, body: str, content_type: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(
        url, data=body.encode(), headers={"Content-Type": content_type, **headers}, method="POST"
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return f"v0={digest}"


def forged_headers(case: str, secret: str, body: str) -> tuple[dict[str, str], str]:
    """(headers, body actually sent) for each way a request can fail verification."""
    now = int(time.time())
    signed = {
        "wrong-secret": (str(now), "not-the-signing-secret", body),
        "stale-by-301s": (str(now - 301), secret, body),
        "stale-by-1h": (str(now - 3600), secret, body),
        "from-the-future": (str(now + 3600), secret, body),
        "tampered-body": (str(now), secret, body[:-1]),  # signed, then one byte changed in transit
    }
    if case == "unsigned":
        return {}, body
    if case == "signature-without-timestamp":
        return {"X-Slack-Signature": signature(secret, str(now), body)}, body
    if case == "garbage-signature":
        return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=zz"}, body
    stamp, key, signed_body = signed[case]
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature(key, stamp, signed_body)}, body


CASES = [
    "unsigned",
    "signature-without-timestamp",
    "garbage-signature",
    "wrong-secret",
    "tampered-body",
    "stale-by-301s",
    "stale-by-1h",
    "from-the-future",
]


def payloads(keel: Running) -> dict[str, dict[str, Any]]:
    """One request of each kind Slack sends: an event, a slash command (an admin's), an interaction."""
    made = keel.emulator.payloads
    return {
        "event": made.event_app_mention(CANARY, ALICE, HELP),
        "command": made.slash_command("/keel", "pause", ALICE, HELP),
        "action": made.block_action("keel_ask_human", "turn-canary-7731", ALICE, HELP, "1700000000.000100"),
    }


@pytest.mark.parametrize("case", CASES)
def test_a_request_that_fails_verification_is_refused_and_leaves_no_trace(
    admin_keel: Running, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)  # what `keel serve` logs
    logging.getLogger("slack_bolt").setLevel(logging.WARNING)  # as `keel serve` sets it
    calls_before = len(admin_keel.emulator.calls())
    for kind, payload in payloads(admin_keel).items():
        content_type, body = encode_payload(payload)
        headers, sent = forged_headers(case, admin_keel.emulator.signing_secret, body)
        assert post(admin_keel.url, sent, content_type, headers) == 401, kind
    admin_keel.settle()

    assert admin_keel.emulator.calls()[calls_before:] == []  # nothing posted, no reaction, no lookup
    assert admin_keel.emulator.responses() == []  # no reply to the command
    assert not admin_keel.keel.admin.pause.paused  # the admin command did not run
    db = open_db(get_settings().log_path)
    assert {table: db[table].count for table in ("turns", "audit", "feedback", "handovers")} == dict.fromkeys(
        ("turns", "audit", "feedback", "handovers"), 0
    )
    logged = [record.getMessage() for record in caplog.records]
    assert not [message for message in logged if "canary" in message.lower()]
    assert not [r.name for r in caplog.records if r.name.split(".")[0] in ("bot", "graphs", "knowledge")]


def test_a_request_signed_four_minutes_ago_is_still_accepted(admin_keel: Running) -> None:
    payload = admin_keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    content_type, body = encode_payload(payload)
    stamp = str(int(time.time()) - 240)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(admin_keel.emulator.signing_secret, stamp, body),
    }
    admin_keel.emulator.ingest(payload)
    assert post(admin_keel.url, body, content_type, headers) == 200
    replies = admin_keel.replies(HELP, payload["event"]["ts"])
    assert len(replies) == 1 and "20 weeks" in replies[0]["text"], [r["text"] for r in replies]


def test_url_verification_needs_a_signature_too(admin_keel: Running) -> None:
    """Slack's endpoint check echoes a challenge: unsigned, it must not become an open echo service."""
    body = json.dumps({"type": "url_verification", "challenge": "canary-challenge", "token": "x"})
    assert post(admin_keel.url, body, "application/json", {}) == 401
