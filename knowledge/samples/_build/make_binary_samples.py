"""Build the PDF and DOCX sample documents from their Markdown sources in ``_build/sources/``.

The sources are kept as plain Markdown so that they are easy to review and edit; this script renders each
one into a real text PDF (fpdf2) or Word document (python-docx) in the samples folder proper, mirroring the
source's sub-folder. Output is deterministic (fixed dates, fixed zip timestamps), so re-running the script
without changing a source leaves the binary files byte-for-byte unchanged.

fpdf2 is a generation-only tool (the ``dev`` extra); the runtime never imports this script.

Usage: python knowledge/samples/_build/make_binary_samples.py
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from fpdf import FPDF

BUILD_DIR = Path(__file__).resolve().parent
SOURCES_DIR = BUILD_DIR / "sources"
SAMPLES_DIR = BUILD_DIR.parent

# Which sources become which format; the path below SOURCES_DIR is kept in the output.
TARGETS: dict[str, str] = {
    "security/password-and-mfa-policy.md": "pdf",
    "finance/expense-policy.md": "pdf",
    "people/leave-policy.md": "pdf",
    "people/code-of-conduct.md": "pdf",
    "it/equipment-policy.md": "docx",
    "finance/travel-policy.md": "docx",
    "people/onboarding-first-week.md": "docx",
    "people/performance-reviews.md": "docx",
}

AUTHOR = "Northwind Labs"
FIXED_DATE = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)
ZIP_DATE = (2025, 1, 6, 9, 0, 0)

# The PDF core fonts only cover Latin-1: map the few typographic characters the sources may contain.
LATIN1_REPLACEMENTS = {"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'}


@dataclass(frozen=True)
class Block:
    """One rendered unit of a source: a heading (level 1-3), a paragraph, or a list item."""

    kind: str  # heading, paragraph, bullet, number
    text: str
    level: int = 0


def parse_markdown(source: str) -> list[Block]:
    """Split the small Markdown subset the sources use into blocks; wrapped lines are joined."""
    blocks: list[Block] = []
    pending: list[str] = []
    pending_kind = ""

    def flush() -> None:
        nonlocal pending, pending_kind
        if pending:
            blocks.append(Block(pending_kind, " ".join(pending)))
        pending, pending_kind = [], ""

    for raw in source.splitlines():
        line = raw.rstrip()
        heading = re.match(r"^(#{1,3}) (.+)$", line)
        bullet = re.match(r"^- (.+)$", line)
        number = re.match(r"^\d+\. (.+)$", line)
        if not line:
            flush()
        elif heading:
            flush()
            blocks.append(Block("heading", heading.group(2).strip(), len(heading.group(1))))
        elif bullet or number:
            flush()
            pending_kind = "bullet" if bullet else "number"
            pending = [(bullet or number).group(1).strip()]
        elif line.startswith("  ") and pending_kind in {"bullet", "number"}:
            pending.append(line.strip())
        else:
            if not pending:
                pending_kind = "paragraph"
            pending.append(line.strip())
    flush()
    return blocks


def bold_spans(text: str) -> list[tuple[str, bool]]:
    """Split ``**bold**`` markup into (text, is_bold) runs."""
    parts = re.split(r"(\*\*[^*]+\*\*)", text)
    return [(p[2:-2], True) if p.startswith("**") else (p, False) for p in parts if p]


def plain(text: str) -> str:
    return text.replace("**", "")


def render_docx(title: str, blocks: list[Block], target: Path) -> None:
    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, AUTHOR, AUTHOR
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    number = 0
    for block in blocks:
        number = number + 1 if block.kind == "number" else 0
        if block.kind == "heading":
            # Real Heading 1/2/3 styles, so loaders can rebuild the section path.
            document.add_heading(plain(block.text), level=block.level)
            continue
        paragraph = document.add_paragraph(style="List Bullet" if block.kind == "bullet" else None)
        if block.kind == "number":
            # Word's "List Number" style shares one counter across the whole document, so every list after
            # the first would continue from the previous one: write the step number as text instead.
            paragraph.paragraph_format.left_indent = Pt(18)
            paragraph.add_run(f"{number}. ")
        for text, bold in bold_spans(block.text):
            paragraph.add_run(text).bold = bold
        paragraph.paragraph_format.space_after = Pt(4)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
    buffer = io.BytesIO()
    document.save(buffer)
    write_deterministic_zip(buffer.getvalue(), target)


def write_deterministic_zip(data: bytes, target: Path) -> None:
    """Rewrite a .docx zip with fixed entry timestamps, so unchanged sources give identical files."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    target.write_bytes(out.getvalue())


class PolicyPdf(FPDF):
    """A4 portrait text PDF using the built-in Helvetica family (no font files to ship)."""

    def __init__(self, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.set_margins(left=20, top=20, right=20)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(title)
        self.set_author(AUTHOR)
        self.set_creator("Keel sample generator")
        self.set_creation_date(FIXED_DATE)


def latin1(text: str) -> str:
    for char, replacement in LATIN1_REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text


def render_pdf(title: str, blocks: list[Block], target: Path) -> None:
    pdf = PolicyPdf(latin1(title))
    pdf.add_page()
    heading_sizes = {1: 20, 2: 15, 3: 12}
    number = 0
    for block in blocks:
        text = latin1(block.text)
        number = number + 1 if block.kind == "number" else 0
        if block.kind == "heading":
            pdf.ln(4 if block.level > 1 else 0)
            pdf.set_font("helvetica", style="B", size=heading_sizes[block.level])
            pdf.multi_cell(0, heading_sizes[block.level] * 0.5, plain(text), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
            continue
        pdf.set_font("helvetica", size=10.5)
        if block.kind in {"bullet", "number"}:
            marker = f"{number}." if block.kind == "number" else "-"
            pdf.set_x(pdf.l_margin + 3)
            pdf.cell(6, 5.5, marker)
            pdf.multi_cell(0, 5.5, text, markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.multi_cell(0, 5.5, text, markdown=True, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
    pdf.output(str(target))


def build_all() -> list[Path]:
    written: list[Path] = []
    for relative, fmt in TARGETS.items():
        source = SOURCES_DIR / relative
        blocks = parse_markdown(source.read_text(encoding="utf-8"))
        if not blocks or blocks[0].kind != "heading" or blocks[0].level != 1:
            raise ValueError(f"{source} must start with a '# Title' line")
        title = blocks[0].text
        target = (SAMPLES_DIR / relative).with_suffix(f".{fmt}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "pdf":
            render_pdf(title, blocks, target)
        else:
            render_docx(title, blocks, target)
        written.append(target)
    return written


if __name__ == "__main__":
    for path in build_all():
        print(f"wrote {path.relative_to(SAMPLES_DIR)} ({path.stat().st_size:,} bytes)")
