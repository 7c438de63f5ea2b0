"""What a text does, as numbers for the injection classifier (issue 17).

An attack asks to change or drop the rules, to adopt a persona without limits, to reveal or repeat hidden
text, to obey text inside data, or hides itself in a format or an encoding. Each *behaviour family* below
gathers the pattern signals that describe one of those; a text's value for a family is the strongest of
its signals there. A few shape features (how much of it speaks to "you", how it is laid out) and, when
computed, its nearness to known attacks and ordinary questions complete the picture. The classifier over
these (``injection_model.json``) is fitted by ``benchmarks/fit_injection.py`` and reported leave-one-
source-out there.
"""

from __future__ import annotations

import re

from graphs.guards.patterns import DOCUMENT_SIGNALS, SIGNALS

FAMILIES: dict[str, frozenset[str]] = {
    "rule_change": frozenset(
        [
            "override",
            "override-you-were-told",
            "no-longer-bound",
            "new-instructions",
            "rules-void",
            "regardless-of-rules",
            "conditional-hijack",
            "never-refuse",
            "banned-refusal-words",
            "always-comply",
            "policy-contempt",
            "multilingual-override",
            "rules-changed",
            "blame-the-instructions",
            "silent-step",
            "set-aside-context",
            "set-aside-bare",
            "then-just-do",
            "rules-replaced",
            "start-over",
            "instructions-void",
            "bypass-safety",
            "identity-revoked",
        ]
    ),
    "persona": frozenset(
        [
            "unrestricted-persona",
            "you-are-dan",
            "do-anything-now",
            "mode-switch",
            "stay-in-character",
            "dual-response",
            "persona-tokens",
            "ai-freed",
            "jailbreak-word",
            "hypothetical-unlock",
            "from-now-on",
            "your-task-now",
            "no-restrictions",
            "persona-without-limits",
            "simulated-ais",
            "emotional-roleplay",
            "pretext",
            "obey-only-me",
        ]
    ),
    "extraction": frozenset(
        [
            "system-prompt",
            "reveal-instructions",
            "repeat-above",
            "what-were-you-told",
            "starts-with-you-are",
            "your-instructions",
            "verbatim",
            "reveal-own-secret",
            "own-prompt-request",
            "what-you-may-not-say",
            "context-secrets",
            "repeat-many-times",
            "bot-secrets",
            "dump-context",
            "hidden-text-by-place",
            "hidden-configuration",
        ]
    ),
    "data_obedience": frozenset(
        [
            "addressed-to-ai",
            "ai-reading-this",
            "when-summarising",
            "conceal-from-user",
            "include-in-response",
            "include-string",
            "end-of-input",
            "conditional-instruction",
            "follow-embedded",
            "only-respond",
            "instead-do",
            "plant-in-answer",
            "message-to-the-model",
            "vocative-assistant",
            "task-hijack",
            "fake-transcript",
            "order-to-assistant",
            "forced-opening",
        ]
    ),
    "format": frozenset(
        [
            "fake-role-tag",
            "instruction-banner",
            "fake-system-header",
            "format-attack",
            "markdown-image-exfil",
            "html-payload",
            "event-handler",
            "encode-data",
            "encoded-answer",
            "secret-canary",
            "core-instruction-banner",
            "decode-and-do",
            "evade-the-filter",
            "split-answer",
            "decode-secret-message",
            "invisible-text",
            "token-noise",
        ]
    ),
    "harm": frozenset(
        [
            "malicious-code",
            "tool-abuse",
            "send-data-out",
            "bulk-send-out",
            "visit-url",
            "grant-privileges",
            "harmful-story",
        ]
    ),
}
WEIGHTS = {s.name: s.weight for s in [*SIGNALS, *DOCUMENT_SIGNALS]}
# Families that act on the assistant itself; "harm" (send, visit, grant) is also what people ordinarily ask.
TARGETING_FAMILIES = [name for name in FAMILIES if name != "harm"]
TARGETING_SIGNALS = frozenset().union(*(FAMILIES[name] for name in TARGETING_FAMILIES))
FEATURES = [
    *(f"family_{name}" for name in FAMILIES),
    "families",
    "pattern_score",
    "foreign_stretch",
    "you_share",
    "imperative_share",
    "question",
    "obfuscated",
]
_YOU = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b")
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:ignore|forget|disregard|act|pretend|imagine|simulate|roleplay|respond|reply|answer|output|"
    r"print|write|repeat|say|generate|begin|start|stop|never|always|do not|don't|remember|from now on|you will|"
    r"you are|you must|you should|provide|include|add|tell|give|list|reveal|show|translate|continue|enter|switch)\b"
)
_QUESTION_START = re.compile(
    r"^\W*(?:how|what|when|where|who|whom|which|why|is|are|am|can|could|do|does|did|should|would|will|may|"
    r"have|has|any|whats|what's|hi|hey|hello)\b"
)
_SENTENCE = re.compile(r"(?<=[.!?\n])\s+")


def features(
    normalised: str,
    signals: tuple[str, ...],
    *,
    foreign: bool,
    obfuscated: bool,
) -> dict[str, float]:
    """The classifier's inputs for one text."""
    values: dict[str, float] = {}
    for family, names in FAMILIES.items():
        values[f"family_{family}"] = max((WEIGHTS.get(s, 0.0) for s in signals if s in names), default=0.0)
    values["families"] = float(sum(1 for family in FAMILIES if values[f"family_{family}"] > 0))
    values["pattern_score"] = min(sum(WEIGHTS.get(s, 0.5) for s in signals), 3.0)
    values["foreign_stretch"] = float(foreign)
    sentences = [s for s in _SENTENCE.split(normalised.strip()) if s.strip()] or [normalised]
    values["you_share"] = sum(1 for s in sentences if _YOU.search(s)) / len(sentences)
    values["imperative_share"] = sum(1 for s in sentences if _IMPERATIVE.search(s)) / len(sentences)
    words = len(normalised.split())
    values["question"] = float(
        words <= 40 and normalised.rstrip().endswith("?") and bool(_QUESTION_START.search(normalised))
    )
    # (length and layout were tried and left out: the attack collections are long and the questions short,
    # so they told the sources apart rather than attacks from requests)
    values["obfuscated"] = float(obfuscated)
    # (nearness to the attack library was tried as two more features and left out: without them detection on
    # held-out sources was the same within a point and held-out workplace messages were refused less, 3.0%
    # instead of 4.5%; and the check needs no embedding)
    return values
