"""System-prompt leakage: an answer that repeats the instructions Keel runs under.

Protected texts are the prompt templates in :mod:`graphs.prompts` (every ``*_SYSTEM`` constant) plus any
registered with :func:`protect`. A leak is a run of ``shingle_words`` words shared with a protected text
that the sources do not also contain, or a sentence that talks about "my system prompt/instructions".
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

from graphs.guards.text import normalise
from graphs.words import words as split_words

_lock = threading.Lock()
_protected: list[str] = []
SELF_DISCLOSURE = re.compile(
    r"\b(?:my|the) (?:system prompt|system message|initial instructions|hidden instructions|original instructions|"
    r"instructions (?:say|state|are|tell me))\b|\bi (?:was|have been|am) (?:instructed|told|programmed|configured) "
    r"(?:to|not to|that)\b|\bhere (?:is|are) my (?:instructions|rules|prompt)\b",
    re.I,
)


def protect(*texts: str) -> None:
    """Register prompt texts whose wording must never appear in an answer."""
    with _lock:
        for text in texts:
            if text and text not in _protected:
                _protected.append(text)


def protected_texts() -> list[str]:
    with _lock:
        registered = list(_protected)
    try:
        from graphs import prompts
    except ImportError:  # pragma: no cover - prompts are part of the package
        return registered
    templates = [v for k, v in vars(prompts).items() if k.endswith("_SYSTEM") and isinstance(v, str)]
    return registered + templates


def _words(text: str) -> list[str]:
    return split_words(normalise(re.sub(r"\{[^}]*\}", " ", text)), "apostrophe")


def _shingles(words: list[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


@lru_cache(maxsize=64)
def _prompt_shingles(text: str, size: int) -> frozenset[tuple[str, ...]]:
    return frozenset(_shingles(_words(text), size))


def find_leak(answer: str, sources: Iterable[str], shingle_words: int = 8) -> str | None:
    """A log-safe description of the leak, or None."""
    answer_shingles = _shingles(_words(answer), shingle_words)
    source_shingles = _shingles(_words(" ".join(sources)), shingle_words)
    for text in protected_texts():
        shared = (answer_shingles & _prompt_shingles(text, shingle_words)) - source_shingles
        if shared:
            return f"{len(shared)} run(s) of {shingle_words} words copied from the system prompt"
    if SELF_DISCLOSURE.search(answer) and not any(SELF_DISCLOSURE.search(s) for s in sources):
        return "the answer talks about its own instructions"
    return None
