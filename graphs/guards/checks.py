"""Keel's own checks as plain functions ``(text, context) -> Finding``. No guardrails import here: the
engine wraps each one in a guardrails ``Validator`` (:mod:`graphs.guards.engine`).

Reasons are written for the audit log: what was found and how much, never the offending text itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from graphs.guards import credential_requests, grounding, injection, language, leak, pii, secrets, slack, topics
from graphs.guards.text import CITATION
from graphs.guards.types import PASS, CheckContext, Finding

Check = Callable[[str, CheckContext], Finding]


def _embed(texts: list[str]) -> np.ndarray:
    return injection.default_library().embed(texts)


# -- input ------------------------------------------------------------------------------------------
def check_language(text: str, ctx: CheckContext) -> Finding:
    found = language.identify(text)
    allowed = ctx.policy.guards.language.allowed
    if found is not None and found not in allowed:
        return Finding(False, f"language '{found}' is not one Keel serves ({', '.join(allowed)})")
    if "unknown" not in allowed and language.foreign_stretch(text):
        return Finding(False, "part of the message is in a language Keel does not recognise")
    return PASS


def check_injection(text: str, ctx: CheckContext) -> Finding:
    p = ctx.policy.guards.injection
    detection = injection.detect(
        text, pattern_threshold=p.pattern_threshold, similarity_threshold=p.similarity_threshold, margin=p.margin
    )
    return Finding(not detection.flagged, detection.reason() if detection.flagged else "")


def check_secrets(text: str, ctx: CheckContext) -> Finding:
    found = secrets.find_secrets(text)
    if ctx.stage == "output":
        sources = ctx.source_text
        found = [s for s in found if s.value not in sources]
    if not found:
        return PASS
    kinds = sorted({s.kind for s in found})
    return Finding(False, f"{len(found)} secret(s) masked ({', '.join(kinds)})", secrets.mask(text, found))


def check_pii(text: str, ctx: CheckContext) -> Finding:
    entities = ctx.policy.guards.output_pii.entities if ctx.stage == "output" else ctx.policy.guards.pii.entities
    found = pii.find_pii(text, entities)
    if ctx.stage == "output":
        found = [e for e in found if not _in_sources(e, ctx)]
    elif ctx.known_name is not None:
        found = [e for e in found if not _in_knowledge_base(e, ctx.known_name)]
    if not found:
        return PASS
    return Finding(False, f"personal data redacted: {pii.describe(found)}", pii.redact(text, found))


def _in_knowledge_base(entity: pii.Entity, known_name: Callable[[str], bool]) -> bool:
    """A person name the knowledge base itself holds is what the question is about: kept. Other kinds
    (e-mail, phone, card...) are always redacted from questions."""
    return entity.type == "PERSON" and known_name(entity.value)


def _in_sources(entity: pii.Entity, ctx: CheckContext) -> bool:
    """PII the sources already contain may be repeated (a phone number in the HR page is meant to be seen)."""
    sources = ctx.source_text
    if entity.value in sources:
        return True
    if entity.type in ("PHONE", "CREDIT_CARD", "US_SSN", "IBAN"):
        digits = re.sub(r"\W", "", entity.value).lower()
        return digits in re.sub(r"\W", "", sources).lower()
    return entity.value.lower() in sources.lower()


def _topic_check(topics_: list[str], threshold: float, label: str) -> Callable[[str], Finding]:
    def run(text: str) -> Finding:
        match = topics.matching_topic(text, topics_, threshold, _embed)
        if match is None:
            return PASS
        index, score = match
        return Finding(False, f"{label} topic #{index + 1} matched (score {score:.2f})")

    return run


def check_banned_topics(text: str, ctx: CheckContext) -> Finding:
    p = ctx.policy.guards.banned_topics
    return _topic_check(ctx.policy.banned_topics, p.similarity_threshold, "banned")(text)


def check_reserved_topics(text: str, ctx: CheckContext) -> Finding:
    p = ctx.policy.guards.reserved_topics
    return _topic_check(ctx.policy.reserved_topics, p.similarity_threshold, "reserved")(text)


# -- output -----------------------------------------------------------------------------------------
def check_slack_safety(text: str, ctx: CheckContext) -> Finding:
    result = slack.make_safe(text, ctx.policy.allowed_link_domains, [s.source for s in ctx.sources])
    if not result.mentions and not result.links_removed:
        return PASS
    parts = []
    if result.mentions:
        parts.append(f"{result.mentions} channel/group ping(s) neutralised")
    if result.links_removed:
        parts.append(
            f"links to {', '.join(sorted(set(result.links_removed)))} removed (not on the allow-list, not a cited site)"
        )
    return Finding(False, "; ".join(parts), result.fixed)


def _thresholds(ctx: CheckContext) -> grounding.Thresholds:
    p = ctx.policy.guards.grounded
    return grounding.Thresholds(p.lexical_threshold, p.lexical_floor, p.semantic_threshold)


def check_citations(text: str, ctx: CheckContext) -> Finding:
    analysis = grounding.analyse(text, ctx.sources, _thresholds(ctx), _embed)
    invalid = sorted({n for s in analysis for n in s.invalid})
    uncited = [s for s in analysis if s.claim and not s.cited]
    if not invalid and not uncited:
        return PASS
    fixed = text
    for support in sorted(analysis, key=lambda s: -s.sentence.start):  # edit from the end: offsets stay valid
        sentence = support.sentence.text
        repaired = _SPACED_CITATION.sub(lambda m: _keep_valid(m, ctx), sentence) if support.invalid else sentence
        if support.claim and not support.cited and support.supported and support.best_source is not None:
            repaired = _append_citation(repaired, support.best_source)
        if repaired != sentence:
            fixed = fixed[: support.sentence.start] + repaired + fixed[support.sentence.end :]
    parts = []
    if invalid:
        parts.append(f"citation(s) {', '.join(f'[{n}]' for n in invalid)} point to no source")
    if uncited:
        parts.append(f"{len(uncited)} sentence(s) without a citation")
    return Finding(False, "; ".join(parts), fixed)


_SPACED_CITATION = re.compile(r"(\s*)" + CITATION.pattern)


def _keep_valid(match: re.Match[str], ctx: CheckContext) -> str:
    valid = [n for n in re.split(r"\s*,\s*", match.group(2)) if int(n) in {s.n for s in ctx.sources}]
    return f"{match.group(1)}[{', '.join(valid)}]" if valid else ""


def _append_citation(sentence: str, n: int) -> str:
    stripped = sentence.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} [{n}]{stripped[-1]}"
    return f"{stripped} [{n}]"


def check_grounded(text: str, ctx: CheckContext) -> Finding:
    analysis = grounding.analyse(text, ctx.sources, _thresholds(ctx), _embed)
    claims = [s for s in analysis if s.claim]
    unsupported = [s for s in claims if not s.supported]
    if not unsupported:
        return PASS
    share = 1 - len(unsupported) / len(claims)
    fixed = grounding.remove_sentences(text, [s.sentence for s in unsupported])
    escalate = share < ctx.policy.guards.grounded.min_supported or not fixed.strip()
    reason = f"{len(unsupported)} of {len(claims)} sentence(s) not supported by their sources"
    return Finding(False, reason, fixed, escalate=escalate)


def check_credential_requests(text: str, ctx: CheckContext) -> Finding:
    found = credential_requests.find_credential_request(text)
    return Finding(False, found) if found else PASS


def check_prompt_leak(text: str, ctx: CheckContext) -> Finding:
    found = leak.find_leak(text, [s.text for s in ctx.sources], ctx.policy.guards.prompt_leak.shingle_words)
    return Finding(False, found) if found else PASS


INPUT_CHECKS: dict[str, Check] = {
    "language": check_language,
    "injection": check_injection,
    "secrets": check_secrets,
    "pii": check_pii,
    "banned_topics": check_banned_topics,
    "reserved_topics": check_reserved_topics,
}
OUTPUT_CHECKS: dict[str, Check] = {
    "slack_safety": check_slack_safety,
    "citations": check_citations,
    "grounded": check_grounded,
    "output_secrets": check_secrets,
    "output_pii": check_pii,
    "prompt_leak": check_prompt_leak,
    "credential_requests": check_credential_requests,
}
