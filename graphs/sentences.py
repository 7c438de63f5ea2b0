"""Chunk text -> candidate answer sentences, each with the heading it sits under.

Chunks are Markdown: headings give context rather than answers, list items and table rows are
sentences of their own, and prose is split after ``.``, ``!`` or ``?`` unless the period ends a
common abbreviation or an initial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 3
MAX_CHARS = 600  # longer "sentences" (run-on table dumps) are cut for display and embedding

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[`]*[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    re.findall(r"\S+", "e.g i.e etc vs mr mrs ms dr prof st no fig approx incl dept inc ltd co jr sr u.s u.k a.m p.m")
)


@dataclass(frozen=True)
class Sentence:
    text: str
    heading: str  # the nearest heading above it inside the chunk ("" if none)
    position: int  # order within the chunk


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a chunk in reading order; fragments under three words are dropped."""
    found: list[Sentence] = []
    heading = ""
    for line in text.splitlines():
        if not line.strip() or _TABLE_RULE.match(line):
            continue
        if match := _HEADING.match(line):
            heading = _clean(match.group(1))
            continue
        line = _LIST_MARKER.sub("", line)
        if line.lstrip().startswith("|"):
            line = "; ".join(cell.strip() for cell in line.strip().strip("|").split("|") if cell.strip())
        for piece in _split_prose(line):
            piece = _clean(piece)
            if len(piece.split()) >= MIN_WORDS:
                found.append(Sentence(piece[:MAX_CHARS], heading, len(found)))
    return found


def _split_prose(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        before = line[start : match.start()].rstrip("\"')]")
        last_word = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "e.g. Lisbon", "J. Smith": not a sentence end
        pieces.append(line[start : match.start()])
        start = match.end()
    pieces.append(line[start:])
    return pieces


def _clean(text: str) -> str:
    text = re.sub(r"\*\*|__|`", "", text)  # bold and code marks read badly when quoted alone
    return re.sub(r"\s+", " ", text).strip()
