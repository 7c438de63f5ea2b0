"""Issue 16: the HTTP endpoint of ``keel serve --http`` (waitress + Bolt, as tests/bot starts it), attacked
over real sockets with real signed requests.

- A body claimed larger than the limit (1 MiB) is answered 413 from its headers, before it is sent: a
  300 MB unsigned POST once took the process to 2.6 GB. A chunked one is cut off at the limit.
- A request without Slack's signature headers, or with a timestamp that is not a number or is stale, is
  answered 401 from its headers too.
- A signed request whose payload cannot be read is answered 400 (was 500, or Bolt's 404), never a 5xx.
- A signed request replayed within its five minutes is not handled again: a captured ``/keel pause`` once
  paused Keel again after an admin had resumed it. Slack's own redelivery of an event is still acked 200.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest
from slack_sdk.signature import SignatureVerifier

from tests.bot.conftest import ALICE, HELP, Running
from tests.slack_emulator.delivery import encode_payload

MAX_BODY = 1 << 20  # KEEL_HTTP_MAX_BODY's default


def signed(secret: str, body: bytes | str, timestamp: str | None = None) -> dict[str, str]:
    stamp = timestamp or str(int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature or ""}


def send(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    """POST over HTTP: (status, headers, body text)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read().decode()


def send_payload(keel: Running, payload: dict, **extra: str) -> tuple[int, dict[str, str], str]:
    content_type, body = encode_payload(payload)
    headers = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body), **extra}
    return send(keel.url, body.encode(), headers)


def answer_to_headers_alone(url: str, headers: dict[str, str], wait: float = 5) -> tuple[str, float]:
    """Send a POST's headers and no byte of its body; (the status line answered, seconds it took)."""
    where = urlsplit(url)
    head = f"POST {where.path} HTTP/1.1\r\nHost: {where.netloc}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items()) + "\r\n"
    with socket.create_connection((where.hostname, where.port), timeout=wait) as conn:
        started = time.monotonic()
        conn.sendall(head.encode())
        received = b""
        while b"\r\n" not in received:
            chunk = conn.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0].decode(), time.monotonic() - started


# -- size ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("expect_continue", [False, True], ids=["plain", "expect-100-continue"])
def test_an_unsigned_300mb_post_is_refused_413_before_its_body_is_sent(keel: Running, expect_continue: bool) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(300 * 2**20)}
    if expect_continue:  # curl's way: the server must not ask for the body
        headers["Expect"] = "100-continue"
    status, seconds = answer_to_headers_alone(keel.url, headers)
    assert status.startswith("HTTP/1.1 413"), status
    assert seconds < 2


def test_a_signed_body_over_the_limit_is_refused_413_and_one_at_the_limit_is_answered(keel: Running) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    body = json.dumps(payload).encode()
    at_limit = body + b" " * (MAX_BODY - len(body))  # JSON allows trailing whitespace
    over = at_limit + b" "
    secret = keel.emulator.signing_secret
    # Refused from its headers (sending the body after would meet a closed connection).
    headers = {"Content-Type": "application/json", "Content-Length": str(len(over)), **signed(secret, over)}
    assert answer_to_headers_alone(keel.url, headers)[0].startswith("HTTP/1.1 413")
    assert keel.emulator.calls("reactions.add") == []
    keel.emulator.ingest(payload)
    assert send(keel.url, at_limit, {"Content-Type": "application/json", **signed(secret, at_limit)})[0] == 200
    (reply,) = keel.replies(HELP, payload["event"]["ts"])
    assert "20 weeks" in reply["text"]


def test_a_chunked_body_is_cut_off_at_the_limit(keel: Running) -> None:
    """No Content-Length to refuse it by: waitress counts the bytes and answers 413 at the limit."""
    where = urlsplit(keel.url)
    head = f"POST {where.path} HTTP/1.1\r\nHost: {where.netloc}\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in signed(keel.emulator.signing_secret, b"{}").items())
    head += "Transfer-Encoding: chunked\r\n\r\n"
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
    sent, stop = [0], threading.Event()
    with socket.create_connection((where.hostname, where.port), timeout=10) as conn:
        conn.sendall(head.encode())

        def pour() -> None:  # up to 300 MB, until the server hangs up
            try:
                while not stop.is_set() and sent[0] < 300 * 2**20:
                    conn.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:
                pass

        pourer = threading.Thread(target=pour, daemon=True)
        pourer.start()
        answer = conn.recv(4096)
        stop.set()
        pourer.join(10)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]
    assert sent[0] < 32 * 2**20  # refused at the limit (plus what the sockets buffered), not after 300 MB


# -- signature headers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "case", ["no-headers", "signature-without-timestamp", "timestamp-not-a-number", "stale-timestamp"]
)
def test_missing_or_bad_signature_headers_get_401_before_the_body_is_sent(keel: Running, case: str) -> None:
    now = int(time.time())
    headers = {
        "no-headers": {},
        "signature-without-timestamp": {"X-Slack-Signature": "v0=" + "0" * 64},
        "timestamp-not-a-number": {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=" + "0" * 64},
        "stale-timestamp": {"X-Slack-Request-Timestamp": str(now - 301), "X-Slack-Signature": "v0=" + "0" * 64},
    }[case]
    status, seconds = answer_to_headers_alone(keel.url, {"Content-Length": "1000", **headers})
    assert status.startswith("HTTP/1.1 401"), status
    assert seconds < 2


@pytest.mark.parametrize("stamp", ["1e9", "-1", "12.5", "0x10", "soon"])
@pytest.mark.parametrize("kind", ["event", "command"])
def test_a_request_signed_with_a_timestamp_that_is_not_a_number_is_401_not_500(
    admin_keel: Running, kind: str, stamp: str
) -> None:
    made = admin_keel.emulator.payloads
    payload = (
        made.event_app_mention("hi", ALICE, HELP)
        if kind == "event"
        else made.slash_command("/keel", "pause", ALICE, HELP)
    )
    content_type, body = encode_payload(payload)
    headers = {"Content-Type": content_type, **signed(admin_keel.emulator.signing_secret, body, stamp)}
    assert send(admin_keel.url, body.encode(), headers)[0] == 401
    admin_keel.settle()
    assert admin_keel.emulator.calls("reactions.add") == []
    assert not admin_keel.keel.admin.pause.paused


def test_slacks_unsigned_ssl_check_is_answered_200_and_nothing_else_small_gets_through(admin_keel: Running) -> None:
    """Bolt answers Slack's SSL check of a slash command URL (unsigned) with 200; Keel still does."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert send(admin_keel.url, b"ssl_check=1&token=legacy-verification-token", form)[0] == 200
    assert send(admin_keel.url, b"command=%2Fkeel&text=pause&user_id=U0ALICE", form)[0] == 401
    admin_keel.settle()
    assert not admin_keel.keel.admin.pause.paused


# -- payloads that cannot be read ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "payload=not-json"),
        ("application/x-www-form-urlencoded", "payload=%5B1%2C2%5D"),  # JSON, not an object
        ("application/json", "{not json"),
        ("application/json", '{"type": "event_callback", "event_id": "Ev1", "team_id": "T1"}'),
        ("application/json", '{"type": "event_callback", "event": "app_mention"}'),
    ],
    ids=["payload-not-json", "payload-a-list", "json-body-not-json", "event-missing", "event-a-string"],
)
def test_a_signed_payload_keel_cannot_read_is_answered_400_and_logged(
    keel: Running, content_type: str, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    headers = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body)}
    status, answer_headers, text = send(keel.url, body.encode(), headers)
    assert status == 400, text
    assert answer_headers.get("X-Slack-No-Retry") == "1"  # Slack would only fail the same way again
    assert [r for r in caplog.records if "cannot read" in r.getMessage()]
    question = keel.emulator.payloads.event_app_mention("How do I connect to the VPN?", ALICE, HELP)
    keel.emulator.ingest(question)
    keel.post(question)
    assert "Pangolin" in keel.replies(HELP, question["event"]["ts"])[0]["text"]  # still serving


# -- replays -------------------------------------------------------------------------------------------------
def test_a_replayed_slash_command_is_refused_and_does_not_pause_keel_again(admin_keel: Running) -> None:
    keel = admin_keel
    content_type, body = encode_payload(keel.emulator.payloads.slash_command("/keel", "pause", ALICE, HELP))
    captured = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body)}
    assert send(keel.url, body.encode(), captured)[0] == 200
    keel.settle()
    assert keel.keel.admin.pause.paused  # the first one works
    assert send_payload(keel, keel.emulator.payloads.slash_command("/keel", "resume", ALICE, HELP))[0] == 200
    keel.settle()
    assert not keel.keel.admin.pause.paused
    responses = len(keel.emulator.responses())

    status, _, text = send(keel.url, body.encode(), captured)  # the captured request, byte for byte
    keel.settle()
    assert status == 409, text
    assert not keel.keel.admin.pause.paused
    assert len(keel.emulator.responses()) == responses  # nothing said either


def test_a_replayed_click_is_refused(admin_keel: Running) -> None:
    keel = admin_keel
    payload = keel.emulator.payloads.block_action("keel_ask_human", "turn-none", ALICE, HELP, "1700000000.000100")
    content_type, body = encode_payload(payload)
    captured = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body)}
    assert send(keel.url, body.encode(), captured)[0] == 200
    assert send(keel.url, body.encode(), captured)[0] == 409


@pytest.mark.parametrize("resigned", [False, True], ids=["same-signature", "signed-again"])
def test_slacks_redelivery_of_an_event_is_acked_and_answered_once(keel: Running, resigned: bool) -> None:
    payload = keel.emulator.payloads.event_app_mention("How long is parental leave?", ALICE, HELP)
    keel.emulator.ingest(payload)
    content_type, body = encode_payload(payload)
    first = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body)}
    assert send(keel.url, body.encode(), first)[0] == 200
    if resigned:
        time.sleep(1.05)  # a new timestamp, so a new signature
    again = {"Content-Type": content_type, **signed(keel.emulator.signing_secret, body)} if resigned else first
    retry = {**again, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert send(keel.url, body.encode(), retry)[0] == 200
    (reply,) = keel.replies(HELP, payload["event"]["ts"])
    assert "20 weeks" in reply["text"]
    assert len(keel.turns()) == 1
