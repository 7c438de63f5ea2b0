"""Documents -> chunks: split at ``#``/``##``/``###`` headings, then split long sections with overlap.

Each chunk carries its heading path (``Leave > Parental leave``) without the document's own title, and
an id that depends only on the source, its content and the chunk's position, so re-ingesting unchanged
content produces the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter

from knowledge.types import Chunk, Document

HEADING_LEVELS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
SECTION_SEPARATOR = " > "
SMALL_SECTION_CHARS = 80
# MarkdownHeaderTextSplitter drops blank lines and joins the paragraphs of a section with this.
_SPLITTER_PARAGRAPH_JOIN = "  \n"


@dataclass
class _Section:
    path: tuple[str, ...]
    text: str

    @property
    def parent(self) -> tuple[str, ...]:
        return self.path[:-1]


def chunk_document(doc: Document, collection: str, *, chunk_size: int = 900, chunk_overlap: int = 120) -> list[Chunk]:
    """Split ``doc`` into chunks of at most ``chunk_size`` characters, numbered 0..n-1 in reading order."""
    content_hash = hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    pieces = [
        (SECTION_SEPARATOR.join(section.path), text)
        for section in _merge_small_sections(_sections(doc), chunk_size)
        for text in (splitter.split_text(section.text) if len(section.text) > chunk_size else [section.text])
    ]
    return [
        Chunk(
            chunk_id=chunk_id(doc.source, content_hash, ordinal),
            text=text,
            source=doc.source,
            title=doc.title,
            section=section,
            collection=collection,
            content_hash=content_hash,
            ordinal=ordinal,
        )
        for ordinal, (section, text) in enumerate(pieces)
    ]


def chunk_id(source: str, content_hash: str, ordinal: int) -> str:
    return hashlib.sha256(f"{source}\x00{content_hash}\x00{ordinal}".encode()).hexdigest()[:24]


def _sections(doc: Document) -> list[_Section]:
    splitter = MarkdownHeaderTextSplitter(headers_to_split_on=HEADING_LEVELS, strip_headers=True)
    title = _normalise(doc.title)
    sections = []
    for part in splitter.split_text(doc.text):
        path = [part.metadata[name] for _, name in HEADING_LEVELS if part.metadata.get(name)]
        if path and "h1" in part.metadata and _normalise(path[0]) == title:
            path = path[1:]  # the title already names the document
        text = part.page_content.replace(_SPLITTER_PARAGRAPH_JOIN, "\n\n").strip()
        if text:
            sections.append(_Section(tuple(path), text))
    return sections


def _merge_small_sections(sections: list[_Section], chunk_size: int) -> list[_Section]:
    """Fold sections under 80 characters into the next one when it is a sibling or a subsection.

    A one-line section embeds poorly on its own. Merged parts keep their heading as a first line so
    nothing is lost, and the result takes the path of its last part, where the merge ended.
    """
    merged: list[_Section] = []
    group: list[_Section] = []  # consecutive sections too small to stand alone so far
    for section in sections:
        if group and not _can_join(group, section, chunk_size):
            merged.append(_combine(group))
            group = []
        group.append(section)
        if len(_combine(group).text) >= SMALL_SECTION_CHARS:
            merged.append(_combine(group))
            group = []
    if group:
        merged.append(_combine(group))
    return merged


def _can_join(group: list[_Section], section: _Section, chunk_size: int) -> bool:
    last = group[-1]
    sibling_or_child = section.parent == last.parent or section.path[: len(last.path)] == last.path
    return sibling_or_child and len(_combine([*group, section]).text) <= chunk_size


def _combine(group: list[_Section]) -> _Section:
    if len(group) == 1:
        return group[0]
    text = "\n\n".join(f"{part.path[-1]}\n{part.text}" if part.path else part.text for part in group)
    return _Section(group[-1].path, text)


def _normalise(text: str) -> str:
    return " ".join(text.split()).casefold()
