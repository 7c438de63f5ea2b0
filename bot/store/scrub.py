"""The last line of defence before anything is written to the log: remove obvious secrets and PII.

The input guard has already redacted the question; this runs again on every text the log stores,
because answers, expert replies, comments and error messages never passed through that guard, and
because a log that leaks a token is worse than a log with a few over-eager ``[SECRET]`` marks.
It is deliberately self-contained (no guard imports) so it keeps working whatever the guards do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphs.guards.pii import luhn_valid

SECRET = "[SECRET]"
EMAIL = "[EMAIL]"
CREDIT_CARD = "[CREDIT_CARD]"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.S,
)
_TOKENS = [
    re.compile(r"\bxox[abprse]-[A-Za-z0-9-]{6,}"),  # Slack bot/user/app/refresh tokens
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),  # Slack app-level tokens
    re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    re.compile(r"(?<![\w-])sk-[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic style API keys
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API keys
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWTs
]
_BEARER = re.compile(r"(?i)\b(bearer|token|basic)(\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,}")
_ASSIGNED = re.compile(
    r"(?i)\b(password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|access[_-]?key|"
    r"aws_secret_access_key|auth[_-]?token|access[_-]?token|token)(\s*[=:]\s*|\s+is\s+)([\"']?)[^\s\"'<>,;]{6,}"
)
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")
_CARD = re.compile(r"(?<![\w-])(?:\d[ -]?){11,18}\d(?![\w-])")


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if 12 <= len(digits) <= 19 and luhn_valid(digits) and len(set(digits)) > 1:
        return CREDIT_CARD
    return match.group(0)


def scrub(text: str | None) -> str | None:
    """``text`` with secrets replaced by ``[SECRET]``, emails by ``[EMAIL]`` and card numbers by
    ``[CREDIT_CARD]``. Idempotent; ``None`` stays ``None``."""
    if not text:
        return text
    text = _PRIVATE_KEY.sub(SECRET, text)
    for pattern in _TOKENS:
        text = pattern.sub(SECRET, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)}{m.group(2)}{SECRET}", text)
    text = _ASSIGNED.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{SECRET}", text)
    text = _EMAIL.sub(EMAIL, text)
    return _CARD.sub(_card, text)


def scrub_row(row: Mapping[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of ``row`` with every string scrubbed, except identifier columns named in ``keep``."""
    kept = set(keep)
    return {k: scrub(v) if isinstance(v, str) and k not in kept else v for k, v in row.items()}
