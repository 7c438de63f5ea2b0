"""The answerer used when no LLM is configured: the passage's own words that answer, quoted with citations.

Deterministic: the same judgement always gives the same text. From the judge's sentences (best first)
it picks the one that answers what was asked and quotes it in its place in the source:
- a sentence that only describes the page ("This page explains ...") or a heading never answers alone;
  when a retrieved section of the same page is named by the question ("Connecting" for "How do I
  connect ..."), that section is quoted instead;
- a labelled list item about something else ("Slack: ..." when the question asks about email) gives way
  to one that answers this question; for "how many / how much", a sentence measuring the asked thing
  ("20 weeks of leave") comes before one measuring something else ("after 6 months of service");
- a lead-in ending in ":" brings the list after it, and a numbered procedure is quoted whole, numbers
  kept, as a Markdown list (bounded; a cut list ends with "…");
- further sentences join only when they score close to the chosen one, grouped by passage and kept in
  reading order, so adjacent sentences read as one span of the source.
A sentence found word for word in several retrieved documents cites each of them (up to two).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from graphs.evidence import Evidence, Judgement
from graphs.extractive_choice import (
    asks_procedure,
    describes_document,
    is_heading,
    measures_asked,
    off_question,
    read_question,
    section_match,
)
from graphs.passage_layout import Item, ListBlock, list_after, list_holding, sentences_of
from graphs.question import TYPED, QuestionProfile
from graphs.result import Citation
from knowledge.sentences import Sentence, split_sentences
from knowledge.types import Hit

SCORE_WINDOW = 0.1  # a further sentence joins the answer only when it scores this close to the chosen one
MAX_SOURCES_PER_SENTENCE = 2
MEASURE_BONUS = 0.15  # "how much leave?": "20 weeks of leave" before "after 6 months of service"
MAX_LIST_ITEMS = 8  # a quoted list is cut after this many items (nested ones count) ...
MAX_LIST_CHARS = 900  # ... or this many characters, and then ends with "…"
MAX_ANSWER_CHARS = 1200  # no further sentence joins an answer already this long
INDENT = "    "  # per nesting level: enough for CommonMark after "1. " or "- "

_SPACING_FIXES = [
    (re.compile(r"``\s*|\s*''"), '"'),  # PTB-style quotes from tokenised corpora
    (re.compile(r"\s+([,.;:!?%)\]])"), r"\1"),
    (re.compile(r"([(\[])\s+"), r"\1"),
    (re.compile(r"\s+('s|n't|'re|'ve|'ll|'d)\b"), r"\1"),
]


@dataclass
class _Candidate:
    """An evidence sentence (merged across documents that hold it word for word), located in its chunk."""

    sentence: str
    first: Evidence
    hits: list[Hit]
    place: Sentence | None  # where it sits in first.hit.text (None if it cannot be found)
    score: float  # the judge's score, plus MEASURE_BONUS when it measures the asked thing


@dataclass
class _Piece:
    """A part of the answer: one prose sentence, or a list (with its lead-in) quoted from one chunk."""

    hit: Hit
    hits: list[Hit]
    start: int  # offset in the chunk, for reading order
    text: str = ""
    block: ListBlock | None = None
    items: list[Item] = field(default_factory=list)
    lead: str = ""
    cut_before: bool = False
    cut_after: bool = False


def compose_answer(
    question: str, judgement: Judgement, *, max_sentences: int = 3, passages: Sequence[Hit] = ()
) -> tuple[str, list[Citation]]:
    """A short Markdown answer quoted from the judgement's evidence, each sentence followed by ``[n]``.

    ``passages`` are the retrieved chunks (best first): when the best evidence only describes its page,
    the section of that page the question names is quoted from them. Citations are numbered from 1 in
    order of first use and point to the retrieved chunks. Returns ``("", [])`` when there is no evidence.
    """
    if not judgement.evidence or max_sentences < 1:
        return "", []
    profile = read_question(question, judgement.question_type)
    candidates = _candidates(judgement.evidence, profile)
    pieces = _section_pieces(profile, candidates[0], passages) or _evidence_pieces(profile, candidates, max_sentences)
    return _render(pieces)


def display_text(sentence: str) -> str:
    """Tidy spacing left by tokenised sources ("word , word ( x )") and end with punctuation (a sentence
    the splitter cut at a comma ends with "…": it goes on in the source)."""
    text = _tidy(sentence)
    if text.endswith(","):
        return f"{text[:-1]} …"
    return text if text[-1:] in '.!?:;"…' else f"{text}."


# -- choosing --------------------------------------------------------------------------------------
def _candidates(evidence: Sequence[Evidence], profile: QuestionProfile) -> list[_Candidate]:
    """One candidate per distinct sentence, in the judge's order; the same words in another document
    add that document's chunk to the sentence's citations."""
    found: dict[str, _Candidate] = {}
    for item in evidence:
        key = _normalise(item.sentence)
        if key in found:
            entry = found[key]
            if item.hit.source not in {h.source for h in entry.hits} and len(entry.hits) < MAX_SOURCES_PER_SENTENCE:
                entry.hits.append(item.hit)
            continue
        bonus = MEASURE_BONUS if profile.question_type == "number" and measures_asked(item.sentence, profile) else 0.0
        found[key] = _Candidate(item.sentence, item, [item.hit], _locate(item), item.score + bonus)
    return list(found.values())


def _evidence_pieces(profile: QuestionProfile, candidates: list[_Candidate], max_sentences: int) -> list[_Piece]:
    usable = [c for c in candidates if _answers(c, profile)] or candidates
    if usable[0].first.keyed:
        usable = [c for c in usable if c.first.keyed]  # the table row about what was asked answers alone
    ranked = sorted(usable, key=lambda c: -c.score)  # stable: ties keep the judge's order
    anchor, *others = ranked
    chosen = [c for c in others if c.score >= anchor.score - SCORE_WINDOW][: max_sentences - 1]
    pieces: list[_Piece] = []
    # a numbered list is quoted whole unless the question asks for one fact (who, when, how many...):
    # "Each stay needs: 2. People Operations' approval" without item 1 reads as the only condition
    _add(pieces, anchor, whole_procedure=asks_procedure(profile) or profile.question_type not in TYPED)
    for candidate in chosen:
        if _length(pieces) < MAX_ANSWER_CHARS:
            _add(pieces, candidate)
    return pieces


def _answers(candidate: _Candidate, profile: QuestionProfile) -> bool:
    """False for a sentence that cannot answer alone: it describes the document, is a heading, is a
    lead-in whose list is not in the passage, or is a list item about something the question is not."""
    hit, place = candidate.first.hit, candidate.place
    if describes_document(candidate.sentence) or is_heading(candidate.sentence, hit):
        return False
    if place is None:
        return not candidate.sentence.rstrip().endswith(":")
    block = list_holding(hit.text, place.start)
    if block is None:
        return not candidate.sentence.rstrip().endswith(":") or list_after(hit.text, place.end) is not None
    item = next(i for i in reversed(block.items) if i.start <= place.start < i.end)
    return not off_question(item.label, candidate.sentence, hit, profile)


def _add(pieces: list[_Piece], candidate: _Candidate, *, whole_procedure: bool = False) -> None:
    """Add the candidate to the answer where it sits: in its list (a numbered procedure whole when
    ``whole_procedure``), as the lead-in of the list after it, or as a sentence of its own."""
    hit, place = candidate.first.hit, candidate.place
    if place is None:
        pieces.append(_Piece(hit, candidate.hits, len(hit.text), text=candidate.sentence))
        return
    block = list_holding(hit.text, place.start)
    if block is not None:
        index = block.top_level_index(place.start) or 0
        _add_to_list(pieces, candidate.hits, block, index, whole=whole_procedure and block.ordered)
        return
    following = list_after(hit.text, place.end) if candidate.sentence.rstrip().endswith(":") else None
    if following is None:
        pieces.append(_Piece(hit, candidate.hits, place.start, text=candidate.sentence))
        return
    piece = _list_piece(pieces, candidate.hits, following)
    piece.lead, piece.start = candidate.sentence, place.start
    _fill(piece, following.items, None)


def _add_to_list(pieces: list[_Piece], hits: list[Hit], block: ListBlock, index: int, *, whole: bool) -> None:
    """Quote the list's lead-in and the item at ``index`` (with any items of it already quoted), or the
    ``whole`` list, bounded around that item."""
    piece = _list_piece(pieces, hits, block)
    if whole or piece.cut_before or len(piece.items) == len(block.items):
        _fill(piece, block.items, index)
        return
    chosen = {i.start for i in piece.items} | {i.start for i in block.subtree(index)}
    _fill(piece, [i for i in block.items if i.start in chosen], None)


def _list_piece(pieces: list[_Piece], hits: list[Hit], block: ListBlock) -> _Piece:
    """The answer's piece quoting ``block``: the one already there, or a new one with the list's lead-in."""
    hit = hits[0]
    for piece in pieces:
        if piece.hit.chunk_id == hit.chunk_id and piece.block is not None and piece.block.start == block.start:
            return piece
    piece = _Piece(hit, hits, block.start, block=block, lead=block.lead)
    pieces.append(piece)
    return piece


def _fill(piece: _Piece, items: Sequence[Item], must: int | None) -> None:
    """Quote up to MAX_LIST_ITEMS items and MAX_LIST_CHARS characters, keeping the item at ``must``."""
    first = 0
    if must is not None:
        while first < must and not _fits(items[first : must + 1]):
            first += 1
    kept: list[Item] = []
    for item in items[first:]:
        if kept and not _fits([*kept, item]):
            break
        kept.append(item)
    piece.items = kept
    piece.cut_before = first > 0
    piece.cut_after = len(kept) < len(items) - first


def _fits(items: Sequence[Item]) -> bool:
    return len(items) <= MAX_LIST_ITEMS and sum(len(i.text) for i in items) <= MAX_LIST_CHARS


def _section_pieces(profile: QuestionProfile, best: _Candidate, passages: Sequence[Hit]) -> list[_Piece]:
    """When the best evidence only describes its page, the opening of the retrieved section of that page
    that the question names ("Connecting" for "How do I connect to the VPN?"), with the numbered steps
    that follow it."""
    if not passages or not describes_document(best.sentence):
        return []
    section = section_match(profile, best.first.hit, passages)
    if section is None:
        return []
    pieces: list[_Piece] = []
    opening = _opening(section)
    for sentence in opening:
        candidate = _Candidate(sentence.text, Evidence(section, sentence.text, best.score), [section], sentence, 0.0)
        _add(pieces, candidate, whole_procedure=True)
    steps = list_after(section.text, opening[-1].end) if opening else None
    if steps is not None and steps.ordered and not any(p.block is not None for p in pieces):
        _add_to_list(pieces, [section], steps, 0, whole=True)
    return pieces


def _opening(hit: Hit) -> list[Sentence]:
    """The section's first paragraph (up to two sentences), or its first item when it opens with a list."""
    sentences = _sentences(hit.text)
    if not sentences:
        return []
    first = sentences[0]
    if len(sentences) == 1 or list_holding(hit.text, first.start) is not None or first.text.endswith(":"):
        return [first]
    second = sentences[1]
    same_paragraph = "\n\n" not in hit.text[first.end : second.start]
    return [first, second] if same_paragraph and list_holding(hit.text, second.start) is None else [first]


# -- locating ----------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[Sentence, ...]:
    return tuple(split_sentences(text))


def _locate(evidence: Evidence) -> Sentence | None:
    """The evidence sentence in its chunk (the judge split the chunk the same way)."""
    sentences = _sentences(evidence.hit.text)
    exact = next((s for s in sentences if s.text == evidence.sentence), None)
    if exact is not None:
        return exact
    key = _normalise(evidence.sentence)[:60]
    return next((s for s in sentences if key and _normalise(s.text).startswith(key)), None)


# -- rendering ---------------------------------------------------------------------------------------
def _render(pieces: list[_Piece]) -> tuple[str, list[Citation]]:
    numbers: dict[str, int] = {}
    citations: list[Citation] = []

    def marks(hits: list[Hit]) -> str:
        for hit in hits:
            if hit.chunk_id not in numbers:
                numbers[hit.chunk_id] = len(numbers) + 1
                citations.append(
                    Citation(numbers[hit.chunk_id], hit.source, hit.title, hit.section, hit.chunk_id, hit.score)
                )
        return "".join(f"[{numbers[h.chunk_id]}]" for h in hits)

    paragraphs: list[str] = []
    prose: list[str] = []
    for piece in _reading_order(pieces):
        if piece.block is None:
            prose.append(f"{display_text(piece.text)} {marks(piece.hits)}")
            continue
        if _reads_as_prose(piece):
            prose.append(_cited(piece.items[0].text, marks(piece.hits), complete=True))
            continue
        if prose:
            paragraphs.append(" ".join(prose))
            prose = []
        paragraphs.extend(_list_lines(piece, marks(piece.hits)))
    if prose:
        paragraphs.append(" ".join(prose))
    return "\n\n".join(paragraphs), citations


def _reads_as_prose(piece: _Piece) -> bool:
    """One item quoted without a lead-in is a sentence, not a list."""
    return not piece.lead and len(piece.items) == 1 and not (piece.cut_before or piece.cut_after)


def _list_lines(piece: _Piece, mark: str) -> list[str]:
    """The lead-in (a paragraph of its own) and the list as Markdown, numbers and nesting kept."""
    parts = [_cited(piece.lead, mark)] if piece.lead else []
    if piece.cut_before:
        parts.append(f"… {mark}")
    base = min((item.depth for item in piece.items), default=0)
    lines = [f"{INDENT * (item.depth - base)}{item.marker} {_cited(item.text, mark)}" for item in piece.items]
    parts.append("\n".join(lines))
    if piece.cut_after:
        parts.append(f"… {mark}")
    return parts


def _cited(text: str, mark: str, *, complete: bool = False) -> str:
    """Each sentence of a quoted lead-in or item followed by its citation (``complete``: the last one
    ends with punctuation, as a sentence in prose does)."""
    sentences = sentences_of(text)
    shown = [_tidy(s) for s in sentences[:-1]] + [display_text(sentences[-1]) if complete else _tidy(sentences[-1])]
    return " ".join(f"{sentence} {mark}" for sentence in shown)


def _reading_order(pieces: list[_Piece]) -> list[_Piece]:
    """Group pieces by passage (the chosen sentence's passage first), in the order they appear in it."""
    passage_rank: dict[str, int] = {}
    for piece in pieces:
        passage_rank.setdefault(piece.hit.chunk_id, len(passage_rank))
    return sorted(pieces, key=lambda p: (passage_rank[p.hit.chunk_id], p.start))


def _length(pieces: list[_Piece]) -> int:
    return sum(len(p.text) + len(p.lead) + sum(len(i.text) for i in p.items) for p in pieces)


def _tidy(text: str) -> str:
    text = text.strip()
    for pattern, replacement in _SPACING_FIXES:
        text = pattern.sub(replacement, text)
    return text.strip()


def _normalise(sentence: str) -> str:
    return " ".join(re.findall(r"\w+", sentence.lower()))
