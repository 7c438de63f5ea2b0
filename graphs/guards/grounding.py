"""Is each sentence of an answer supported by the sources it cites?

Lexical support first (the share of the sentence's content words found in the cited sources, and every
number it states must appear there): cheap, and decisive for answers that reuse the sources' words.
Only sentences in the uncertain middle are embedded and compared with the cited sources' closest
sentences, so a typical check costs no embedding at all and a paraphrasing answer costs a few.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from graphs.guards.text import CITATION, Sentence, content_terms, numbers, split_sentences
from graphs.guards.types import SourceText

Embed = Callable[[list[str]], np.ndarray]
MIN_CLAIM_TERMS = 2  # sentences with fewer content words ("Thanks!") make no claim; "...:" lines neither
CANDIDATES_PER_SOURCE = 3


@dataclass(frozen=True)
class Support:
    sentence: Sentence
    cited: tuple[int, ...]  # valid citations
    invalid: tuple[int, ...]  # [n] that point to no source
    claim: bool  # makes a checkable statement
    lexical: float
    semantic: float | None
    supported: bool
    best_source: int | None  # the source that supports it best (used to add a missing citation)


@dataclass(frozen=True)
class Thresholds:
    lexical: float = 0.6
    floor: float = 0.25
    semantic: float = 0.62


class SourceIndex:
    """Per-source content terms, numbers and sentences, computed once per check."""

    def __init__(self, sources: Sequence[SourceText]) -> None:
        self.by_n = {s.n: s for s in sources}
        self.terms = {s.n: set(content_terms(s.text)) for s in sources}
        self.numbers = {s.n: numbers(s.text) for s in sources}
        self.sentences = {s.n: [x.text for x in split_sentences(s.text)] for s in sources}


def analyse(answer: str, sources: Sequence[SourceText], thresholds: Thresholds, embed: Embed | None) -> list[Support]:
    index = SourceIndex(sources)
    results: list[Support] = []
    pending: list[tuple[int, list[str], list[int]]] = []  # sentences that need the embedder
    for sentence in split_sentences(answer):
        cited_all = tuple(dict.fromkeys(sentence.citations))
        valid = tuple(n for n in cited_all if n in index.by_n)
        invalid = tuple(n for n in cited_all if n not in index.by_n)
        body = CITATION.sub(" ", sentence.text)
        terms = content_terms(body)
        claim = len(terms) >= MIN_CLAIM_TERMS and not body.rstrip().endswith(("?", ":"))
        judged_against = list(valid) or list(index.by_n)  # an uncited sentence is judged against all sources
        lexical, best = _lexical(terms, judged_against, index)
        stated = numbers(body)
        numbers_ok = all(any(n in index.numbers[s] for s in judged_against) for n in stated)
        support = Support(sentence, valid, invalid, claim, lexical, None, not claim, best)
        if claim and numbers_ok and lexical >= thresholds.lexical:
            support = replace(support, supported=True)
        elif claim and numbers_ok and lexical >= thresholds.floor and embed is not None:
            candidates = _closest_sentences(terms, judged_against, index)
            if candidates:
                pending.append((len(results), [body, *candidates], [best or 0]))
        results.append(support)
    if pending and embed is not None:
        results = _semantic(results, pending, thresholds, embed)
    return results


def _lexical(terms: list[str], sources: list[int], index: SourceIndex) -> tuple[float, int | None]:
    if not terms or not sources:
        return 0.0, None
    wanted = set(terms)
    best_n, best_share = None, -1.0
    for n in sources:
        share = len(wanted & index.terms[n]) / len(wanted)
        if share > best_share:
            best_n, best_share = n, share
    union = set().union(*(index.terms[n] for n in sources))
    return len(wanted & union) / len(wanted), best_n


def _closest_sentences(terms: list[str], sources: list[int], index: SourceIndex) -> list[str]:
    wanted = set(terms)
    scored = []
    for n in sources:
        for text in index.sentences[n]:
            overlap = len(wanted & set(content_terms(text)))
            if overlap:
                scored.append((overlap, text))
    scored.sort(key=lambda pair: -pair[0])
    return [text for _, text in scored[: CANDIDATES_PER_SOURCE * max(1, min(len(sources), 2))]]


def _semantic(
    results: list[Support], pending: list[tuple[int, list[str], list[int]]], thresholds: Thresholds, embed: Embed
) -> list[Support]:
    texts = [t for _, group, _ in pending for t in group]
    vectors = embed(texts)
    cursor = 0
    for position, group, _ in pending:
        block = vectors[cursor : cursor + len(group)]
        cursor += len(group)
        similarity = float((block[1:] @ block[0]).max())
        results[position] = replace(
            results[position], semantic=round(similarity, 3), supported=similarity >= thresholds.semantic
        )
    return results


def remove_sentences(answer: str, drop: Sequence[Sentence]) -> str:
    """The answer without the given sentences, tidying the spaces they leave behind."""
    out, cursor = [], 0
    for sentence in sorted(drop, key=lambda s: s.start):
        out.append(answer[cursor : sentence.start])
        cursor = sentence.end
    out.append(answer[cursor:])
    text = "".join(out)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line.strip() not in ("-", "*", "•")).strip()
