"""Chunk text -> candidate answer sentences, each with the heading it sits under and where it sits.

Chunks are Markdown: headings give context rather than answers, list items and table rows are
sentences of their own, and prose is split after ``.``, ``!`` or ``?`` unless the period ends a
common abbreviation or an initial. Each sentence keeps its character span in the chunk, so ingestion
can pool the chunk's own token vectors over it (knowledge/embed.py) instead of embedding it again.
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
_CELL_BORDER = re.compile(r"(?<!\\)\|")  # "\|" is a pipe inside a cell
_SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[`]*[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    re.findall(r"\S+", "e.g i.e etc vs mr mrs ms dr prof st no fig approx incl dept inc ltd co jr sr u.s u.k a.m p.m")
)


@dataclass(frozen=True)
class Sentence:
    text: str
    heading: str  # the nearest heading above it inside the chunk ("" if none)
    position: int  # order within the chunk
    start: int = 0  # its span in the chunk's text (a table row's span is its row)
    end: int = 0
    key: str = ""  # a table row's first cell, what the row is about ("London"); "" for prose


@dataclass
class _Block:
    text: str
    heading: str
    spans: list[tuple[int, int]]  # where each joined line sits in the chunk's text
    whole: bool = False  # a table row or a record of fields: one sentence whatever its dots
    key: str = ""  # a table row's first cell

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The chunk-text span of ``text[start:end]`` (lines are joined by one space)."""
        if self.whole:
            return self.spans[0][0], self.spans[-1][1]
        offset, first, last = 0, None, self.spans[-1][1]
        for line_start, line_end in self.spans:
            length = line_end - line_start
            if first is None and start < offset + length:
                first = line_start + max(start - offset, 0)
            if end <= offset + length:
                last = line_start + max(end - offset, 0)
                break
            offset += length + 1
        return (first if first is not None else last), last


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of a chunk in reading order; fragments under three words are dropped."""
    found: list[Sentence] = []
    for block in _blocks(text):
        for start, end in [(0, len(block.text))] if block.whole else _split_prose(block.text):
            piece = _clean(block.text[start:end])
            if len(piece.split()) >= MIN_WORDS:
                span = block.source_span(start, end)
                found.append(Sentence(piece[:MAX_CHARS], block.heading, len(found), *span, key=block.key))
    return found


def _blocks(text: str) -> list[_Block]:
    """Paragraphs, list items, table rows and field records, each with the heading above it.

    Hard-wrapped lines of a paragraph or list item are joined; a table row is read against the
    table's header ("Benefit: Meal allowance; Interns: Yes"); ``key: value`` lines are one record.
    """
    blocks: list[_Block] = []
    current: list[str] = []
    spans: list[tuple[int, int]] = []
    kind = ""
    heading = ""
    header: list[str] = []

    def flush() -> None:
        nonlocal current, spans, kind
        if current:
            fields = kind == "fields"
            blocks.append(_Block(("; " if fields else " ").join(current), heading, spans, whole=fields))
        current, spans, kind = [], [], ""

    offset = 0
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        line_start, offset = offset, offset + len(line)
        line = line.rstrip("\r\n")
        stripped = line.strip()
        span = (line_start + len(line) - len(line.lstrip()), line_start + len(line.rstrip()))
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
            cells = [cell.strip().replace("\\|", "|") for cell in _CELL_BORDER.split(_outer_pipes(stripped))]
            if not header:
                # a header row is followed by the |---| rule; a chunk that starts mid-table has rows only
                follows_rule = number + 1 < len(lines) and _TABLE_RULE.match(lines[number + 1].rstrip("\r\n"))
                header = cells if follows_rule else [""] * len(cells)
                if follows_rule:
                    continue
            pairs = zip(header, cells, strict=False) if len(header) == len(cells) else (("", c) for c in cells)
            row = "; ".join(f"{h}: {c}" if h else c for h, c in pairs if c)
            blocks.append(_Block(row, heading, [span], whole=True, key=next((c for c in cells if c), "")))
        elif _LIST_MARKER.match(line):
            flush()
            item = _LIST_MARKER.sub("", line).strip()
            current, spans, kind = [item], [(span[1] - len(item), span[1])], "item"
        elif _FIELD.match(stripped) and kind in ("", "fields"):
            current.append(stripped)
            spans.append(span)
            kind = "fields"
        else:
            if kind == "fields":
                flush()
            current.append(stripped)
            spans.append(span)
            kind = kind or "prose"
    flush()
    return blocks


def _outer_pipes(row: str) -> str:
    """The row without its leading and trailing border (an escaped pipe at the end is cell text)."""
    row = row[1:]
    return row[:-1] if row.endswith("|") and not row.endswith("\\|") else row


def _looks_like_heading(line: str, current: list[str]) -> bool:
    starts_block = not current or current[-1].rstrip().endswith((".", "!", "?", ":"))
    return (
        starts_block
        and len(line.split()) <= HEADING_MAX_WORDS
        and line[:1].isupper()
        and not line.endswith((".", "!", "?", ":", ";", ","))
        and not _FIELD.match(line)
    )


def _split_prose(line: str) -> list[tuple[int, int]]:
    """The (start, end) of each sentence of a paragraph."""
    pieces: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(line):
        before = line[start : match.start()].rstrip("\"')]")
        last_word = before.rsplit(None, 1)[-1].rstrip(".").lower() if before.split() else ""
        if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
            continue  # "e.g. Lisbon", "J. Smith": not a sentence end
        pieces.append((start, match.start()))
        start = match.end()
    pieces.append((start, len(line)))
    return pieces


def _clean(text: str) -> str:
    text = re.sub(r"\*\*|__|(?<!`)`(?!`)", "", text)  # bold and code marks read badly when quoted alone
    return re.sub(r"\s+", " ", text).strip()
