"""Where a quoted sentence sits in its passage: the list a lead-in ("For a lost or stolen laptop:")
brings, the list an item belongs to, and whether the list is a numbered procedure.

The extractive answerer quotes the source's own words; these helpers read the chunk's Markdown so it
can quote a procedure as the numbered procedure it is, with the lead-in that introduces it, instead of
a lead-in whose list is missing. Deterministic and model-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

_ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+•]|\d{1,3}[.)])[ \t]+(?P<text>\S.*)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_TABLE_ROW = re.compile(r"^\s*\|")
_INLINE_MARKS = re.compile(r"\*\*|__|(?<!`)`(?!`)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[`*]*[A-Z0-9])")
_LABEL = re.compile(r"^(?P<label>[^:;.!?]{1,60}?):\s+\S")  # "Slack: a suspicious direct message ..."
LABEL_MAX_WORDS = 6


@dataclass(frozen=True)
class Item:
    """One list item: its marker as written (any bullet becomes "-"), its nesting and its text."""

    marker: str  # "1.", "2)" or "-"
    depth: int  # 0 for a top-level item
    text: str  # continuation lines joined, bold and code marks removed
    start: int  # span of the item in the chunk text, from its marker to its last line
    end: int

    @property
    def ordered(self) -> bool:
        return self.marker[:1].isdigit()

    @property
    def label(self) -> str:
        """The words before a colon that say what the item is about ("Slack", "Lisbon"), or ""."""
        match = _LABEL.match(self.text)
        if not match or len(match.group("label").split()) > LABEL_MAX_WORDS:
            return ""
        return match.group("label").strip()


@dataclass(frozen=True)
class ListBlock:
    """A list of consecutive items (nested ones included) and the lead-in just above it."""

    items: tuple[Item, ...]
    lead: str  # the sentence ending in ":" right above the list ("" if there is none)
    start: int
    end: int

    @property
    def ordered(self) -> bool:
        """A numbered procedure: its top-level items are numbered."""
        return any(item.ordered for item in self.items if item.depth == 0)

    def top_level_index(self, offset: int) -> int | None:
        """The index of the top-level item whose subtree holds ``offset`` (None when outside the list)."""
        top = None
        for index, item in enumerate(self.items):
            if item.depth == 0:
                top = index
            if item.start <= offset < item.end:
                return top
        return None

    def subtree(self, index: int) -> list[Item]:
        """The item at ``index`` and the nested items under it."""
        depth = self.items[index].depth
        rest = self.items[index + 1 :]
        end = next((i for i, item in enumerate(rest) if item.depth <= depth), len(rest))
        return [self.items[index], *rest[:end]]


@lru_cache(maxsize=64)
def lists_in(text: str) -> tuple[ListBlock, ...]:
    """Every list of a chunk, in reading order, each with its lead-in (cached: a chunk is read for each
    of its sentences)."""
    lines = _lines(text)
    blocks: list[ListBlock] = []
    paragraph: list[str] = []
    index = 0
    while index < len(lines):
        start, line = lines[index]
        if _ITEM.match(line):
            items, index = _read_list(lines, index)
            blocks.append(ListBlock(tuple(items), _lead_in(paragraph), start, items[-1].end))
            paragraph = []
            continue
        if _HEADING.match(line) or _TABLE_ROW.match(line):
            paragraph = []
        elif line.strip():
            previous_blank = index > 0 and not lines[index - 1][1].strip()
            paragraph = [line.strip()] if previous_blank else [*paragraph, line.strip()]
        index += 1
    return tuple(blocks)


def list_after(text: str, offset: int) -> ListBlock | None:
    """The list that starts right after ``offset`` (nothing but blank space between), if any."""
    for block in lists_in(text):
        if block.start >= offset:
            return block if not text[offset : block.start].strip() else None
    return None


def list_holding(text: str, offset: int) -> ListBlock | None:
    """The list whose items hold the character at ``offset``, if any."""
    return next((b for b in lists_in(text) if b.top_level_index(offset) is not None), None)


def clean(text: str) -> str:
    """Text as quoted: bold and code marks removed (they read badly out of context), spaces collapsed."""
    return re.sub(r"\s+", " ", _INLINE_MARKS.sub("", text)).strip()


def sentences_of(text: str) -> list[str]:
    """A quoted item or lead-in cut into sentences, so each can carry its citation."""
    return [piece for piece in _SENTENCE_END.split(text) if piece.strip()]


def _lines(text: str) -> list[tuple[int, str]]:
    found, offset = [], 0
    for raw in text.splitlines(keepends=True):
        found.append((offset, raw.rstrip("\r\n")))
        offset += len(raw)
    return found


def _read_list(lines: list[tuple[int, str]], index: int) -> tuple[list[Item], int]:
    """The items from ``lines[index]`` on, and the index of the first line after the list."""
    items: list[Item] = []
    indents: list[int] = []
    current: list[str] = []
    marker, depth, start, end = "", 0, 0, 0

    def flush() -> None:
        if current:
            items.append(Item(marker, depth, clean(" ".join(current)), start, end))

    while index < len(lines):
        offset, line = lines[index]
        match = _ITEM.match(line)
        if match:
            flush()
            depth = _depth(indents, len(match.group("indent").expandtabs(4)))
            raw = match.group("marker")
            marker = raw if raw[:1].isdigit() else "-"
            current, start, end = [match.group("text")], offset + len(match.group("indent")), offset + len(line)
        elif line.strip() and not (_HEADING.match(line) or _TABLE_ROW.match(line)):
            if not line.startswith((" ", "\t")) and not _runs_on(lines[index - 1][1]):
                break  # a paragraph after a blank line or a finished sentence (PDF text has no blank lines)
            current.append(line.strip())
            end = offset + len(line)
        elif line.strip() or not _continues(lines, index):
            break
        index += 1
    flush()
    return _nest_bullets_in_steps(items), index


def _nest_bullets_in_steps(items: list[Item]) -> list[Item]:
    """Bullets between the numbered steps of a procedure belong to the step above them: chunking drops
    the indentation that said so ("2. Choose a gateway:" then "- vpn-lis ...")."""
    nested: list[Item] = []
    for item in items:
        step = next((i for i in reversed(nested) if i.depth <= item.depth), None)
        if not item.ordered and step is not None and step.ordered and step.depth == item.depth:
            item = replace(item, depth=item.depth + 1)
        nested.append(item)
    return nested


def _runs_on(previous: str) -> bool:
    """Whether an unindented line after ``previous`` continues it: ``previous`` stops mid-sentence."""
    return bool(previous.strip()) and not previous.rstrip().endswith((".", "!", "?", ";", ":"))


def _continues(lines: list[tuple[int, str]], blank: int) -> bool:
    """Whether the list goes on after the blank line at ``blank`` (another item or an indented line)."""
    following = next((line for _, line in lines[blank + 1 :] if line.strip()), "")
    return bool(_ITEM.match(following)) or following.startswith(("  ", "\t"))


def _depth(indents: list[int], indent: int) -> int:
    while indents and indent < indents[-1]:
        indents.pop()
    if not indents or indent > indents[-1]:
        indents.append(indent)
    return len(indents) - 1


def _lead_in(paragraph: list[str]) -> str:
    """The paragraph's last sentence when it ends with ":" (it announces the list below it)."""
    if not paragraph:
        return ""
    last = sentences_of(clean(" ".join(paragraph)))[-1]
    return last if last.endswith(":") else ""
