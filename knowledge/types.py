"""The values that flow through the knowledge base: documents in, chunks stored, hits out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Document:
    """One loaded source, normalised to Markdown: ``#`` headings mark its sections.

    ``source`` (a path or URL) is the identity used for incremental ingest and removal.
    """

    source: str
    title: str
    text: str
    kind: str  # markdown, text, html, pdf, docx, csv, url
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Chunk:
    """A passage of a document with the heading path it sits under (e.g. ``Benefits > Parental leave``)."""

    chunk_id: str
    text: str
    source: str
    title: str
    section: str
    collection: str
    content_hash: str  # hash of the whole source document: unchanged sources are skipped
    ordinal: int
    ingested_at: str = ""
    flags: str = ""  # comma-separated markers set at ingest (e.g. 'injection' from the guards)

    def metadata(self) -> dict[str, str | int]:
        data = asdict(self)
        data.pop("text")
        data.pop("chunk_id")
        return data


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the rank it had in each retriever (0 = not found)."""

    chunk_id: str
    text: str
    source: str
    title: str
    section: str
    collection: str
    score: float
    dense_score: float = 0.0
    dense_rank: int = 0
    bm25_rank: int = 0
    flags: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)


# Chunk flags. ``HELD``: the chunk's document is held for review (an admin approves it before Keel answers from
# it); ``APPROVED``: a chunk flagged at ingest that an admin approved. Other flags (e.g. 'injection') come from
# the flagger the guards wire in.
HELD = "held"
APPROVED = "approved"


def flag_set(flags: str) -> set[str]:
    """The flags in a chunk's comma-separated ``flags`` field."""
    return {f for f in flags.split(",") if f}


def with_flag(flags: str, flag: str) -> str:
    return ",".join(sorted(flag_set(flags) | {flag}))


def indexed_text(text: str, title: str, section: str) -> str:
    """What the embedder and BM25 see for a chunk: its title and heading path give it context."""
    heading = " > ".join(part for part in (title, section) if part)
    return f"{heading}\n{text}" if heading else text
