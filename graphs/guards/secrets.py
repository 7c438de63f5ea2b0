"""Credentials in text: API keys, tokens, private keys, passwords written out.

Provider key formats come from detect-secrets' regex detectors (AWS, GitHub, GitLab, Slack, Stripe,
OpenAI, JWT, Twilio, SendGrid, npm, PyPI, ...), matched here on whole spans. We do not use the
``guardrails/secrets_present`` hub validator's detection: it writes each text to a temporary file, masks
only the prefix of some tokens (``ghp``), leaves private-key bodies in place, and quotes the secrets in
its error message (docs/guards.md). Entropy detectors are left out: on prose they flag ordinary words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MASK = "[SECRET]"
PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)"
)
EXTRA_PATTERNS = [
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{20,}\b"),  # OpenAI / Anthropic / Stripe-style
    re.compile(r"\bxapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{20,}\b", re.I),  # Slack app-level token
    re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{20,}=*", re.I),
    re.compile(r"\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://[^\s:@/]+:[^\s@/]+@[^\s]+", re.I),
]
# "password: hunter2!", "api_key = abc123...", "my password is Winter2024!" (a value with a digit or symbol).
ASSIGNED = re.compile(
    r"(?i)\b(?:password|passwd|pwd|passphrase|passcode|secret|api[_ -]?key|access[_ -]?key|access[_ -]?token|"
    r"auth[_ -]?token|client[_ -]?secret|private[_ -]?key)\b[\"']?\s*(?:is|=|:|:=|=>)\s*[\"']?"
    r"(?P<value>(?=[^\s\"']*[\d!@#$%^&*_+=~?])[^\s\"',;]{6,})"
)


@dataclass(frozen=True)
class SecretSpan:
    kind: str
    start: int
    end: int
    value: str


@lru_cache(maxsize=1)
def _provider_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    skip = {"Public IP (ipv4)", "Private Key"}  # IPs are personal data, not secrets; PEM blocks handled here
    patterns = []
    for secret_type, plugin in get_mapping_from_secret_type_to_class().items():
        if secret_type in skip or not issubclass(plugin, RegexBasedDetector):
            continue
        for regex in plugin.denylist:  # type: ignore[attr-defined]
            patterns.append((secret_type, regex))
    return patterns


def find_secrets(text: str) -> list[SecretSpan]:
    """Non-overlapping secret spans, each widened to the whole token it sits in."""
    found: list[SecretSpan] = [
        SecretSpan("Private Key", m.start(), m.end(), m.group(0)) for m in PEM_BLOCK.finditer(text)
    ]
    candidates = [(kind, regex) for kind, regex in _provider_patterns()]
    candidates += [("Token", regex) for regex in EXTRA_PATTERNS]
    for kind, regex in candidates:
        for m in regex.finditer(text):
            start, end = _whole_token(text, m.start(), m.end())
            if end - start >= 8:
                found.append(SecretSpan(kind, start, end, text[start:end]))
    for m in ASSIGNED.finditer(text):
        found.append(SecretSpan("Password", m.start("value"), m.end("value"), m.group("value")))
    return _without_overlaps(found)


def _whole_token(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a match to the surrounding non-space run, so ``ghp_abc...`` is masked whole, not just ``ghp``."""
    stops = " \t\r\n\"'`<>()[]{},;"
    while start > 0 and text[start - 1] not in stops:
        start -= 1
    while end < len(text) and text[end] not in stops:
        end += 1
    while end > start and text[end - 1] in ".:!?":
        end -= 1
    return start, end


def _without_overlaps(spans: list[SecretSpan]) -> list[SecretSpan]:
    kept: list[SecretSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept


def mask(text: str, spans: list[SecretSpan]) -> str:
    out, cursor = [], 0
    for span in spans:
        out.append(text[cursor : span.start])
        out.append(MASK)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)
