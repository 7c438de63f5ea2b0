"""Slack-shaped identifiers and message timestamps, shared by the emulator and the payload builders."""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time

TEAM_ID = "T0KEEL001"
TEAM_DOMAIN = "keel-test"
TEAM_NAME = "Keel Test"
APP_ID = "A0KEEL001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
BOT_NAME = "keel"
VERIFICATION_TOKEN = "verification-token"

_ALPHABET = string.ascii_uppercase + string.digits
_ts_lock = threading.Lock()
_last_micros = 0
_event_numbers = itertools.count(1)


def next_ts() -> str:
    """A message timestamp like Slack's ("1700000000.000100"): wall-clock based, unique, increasing.

    One clock for the whole process, so a user message built by a test and the bot's reply the emulator
    stores always sort in the order they happened.
    """
    global _last_micros
    with _ts_lock:
        _last_micros = max(int(time.time() * 1_000_000), _last_micros + 1)
        return f"{_last_micros // 1_000_000}.{_last_micros % 1_000_000:06d}"


def new_id(prefix: str, length: int = 10) -> str:
    """A random Slack-style id: "V" + uppercase letters and digits."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_event_id() -> str:
    return f"Ev{next(_event_numbers):04d}{new_id('', 6)}"


def new_trigger_id() -> str:
    return f"{int(time.time())}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
