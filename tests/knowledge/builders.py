"""Build real PDF and DOCX files in the tests, so no binary fixtures are committed."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import docx
import docx.document
from pypdf import PageObject, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, IndirectObject, NameObject, StreamObject


def pdf_bytes(
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    user_password: str | None = None,
    owner_password: str = "owner-secret",
) -> bytes:
    """A PDF whose pages show the given lines in Helvetica; encrypted when ``user_password`` is given."""
    writer = PdfWriter()
    font = _helvetica(writer)
    for lines in pages:
        page = _blank_page(writer, font)
        operators = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
        operators += [f"({_pdf_string(line)}) Tj T*" for line in lines]
        operators.append("ET")
        content = DecodedStreamObject()
        content.set_data("\n".join(operators).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(content)
    if title:
        writer.add_metadata({"/Title": title})
    if user_password is not None:
        writer.encrypt(user_password=user_password, owner_password=owner_password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def padded_pdf(pages: Sequence[tuple[str, bytes]]) -> bytes:
    """A PDF whose pages each show one line, followed in its (deflated) content stream by ``padding``:
    whitespace or drawing operators that inflate to megabytes from a few KB, as a PDF bomb's do."""
    writer = PdfWriter()
    font = _helvetica(writer)
    for line, padding in pages:
        page = _blank_page(writer, font)
        content = StreamObject()
        content._data = zlib.compress(f"BT /F1 11 Tf 72 720 Td ({_pdf_string(line)}) Tj ET\n".encode() + padding)
        content[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(content)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _helvetica(writer: PdfWriter) -> IndirectObject:
    return writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )


def _blank_page(writer: PdfWriter, font: IndirectObject) -> PageObject:
    """A Letter page whose text can use ``font`` as /F1."""
    page = writer.add_blank_page(612, 792)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    return page


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def handbook_docx() -> bytes:
    """A Word document using the built-in styles people actually use."""
    document = docx.Document()
    document.add_paragraph("Employee Handbook", style="Title")
    document.add_heading("Leave", level=1)
    document.add_paragraph("Everyone gets 25 days of paid leave per calendar year.")
    document.add_heading("Parental leave", level=2)
    document.add_paragraph("Parents receive 20 weeks of paid parental leave.")
    document.add_paragraph("Tell your manager early", style="List Bullet")
    document.add_paragraph("Fill in the HR form", style="List Number")
    table = document.add_table(rows=3, cols=3)
    rows = [("Country", "Weeks", "Paid"), ("DE", "20", "yes"), ("FR", "16", "yes")]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    merged = document.add_table(rows=1, cols=3)
    merged.rows[0].cells[0].merge(merged.rows[0].cells[1]).text = "Spans two columns"
    merged.rows[0].cells[2].text = "Last"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_bomb(unpacked_bytes: int = 2 * 1024**3) -> bytes:
    """A valid .docx of ~2 MB whose word/document.xml inflates to ``unpacked_bytes`` (2 GiB) of spaces.

    The zip is written by hand: deflating 2 GiB takes zlib ~12 s, but after a full flush the compressor
    emits the same bytes for the same input, so one compressed 16 MiB block is repeated instead. The
    central directory states the true sizes and CRC, as a real zip bomb's does.
    """
    parts = _docx_parts(docx.Document())
    prefix = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + _DOCUMENT_OPEN
    suffix = b"</w:t></w:r></w:p></w:body></w:document>"
    block = b" " * (16 * 1024 * 1024)
    blocks, rest = divmod(unpacked_bytes - len(prefix) - len(suffix), len(block))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as zip stores it
    head = compressor.compress(prefix + b" " * rest) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    tail = compressor.compress(suffix) + compressor.flush()
    crc = zlib.crc32(prefix + b" " * rest)
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(suffix, crc)
    bomb = _ZipMember("word/document.xml", head + repeated * blocks + tail, crc, unpacked_bytes)
    members = [bomb if name == "word/document.xml" else _ZipMember.deflated(name, data) for name, data in parts]
    return _zip(members)


def inflating_docx(unpacked: int, *, stated: int | None = None) -> bytes:
    """A DOCX whose document.xml inflates to ``unpacked`` bytes; its zip directory says ``stated``."""
    parts = _docx_parts(docx.Document())
    xml = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    xml += b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" * (unpacked // 34) + b"</w:body></w:document>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    member = _ZipMember("word/document.xml", compressor.compress(xml) + compressor.flush(), zlib.crc32(xml), len(xml))
    if stated is not None:
        member = _ZipMember(member.name, member.compressed, member.crc, stated)
    return _zip([member if name == "word/document.xml" else _ZipMember.deflated(name, data) for name, data in parts])


_DOCUMENT_OPEN = (
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
)


def _docx_parts(document: docx.document.Document) -> list[tuple[str, bytes]]:
    buffer = io.BytesIO()
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


@dataclass(frozen=True)
class _ZipMember:
    name: str
    compressed: bytes
    crc: int
    size: int

    @classmethod
    def deflated(cls, name: str, data: bytes) -> _ZipMember:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        return cls(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def _zip(members: Sequence[_ZipMember]) -> bytes:
    """A zip archive of deflated members (no zip64: every size fits in 32 bits)."""
    out = io.BytesIO()
    directory = []
    for member in members:
        name = member.name.encode()
        fields = (20, 0, zipfile.ZIP_DEFLATED, 0, 0x21, member.crc, len(member.compressed), member.size, len(name))
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + member.compressed)
        directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    out.write(b"".join(directory))
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), size, start, 0))
    return out.getvalue()
