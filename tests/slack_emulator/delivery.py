"""Deliver a payload to an app's Request URL over real HTTP, signed the way Slack signs it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

EVENT_TYPES = ("event_callback", "url_verification", "app_rate_limited")


@dataclass(frozen=True)
class Delivery:
    """The app's answer to one delivery."""

    status: int
    body: str
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def encode_payload(payload: dict[str, Any]) -> tuple[str, str]:
    """(content type, body) as Slack sends this kind of payload.

    Events API: a JSON body. Slash commands: their fields, form-encoded. Everything interactive
    (block_actions, view_submission, shortcuts, ...): one form field ``payload`` holding JSON.
    """
    if payload.get("type") in EVENT_TYPES:
        return "application/json", json.dumps(payload)
    if "command" in payload:
        return "application/x-www-form-urlencoded", urlencode({k: _form_value(v) for k, v in payload.items()})
    return "application/x-www-form-urlencoded", urlencode({"payload": json.dumps(payload)})


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def sign_and_post(
    app_url: str,
    payload: dict[str, Any],
    signing_secret: str,
    retry_num: int | None = None,
    timestamp: int | None = None,
    retry_reason: str = "http_timeout",
    timeout: float = 10,
) -> Delivery:
    """POST ``payload`` to ``app_url`` with X-Slack-Signature (v0, HMAC-SHA256) and its timestamp.

    ``timestamp`` defaults to now (pass an old one to test replay protection); ``retry_num`` adds
    X-Slack-Retry-Num / X-Slack-Retry-Reason as Slack does when it redelivers an event.
    """
    content_type, body = encode_payload(payload)
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=stamp, body=body)
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason
    request = urllib.request.Request(app_url, data=body.encode("utf-8"), headers=headers, method="POST")
    # An explicit opener without proxies: the app is on 127.0.0.1 whatever the environment says.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return Delivery(response.status, response.read().decode("utf-8"), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        return Delivery(error.code, error.read().decode("utf-8"), dict(error.headers.items()))
