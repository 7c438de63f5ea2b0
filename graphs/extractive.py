"""The answerer used when no LLM is configured: the judge's best sentences, quoted with citations.

Deterministic: the same judgement always gives the same text. A sentence found word for word in
several retrieved documents cites each of them (up to two); sentences are grouped by passage and kept
in reading order, so the answer reads like the source rather than like a ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphs.evidence import Evidence, Judgement
from graphs.result import Citation
from knowledge.types import Hit

SCORE_WINDOW = 0.1  # a further sentence joins the answer only when it scores this close to the best
MAX_SOURCES_PER_SENTENCE = 2

_SPACING_FIXES = [
    (re.compile(r"``\s*|\s*''"), '"'),  # PTB-style quotes from tokenised corpora
    (re.compile(r"\s+([,.;:!?%)\]])"), r"\1"),
    (re.compile(r"([(\[])\s+"), r"\1"),
    (re.compile(r"\s+('s|n't|'re|'ve|'ll|'d)\b"), r"\1"),
]


@dataclass
class _Chosen:
    sentence: str
    first: Evidence
    hits: list[Hit] = field(default_factory=list)


def compose_answer(question: str, judgement: Judgement, *, max_sentences: int = 3) -> tuple[str, list[Citation]]:
    """A short Markdown answer from the judgement's best sentences, each followed by ``[n]``.

    Citations are numbered from 1 in order of first use and point to the retrieved chunks.
    Returns ``("", [])`` when there is no evidence.
    """
    chosen = _choose(judgement.evidence, max_sentences)
    if not chosen:
        return "", []
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    parts = []
    for item in _reading_order(chosen):
        marks = []
        for hit in item.hits:
            if hit.chunk_id not in numbers:
                numbers[hit.chunk_id] = len(numbers) + 1
                citations.append(
                    Citation(numbers[hit.chunk_id], hit.source, hit.title, hit.section, hit.chunk_id, hit.score)
                )
            marks.append(f"[{numbers[hit.chunk_id]}]")
        parts.append(f"{display_text(item.sentence)} {''.join(marks)}")
    return " ".join(parts), citations


def display_text(sentence: str) -> str:
    """Tidy spacing left by tokenised sources ("word , word ( x )") and end with punctuation."""
    text = sentence.strip()
    for pattern, replacement in _SPACING_FIXES:
        text = pattern.sub(replacement, text)
    text = text.strip()
    return text if text[-1:] in '.!?:;"' else f"{text}."


def _choose(evidence: list[Evidence], max_sentences: int) -> list[_Chosen]:
    if not evidence or max_sentences < 1:
        return []
    best = evidence[0].score
    chosen: dict[str, _Chosen] = {}
    for item in evidence:
        key = _normalise(item.sentence)
        if key in chosen:
            entry = chosen[key]
            cited_sources = {h.source for h in entry.hits}
            if item.hit.source not in cited_sources and len(entry.hits) < MAX_SOURCES_PER_SENTENCE:
                entry.hits.append(item.hit)  # the same words in another document: cite it too
            continue
        if evidence[0].keyed and not item.keyed:
            continue  # the row about what was asked ("Destination: Boston; ...") answers on its own
        if len(chosen) < max_sentences and item.score >= best - SCORE_WINDOW:
            chosen[key] = _Chosen(item.sentence, item, [item.hit])
    return list(chosen.values())


def _reading_order(chosen: list[_Chosen]) -> list[_Chosen]:
    """Group sentences by passage (best passage first), in the order they appear in it."""
    passage_rank: dict[str, int] = {}
    for item in chosen:
        passage_rank.setdefault(item.first.hit.chunk_id, len(passage_rank))

    def key(item: _Chosen) -> tuple[int, int]:
        passage = _normalise(item.first.hit.text)
        position = passage.find(_normalise(item.sentence)[:60])
        return passage_rank[item.first.hit.chunk_id], position if position >= 0 else len(passage)

    return sorted(chosen, key=key)


def _normalise(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))
