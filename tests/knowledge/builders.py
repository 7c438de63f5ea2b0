"""Build real PDF and DOCX files in the tests, so no binary fixtures are committed."""

from __future__ import annotations

import io
from collections.abc import Sequence

import docx
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject


def pdf_bytes(
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    user_password: str | None = None,
    owner_password: str = "owner-secret",
) -> bytes:
    """A PDF whose pages show the given lines in Helvetica; encrypted when ``user_password`` is given."""
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
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
