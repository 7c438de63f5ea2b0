"""Credentials in text: the one place Keel decides what a secret is.

Used by the input and output guards (``check_secrets``) and by the log's last scrub
(:func:`bot.store.scrub.scrub`), so a secret the guards would mask never reaches ``KEEL_HOME`` through
another door. Three kinds of evidence, each widened to whole values and masked as ``[SECRET]``:

1. Known formats: detect-secrets' provider regexes (AWS, GitHub, GitLab, Slack, Stripe, OpenAI, JWT, Twilio,
   SendGrid, npm, PyPI, ...), plus PEM private-key blocks, Slack app tokens and webhooks, GitHub
   fine-grained tokens, Google keys, ``sk-`` keys, bearer/basic tokens and database URLs with a password.
2. Context (:mod:`graphs.guards.secret_context`): a value after a password, PIN, key or token word in
   several languages ("my pw is Hunter2!", "mein Passwort ist ...", "mot de passe : ..."), a user and
   password pair ("login alice / Hunter2!"), a secret-named query parameter.
3. Randomness (:mod:`graphs.guards.secret_entropy`): a 20+ character token that looks generated.

We do not use the ``guardrails/secrets_present`` hub validator: it writes each text to a temporary file,
masks only the prefix of some tokens (``ghp``), leaves private-key bodies in place, and quotes the secrets
in its error message (docs/guards.md). Nothing here imports guardrails.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from graphs.guards import secret_context, secret_entropy

MASK = "[SECRET]"
PEM_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)"
)
# Formats detect-secrets does not cover (or covers only in part). A ``value`` group, where there is one,
# is the part masked ("Bearer [SECRET]"); otherwise the match widened to its whole token.
EXTRA_PATTERNS = [
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API key
    re.compile(r"(?<![\w-])sk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic / Stripe-style
    re.compile(r"\bxox[abprse]-[A-Za-z0-9-]{6,}"),  # Slack bot/user/refresh tokens, any layout
    re.compile(r"\bxapp-[A-Za-z0-9-]{6,}"),  # Slack app-level token
    re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+"),
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|APKA|A3T[A-Z0-9])[0-9A-Z]{16}\b"),  # AWS key ids
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{20,}"),  # GitHub tokens of any length
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT
    re.compile(r"(?i)\b(?:bearer|basic|token)\s+(?P<value>(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{12,})"),
    re.compile(r"(?i)\b(?:postgres(?:ql)?|mysql|mongodb(?:\+srv)?|redis|amqp)://[^\s:@/]+:[^\s@/]+@[^\s]+"),
]
_STOPS = " \t\r\n\"'`<>()[]{},;"
_LEFT_STOPS = _STOPS + "=:"  # "OPENAI_API_KEY=sk-..." keeps its name


@dataclass(frozen=True)
class SecretSpan:
    kind: str
    start: int
    end: int
    value: str


@lru_cache(maxsize=1)
def _provider_patterns() -> list[tuple[str, re.Pattern[str]]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import BasePlugin, RegexBasedDetector

    skip = {"Public IP (ipv4)", "Private Key"}  # IPs are personal data, not secrets; PEM blocks handled here
    patterns = []
    # Mapping: detect-secrets annotates the result with a type variable it does not bind (type[Never] to mypy).
    plugins: Mapping[str, type[BasePlugin]] = get_mapping_from_secret_type_to_class()
    for secret_type, plugin in plugins.items():
        if secret_type in skip or not issubclass(plugin, RegexBasedDetector):
            continue
        # detect-secrets declares denylist an instance property; every detector sets it on the class.
        for regex in plugin.denylist:  # type: ignore[attr-defined]
            patterns.append((secret_type, regex))
    return patterns


def find_secrets(text: str) -> list[SecretSpan]:
    """Non-overlapping secret spans of ``text``, in order."""
    found = _known_formats(text)
    found += [_span(text, f.kind, f.start, f.end) for f in secret_context.find(text)]
    found += [_span(text, "High-entropy string", s, e) for s, e in secret_entropy.find(text)]
    return _without_overlaps(text, [s for s in found if not secret_context.is_placeholder(s.value)])


def redact(text: str) -> str:
    """``text`` with every secret masked as ``[SECRET]`` (idempotent)."""
    return mask(text, find_secrets(text))


def mask(text: str, spans: list[SecretSpan]) -> str:
    out, cursor = [], 0
    for span in spans:
        out.append(text[cursor : span.start])
        out.append(MASK)
        cursor = span.end
    out.append(text[cursor:])
    return "".join(out)


def _known_formats(text: str) -> list[SecretSpan]:
    found = [_span(text, "Private Key", m.start(), m.end()) for m in PEM_BLOCK.finditer(text)]
    candidates = _provider_patterns() + [("Token", regex) for regex in EXTRA_PATTERNS]
    for kind, regex in candidates:
        for m in regex.finditer(text):
            if "value" in regex.groupindex:
                found.append(_span(text, kind, m.start("value"), m.end("value")))
                continue
            start, end = _whole_token(text, m.start(), m.end())
            if end - start >= 8:
                found.append(_span(text, kind, start, end))
    return found


def _span(text: str, kind: str, start: int, end: int) -> SecretSpan:
    return SecretSpan(kind, start, end, text[start:end])


def _whole_token(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a match to the surrounding non-space run, so ``ghp_abc...`` is masked whole, not just ``ghp``."""
    while start > 0 and text[start - 1] not in _LEFT_STOPS:
        start -= 1
    while end < len(text) and text[end] not in _STOPS:
        end += 1
    while end > start and text[end - 1] in ".:!?":
        end -= 1
    return start, end


def _without_overlaps(text: str, spans: list[SecretSpan]) -> list[SecretSpan]:
    """Overlapping spans become one (the first one's kind), so no part of either is left unmasked."""
    kept: list[SecretSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if kept and span.start < kept[-1].end:
            last = kept[-1]
            if span.end > last.end:
                kept[-1] = _span(text, last.kind, last.start, span.end)
            continue
        kept.append(span)
    return kept
