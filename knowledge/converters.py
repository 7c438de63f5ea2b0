"""Turn the bytes of one supported format into a title and Markdown whose ``#`` headings mark sections.

Pure functions without I/O, so the loaders can feed them file contents and HTTP bodies alike. Each
raises :class:`UnreadableContent` with a short reason a person can act on.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest

import docx
import pypdf
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import DependencyError

logger = logging.getLogger(__name__)
MB = 1024 * 1024


class UnreadableContent(Exception):
    """The bytes cannot be turned into text; ``reason`` is short and meant for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Converted:
    title: str  # "" when the content names no title: the loader falls back to the file or URL name
    text: str


# --- plain text and Markdown -------------------------------------------------------------------------

_UNICODE_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.MULTILINE)


def decode_text(data: bytes, charset: str | None = None) -> str:
    """Decode text, trying the declared charset, UTF-8, then Windows-1252 (spreadsheet exports use it).

    UTF-8 with a few broken sequences (a truncated copy, one bad byte) stays UTF-8 with the broken bytes
    shown as U+FFFD: read as Windows-1252, every accent in the rest of the file would turn to mojibake.
    """
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data.decode(encoding))
            except UnicodeDecodeError as exc:
                raise UnreadableContent("not a text file") from exc
    if b"\x00" in data:
        raise UnreadableContent("not a text file")
    for encoding in (e for e in (charset, "utf-8", _MOSTLY_UTF8, "cp1252") if e):
        try:
            text = _mostly_utf8(data) if encoding == _MOSTLY_UTF8 else data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # cp1252 decodes almost any byte string: control characters give binary data away.
        sample = text[:65536]
        if len(_CONTROL_CHARS.findall(sample)) > len(sample) / 100:
            raise UnreadableContent("not a text file")
        return _normalise_newlines(text)
    raise UnreadableContent("not a text file")


_MOSTLY_UTF8 = "mostly-utf-8"


def _mostly_utf8(data: bytes) -> str:
    """UTF-8 with replacement characters, if it holds more valid non-ASCII characters than broken bytes
    (Windows-1252 text has no valid multi-byte sequences, so all of its accents are broken ones)."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - broken
    if valid <= broken:
        raise UnicodeDecodeError("utf-8", data, 0, len(data), "mostly invalid UTF-8")
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown_document(data: bytes, charset: str | None = None) -> Converted:
    """Markdown or plain text as is; the title is front matter's ``title:`` or the first ``# `` heading."""
    text = decode_text(data, charset)
    title = ""
    front_matter = _FRONT_MATTER.match(text)
    if front_matter:
        text = text[front_matter.end() :]
        named = _FRONT_MATTER_TITLE.search(front_matter.group(1))
        title = named.group(1).strip("'\"") if named else ""
    return Converted(title=title or _first_h1(text), text=text.strip())


def _first_h1(text: str) -> str:
    in_fence = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif not in_fence and stripped.startswith("# "):
            return stripped[2:].strip().rstrip("#").strip()
    return ""


# --- HTML --------------------------------------------------------------------------------------------

_DROPPED_TAGS = ["script", "style", "nav", "footer", "header", "aside", "form", "noscript", "template", "svg"]
MAX_HTML_DEPTH = 200  # elements inside elements; real pages stay under ~40
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_BLOCK_TAGS = {
    "address", "article", "blockquote", "body", "center", "dd", "details", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "hr", "html", "main", "ol", "section", "summary", "ul",
}  # fmt: skip


def html_to_markdown(data: bytes, charset: str | None = None) -> Converted:
    """Readable page text: headings become ``#`` headings, list items ``- ``, table rows ``a | b``."""
    soup = BeautifulSoup(data, "html.parser", from_encoding=charset)
    _check_nesting(soup)
    page_title = _collapse(soup.title.get_text()) if soup.title else ""
    first_h1 = soup.find("h1")
    heading = _collapse(first_h1.get_text()) if first_h1 else ""
    # <title> often adds the site's name ("Leave - Intranet"); then the h1 alone is the cleaner title.
    title = heading if heading and _is_decorated(page_title, heading) else page_title or heading
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    for line_break in soup.find_all("br"):
        line_break.replace_with("\n")
    root = soup.find("main") or soup.body or soup
    blocks: list[str] = []
    inline: list[str] = []
    _walk_html(root, blocks, inline)
    _flush_inline(inline, blocks)
    text = _join_blocks(blocks)
    if not text:
        raise UnreadableContent("no readable text in HTML")
    return Converted(title=title, text=text)


def _check_nesting(soup: BeautifulSoup) -> None:
    """Refuse markup nested deeper than :data:`MAX_HTML_DEPTH`: no page needs it, and walking it recursively
    would exhaust Python's stack (76 KB of nested lists did, after minutes)."""
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, depth = stack.pop()
        if depth > MAX_HTML_DEPTH:
            raise UnreadableContent(f"HTML nested more than {MAX_HTML_DEPTH} levels deep")
        stack.extend((child, depth + 1) for child in tag.contents if isinstance(child, Tag))


def _is_decorated(page_title: str, heading: str) -> bool:
    separator = r"\s*[-|–—·]\s*"
    name = re.escape(heading)
    return re.fullmatch(f"{name}|{name}{separator}.+|.+{separator}{name}", page_title, re.IGNORECASE) is not None


def _walk_html(node: Tag, blocks: list[str], inline: list[str]) -> None:
    for child in node.children:
        if isinstance(child, NavigableString):
            if not isinstance(child, PreformattedString):  # comments, doctypes, CDATA
                inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name in _HEADING_LEVELS or name in ("p", "li", "table", "pre") or name in _BLOCK_TAGS:
            _flush_inline(inline, blocks)
        if name in _HEADING_LEVELS:
            heading = _collapse(child.get_text())
            if heading:
                blocks.append(f"{'#' * _HEADING_LEVELS[name]} {heading}")
        elif name == "p":
            blocks.append(_collapse(child.get_text()))
        elif name == "li":
            _list_item(child, blocks)
        elif name == "table":
            rows = list(_table_rows(child))
            blocks.append(markdown_table(rows, has_header=_has_header_row(child)))
        elif name == "pre":
            blocks.append(f"```\n{child.get_text().strip(chr(10))}\n```")
        else:  # a block container, or inline markup whose text joins the running paragraph
            _walk_html(child, blocks, inline)
            if name in _BLOCK_TAGS:
                _flush_inline(inline, blocks)


def _list_item(item: Tag, blocks: list[str]) -> None:
    nested = list(_outermost(item, ("ul", "ol")))
    for lst in nested:
        lst.extract()
    text = _collapse(item.get_text())
    if text:
        blocks.append(f"- {text}")
    for lst in nested:
        _walk_html(lst, blocks, [])


def _outermost(node: Tag, names: tuple[str, ...]) -> Iterator[Tag]:
    """Descendants named ``names`` that are not inside another one (nor inside a nested list item):
    searched without entering them, so nested lists or tables cost once per level, not per ancestor."""
    stack = [child for child in reversed(node.contents) if isinstance(child, Tag)]
    while stack:
        tag = stack.pop()
        if tag.name in names:
            yield tag
        elif tag.name != "li":
            stack.extend(child for child in reversed(tag.contents) if isinstance(child, Tag))


def _table_rows(table: Tag) -> Iterator[list[str]]:
    for row in _outermost(table, ("tr", "table")):
        if row.name != "tr":
            continue  # a nested table's rows belong to it; its text is in the enclosing cell
        cells = [_collapse(cell.get_text()) for cell in row.find_all(["td", "th"], recursive=False)]
        if any(cells):
            yield cells


def _has_header_row(table: Tag) -> bool:
    first = table.find("tr")
    return table.find("thead") is not None or (first is not None and first.find("th", recursive=False) is not None)


def markdown_table(rows: list[list[str]], *, has_header: bool) -> str:
    """A GitHub-style pipe table, so each row can be read against the header later
    (knowledge/sentences.py: "Destination: London; Per diem per day: GBP 70"). Without a header row
    the header cells are left empty: a first data row is not a header."""
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    padded = [[cell.replace("|", "\\|") for cell in row] + [""] * (width - len(row)) for row in rows]
    header, body = (padded[0], padded[1:]) if has_header and len(padded) > 1 else ([""] * width, padded)
    lines = [header, ["---"] * width, *body]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def _flush_inline(inline: list[str], blocks: list[str]) -> None:
    text = _collapse("".join(inline))
    inline.clear()
    if text:
        blocks.append(text)


def _join_blocks(blocks: list[str]) -> str:
    """Blank lines between blocks, but consecutive list items stay one list."""
    parts: list[str] = []
    for block in filter(None, blocks):
        if parts and block.startswith("- ") and parts[-1].split("\n")[-1].startswith("- "):
            parts[-1] += "\n" + block
        else:
            parts.append(block)
    return "\n\n".join(parts)


def _collapse(text: str) -> str:
    return " ".join(text.split())


# --- PDF ---------------------------------------------------------------------------------------------

_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?\s+([A-Z].*)$")
_PAGE_FURNITURE = re.compile(r"^(page\s+\d+|\d+\s*(of|/)\s*\d+|\d+)$", re.IGNORECASE)
# A PDF of a few KB can hold pages whose drawing instructions inflate to tens of MB, each costing pypdf's
# pure-Python parser seconds to minutes. A text page needs a few KB and ~1,000 tokens; these bound the work.
PDF_MAX_PAGE_BYTES = 10 * MB  # one content stream, inflated (past it, that page is skipped)
PDF_MAX_PAGE_TOKENS = 200_000  # operators and operands in one content stream (past it, that page is skipped)
PDF_MAX_CONTENT_BYTES = 30 * MB  # all pages' content streams together, inflated (past it, the file is refused)
PDF_MAX_SKIPPED_PAGES = 5  # unreadable pages tolerated before the file is called corrupt


def pdf_to_markdown(data: bytes, charset: str | None = None) -> Converted:
    """Page text joined; short Title Case or numbered lines that open a paragraph become headings.

    The title is the PDF's metadata title, else a heading-like first line.
    """
    try:
        with pypdf.apply_configuration(
            zlib_maximum_output_length=PDF_MAX_PAGE_BYTES, stream_parsing_work_maximum_count=PDF_MAX_PAGE_TOKENS
        ):
            reader = pypdf.PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not _decrypts_without_password(reader):
                raise UnreadableContent("password-protected PDF")
            pages = _pages_text(reader)
            title = _collapse(str(reader.metadata.get("/Title") or "") if reader.metadata else "")
    except UnreadableContent:
        raise
    except Exception as exc:  # pypdf raises many exception types on malformed files
        raise UnreadableContent(f"corrupt PDF: {_short(exc)}") from exc
    text = "\n\n".join(page for page in pages if page.strip())
    if not text.strip():
        raise UnreadableContent("no extractable text (scanned PDF?)")
    text = _mark_pdf_headings(text)
    return Converted(title=title or _first_h1(text), text=text)


def _decrypts_without_password(reader: pypdf.PdfReader) -> bool:
    try:
        return bool(reader.decrypt(""))
    except DependencyError as exc:  # AES needs the optional 'cryptography' package
        raise UnreadableContent("encrypted PDF (install 'cryptography' to read it)") from exc


def _pages_text(reader: pypdf.PdfReader) -> list[str]:
    """Each page's text. One broken page should not lose the rest of the document, but a file of broken or
    bloated pages is refused before it ties up the process."""
    pages: list[str] = []
    skipped = inflated = 0
    for number, page in enumerate(reader.pages, start=1):
        try:
            contents = page.get_contents()
            inflated += len(contents.get_data()) if contents is not None else 0
            if inflated > PDF_MAX_CONTENT_BYTES:
                raise UnreadableContent(f"PDF content inflates to over {PDF_MAX_CONTENT_BYTES // MB} MB (a PDF bomb?)")
            pages.append(page.extract_text() or "")
        except UnreadableContent:
            raise
        except Exception as exc:  # pypdf raises many types, its limits included (LimitReachedError)
            logger.warning("skipping page %d: text extraction failed: %s", number, _short(exc))
            logger.debug("page %d of the PDF could not be read", number, exc_info=True)
            skipped += 1
            if skipped > PDF_MAX_SKIPPED_PAGES:
                raise UnreadableContent(
                    f"corrupt PDF: more than {PDF_MAX_SKIPPED_PAGES} pages cannot be read"
                ) from None
    return pages


def _mark_pdf_headings(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    marked: list[str] = []
    after_heading = False
    for index, line in enumerate(lines):
        previous = lines[index - 1] if index else ""
        before_previous = lines[index - 2] if index > 1 else ""
        # A heading opens a block: after a blank line, a sentence's end, another heading, or a page's
        # first line (a title or running header). Otherwise it is probably a wrapped line of a paragraph.
        opens_block = not previous or previous[-1] in ".!?:" or after_heading or not before_previous
        following = next((candidate for candidate in lines[index + 1 :] if candidate), "")
        level = _pdf_heading_level(line, following) if opens_block else 0
        if level and not any(marked):
            level = 1  # a heading-like first line is the document's title
        after_heading = bool(level)
        marked.extend(["", f"{'#' * level} {line}", ""] if level else [line])
    return re.sub(r"\n{3,}", "\n\n", "\n".join(marked)).strip()


def _pdf_heading_level(line: str, following: str) -> int:
    """2 or 3 for a short Title Case or numbered line followed by body text, else 0; errs towards text."""
    if not (3 <= len(line) <= 70) or len(line.split()) > 10 or line[-1] in ".,;:" or _PAGE_FURNITURE.match(line):
        return 0
    if not following or not (following[0].isupper() or following[0].isdigit() or following[0] in "•-*("):
        return 0
    numbered = _NUMBERED_HEADING.match(line)
    if numbered:
        depth = numbered.group(1).strip(".").count(".") + 1
        next_numbered = _NUMBERED_HEADING.match(following)
        if next_numbered and next_numbered.group(1).strip(".").count(".") + 1 == depth:
            return 0  # "1. ... 2. ..." is a numbered list, not two empty sections
        return 2 if depth == 1 else 3
    words = re.findall(r"[A-Za-z][A-Za-z'’-]*", line)
    title_case = bool(words) and line[0].isupper() and all(word[0].isupper() for word in words if len(word) > 3)
    return 2 if title_case else 0


# --- DOCX --------------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"^Heading (\d)$")
# python-docx inflates every part into memory; real documents unpack to a few MB (images aside), a zip bomb
# to gigabytes. The zip's directory states each part's size, but a hostile file can lie about it, and
# zipfile inflates a bzip2 or LZMA part whole before cutting it to the stated size: the parts are inflated
# once, in chunks, with a running total, before python-docx sees them.
MAX_DOCX_UNPACKED_BYTES = 100 * MB
_ZIP_CHUNK = 64 * 1024
_DOCX_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Word writes


def docx_to_markdown(data: bytes, charset: str | None = None) -> Converted:
    """Heading N styles become N ``#``, the Title style the title, list paragraphs ``- ``, tables rows."""
    _check_unpacked_size(data)
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = [_docx_block(item) for item in document.iter_inner_content()]
        styled_title = next((_collapse(p.text) for p in document.paragraphs if _is_title(p) and p.text.strip()), "")
        title = styled_title or _collapse(document.core_properties.title or "")
    except Exception as exc:  # a damaged zip or XML surfaces as many exception types
        raise UnreadableContent(f"corrupt DOCX: {_short(exc)}") from exc
    text = _join_blocks(blocks)
    if not text:
        raise UnreadableContent("no text in DOCX")
    return Converted(title=title, text=text)


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a DOCX whose parts inflate past :data:`MAX_DOCX_UNPACKED_BYTES`: first by the sizes its
    directory states (free), then by counting the bytes actually inflated (the directory may lie)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _refuse_if_too_large(sum(info.file_size for info in members))
            inflated = 0
            for info in members:
                if info.compress_type not in _DOCX_COMPRESSIONS:
                    raise UnreadableContent(f"corrupt DOCX: part {info.filename!r} uses an unsupported compression")
                inflated = _count_inflated(archive, info, inflated, len(data))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, zlib.error):
        return  # not a readable zip: python-docx names the damage
    except RuntimeError:  # an encrypted member
        raise UnreadableContent("corrupt DOCX: encrypted parts") from None


def _count_inflated(archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int, packed: int) -> int:
    """``inflated`` plus this part's inflated size, read a chunk at a time; refused past the limit."""
    with archive.open(info) as member:
        while chunk := member.read(_ZIP_CHUNK):
            inflated += len(chunk)
            if inflated > MAX_DOCX_UNPACKED_BYTES:
                raise UnreadableContent(
                    f"DOCX unpacks to over {_megabytes(MAX_DOCX_UNPACKED_BYTES)} MB, the limit, though its zip "
                    f"directory says less (a zip bomb? {_megabytes(packed)} MB packed)"
                )
    return inflated


def _refuse_if_too_large(unpacked: int) -> None:
    if unpacked > MAX_DOCX_UNPACKED_BYTES:
        raise UnreadableContent(
            f"DOCX unpacks to {_megabytes(unpacked)} MB, over the {_megabytes(MAX_DOCX_UNPACKED_BYTES)} MB limit "
            "(a zip bomb?)"
        )


def _megabytes(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:,.1f}".removesuffix(".0")


def _is_title(paragraph: Paragraph) -> bool:
    return paragraph.style is not None and paragraph.style.name == "Title"


def _docx_block(item: Paragraph | Table) -> str:
    if isinstance(item, Table):
        rows = list(_docx_table_rows(item))
        return markdown_table(rows, has_header=len(rows) > 1)  # Word has no header cells: the first row is one
    text = _collapse(item.text)
    style = (item.style.name if item.style is not None else "") or ""
    heading = _HEADING_STYLE.match(style)
    if not text:
        return ""
    if style == "Title":  # kept as an h1 so the text reads whole; the chunker leaves it out of section paths
        return f"# {text}"
    if heading:
        return f"{'#' * min(int(heading.group(1)), 6)} {text}"
    if style.startswith("List") or _has_numbering(item):
        return f"- {text}"
    return text


def _has_numbering(paragraph: Paragraph) -> bool:
    # python-docx has no public API for direct list numbering; the numPr element marks it.
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _docx_table_rows(table: Table) -> Iterator[list[str]]:
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = _collapse(cell.text)
            if not cells or text != cells[-1]:  # merged cells repeat the same text
                cells.append(text)
        if any(cells):
            yield cells


# --- CSV ---------------------------------------------------------------------------------------------


def csv_to_markdown(data: bytes, charset: str | None = None) -> Converted:
    """One ``## <first column>`` section per row, holding ``header: value`` lines."""
    text = decode_text(data, charset)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [[_collapse(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as exc:
        raise UnreadableContent(f"corrupt CSV: {_short(exc)}") from exc
    rows = [row for row in rows if any(row)]
    if len(rows) < 2:
        raise UnreadableContent("no rows in CSV (a header row and at least one data row are needed)")
    header, *records = rows
    sections = []
    for number, record in enumerate(records, start=1):
        label = record[0] if record and record[0] else f"Row {number}"
        fields = [
            f"{name or f'Column {column}'}: {value}"
            for column, (name, value) in enumerate(zip_longest(header, record, fillvalue=""), start=1)
            if value
        ]
        sections.append(f"## {label}\n" + "\n".join(fields))
    return Converted(title="", text="\n\n".join(sections))


def _short(exc: Exception) -> str:
    message = _collapse(str(exc)) or type(exc).__name__
    return message if len(message) <= 120 else message[:117] + "..."


CONVERTERS: dict[str, Callable[[bytes, str | None], Converted]] = {
    "markdown": markdown_document,
    "text": markdown_document,
    "html": html_to_markdown,
    "pdf": pdf_to_markdown,
    "docx": docx_to_markdown,
    "csv": csv_to_markdown,
}
