"""The last line of defence before anything is written to the log: remove secrets and obvious PII.

The input guard has already redacted the question; this runs again on every text the log stores,
because answers, expert replies, comments and error messages never passed through that guard, and
because a log that leaks a token is worse than a log with a few over-eager ``[SECRET]`` marks.
What a secret is is decided in one place, :mod:`graphs.guards.secrets` (no guardrails import there), so
the log and the guards cannot disagree; e-mail addresses are the PII check's own pattern and
card numbers its own test (:mod:`graphs.guards.pii`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from graphs.guards import pii, secrets

SECRET = secrets.MASK
EMAIL = "[EMAIL]"
CREDIT_CARD = "[CREDIT_CARD]"
# Wider than the PII check's card pattern, which leaves "+..." to its phone recogniser: the log has no
# phone recogniser, and a number after "+" or glued to letters that passes the card checks is masked too.
_CARD_CANDIDATE = re.compile(r"(?<![\w-])(?:\d[ -]?){11,18}\d(?![\w-])")


def _card(match: re.Match[str]) -> str:
    return CREDIT_CARD if pii.is_card_number(match.group(0)) else match.group(0)


def scrub(text: str | None) -> str | None:
    """``text`` with secrets replaced by ``[SECRET]``, emails by ``[EMAIL]`` and card numbers by
    ``[CREDIT_CARD]``. Idempotent; ``None`` stays ``None``."""
    if not text:
        return text
    text = secrets.redact(text)
    text = pii.EMAIL.sub(EMAIL, text)
    return _CARD_CANDIDATE.sub(_card, text)


def scrub_row(row: Mapping[str, Any], keep: Iterable[str] = ()) -> dict[str, Any]:
    """A copy of ``row`` with every string scrubbed, except identifier columns named in ``keep``."""
    kept = set(keep)
    return {k: scrub(v) if isinstance(v, str) and k not in kept else v for k, v in row.items()}
