"""Chunk text -> candidate answer sentences, each with the heading it sits under.

Chunks are Markdown: headings give context rather than answers, list items and table rows are
sentences of their own, and prose is split after ``.``, ``!`` or ``?`` unless the period ends a
common abbreviation or an initial.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 3
MAX_CHARS = 600
HEADING_MAX_WORDS = 6  # longer "sentences" (run-on table dumps) are cut for display and embedding

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_FIELD = re.compile(r"^[\w][\w ./-]{0,30}:\s+\S")  # "who_can_install: Design and Product"
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
    for block, heading in _blocks(text):
        for piece in _split_prose(block) if not block.startswith(_UNSPLIT) else [block[1:]]:
            piece = _clean(piece)
            if len(piece.split()) >= MIN_WORDS:
                found.append(Sentence(piece[:MAX_CHARS], heading, len(found)))
    return found


_UNSPLIT = "\x00"  # marks a block (a table row, a record's fields) that is one sentence whatever its dots


def _blocks(text: str) -> list[tuple[str, str]]:
    """Paragraphs, list items, table rows and field records, each with the heading above it.

    Hard-wrapped lines of a paragraph or list item are joined; a table row is read against the
    table's header ("Benefit: Meal allowance; Interns: Yes"); ``key: value`` lines are one record.
    """
    blocks: list[tuple[str, str]] = []
    current: list[str] = []
    kind = ""
    heading = ""
    header: list[str] = []

    def flush() -> None:
        nonlocal current, kind
        if current:
            joined = "; ".join(current) if kind == "fields" else " ".join(current)
            blocks.append((_UNSPLIT + joined if kind == "fields" else joined, heading))
        current, kind = [], ""

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
            header = []
        elif match := _HEADING.match(line):
            flush()
            heading = _clean(match.group(1))
        elif _looks_like_heading(stripped, current):
            flush()  # text from PDF and Word files keeps its headings as short unpunctuated lines
            heading = _clean(stripped)
        elif _TABLE_RULE.match(line):
            continue
        elif stripped.startswith("|"):
            flush()
            cells = [cell.strip() for cell in stripped.strip("|").split("|")]
            if not header:
                header = cells
                continue
            pairs = zip(header, cells, strict=False) if len(header) == len(cells) else (("", c) for c in cells)
            blocks.append((_UNSPLIT + "; ".join(f"{h}: {c}" if h else c for h, c in pairs if c), heading))
        elif _LIST_MARKER.match(line):
            flush()
            current, kind = [_LIST_MARKER.sub("", line).strip()], "item"
        elif _FIELD.match(stripped) and kind in ("", "fields"):
            current.append(stripped)
            kind = "fields"
        else:
            if kind == "fields":
                flush()
            current.append(stripped)
            kind = kind or "prose"
    flush()
    return blocks


def _looks_like_heading(line: str, current: list[str]) -> bool:
    starts_block = not current or current[-1].rstrip().endswith((".", "!", "?", ":"))
    return (
        starts_block
        and len(line.split()) <= HEADING_MAX_WORDS
        and line[:1].isupper()
        and not line.endswith((".", "!", "?", ":", ";", ","))
        and not _FIELD.match(line)
    )


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
    text = re.sub(r"\*\*|__|(?<!`)`(?!`)", "", text)  # bold and code marks read badly when quoted alone
    return re.sub(r"\s+", " ", text).strip()
