"""Local files and folders -> Documents. URLs and sitemaps are in test_loaders_url.py."""

from __future__ import annotations

import re
import tracemalloc
from pathlib import Path

import pytest

from knowledge import converters
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadError, discover, load
from tests.knowledge.builders import docx_bomb, handbook_docx, padded_pdf, pdf_bytes


def load_one(path: Path) -> object:
    documents = load(str(path))
    assert len(documents) == 1
    return documents[0]


def load_error(path: Path | str) -> LoadError:
    with pytest.raises(LoadError) as caught:
        load(str(path))
    assert caught.value.source == str(path)
    return caught.value


# --- Markdown and text -------------------------------------------------------------------------------


def test_markdown_is_kept_as_is_and_titled_by_its_first_h1(tmp_path):
    text = "Intro.\n\n# Leave policy\n\n## Parental leave\nTwenty weeks.\n"
    path = tmp_path / "leave.md"
    path.write_text(text)
    doc = load_one(path)
    assert (doc.title, doc.kind, doc.source) == ("Leave policy", "markdown", str(path))
    assert doc.text == text.strip()


def test_a_file_without_heading_is_titled_by_its_humanised_name(tmp_path):
    path = tmp_path / "parental-leave_policy.txt"
    path.write_text("Parents receive twenty weeks of paid leave.\n")
    doc = load_one(path)
    assert (doc.title, doc.kind) == ("Parental leave policy", "text")


def test_a_hash_inside_a_code_fence_is_not_the_title(tmp_path):
    path = tmp_path / "setup.md"
    path.write_text("```\n# not a title\n```\n\n# Setup guide\nRun it.\n")
    assert load_one(path).title == "Setup guide"


def test_front_matter_names_the_title_and_is_left_out_of_the_text(tmp_path):
    path = tmp_path / "vpn.markdown"
    path.write_text("---\ntitle: 'VPN access'\nauthor: it\n---\nUse the Pangolin client.\n")
    doc = load_one(path)
    assert doc.title == "VPN access"
    assert doc.text == "Use the Pangolin client."


def test_windows_1252_and_utf16_text_files_are_decoded(tmp_path):
    cp1252 = tmp_path / "prices.txt"
    cp1252.write_bytes("Lunch costs 12 € at the café.".encode("cp1252"))
    utf16 = tmp_path / "notes.md"
    utf16.write_bytes("# Notes\r\nZoë approves.".encode("utf-16"))
    assert load_one(cp1252).text == "Lunch costs 12 € at the café."
    assert load_one(utf16).text == "# Notes\nZoë approves."


# --- HTML --------------------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html><head><title>Travel policy</title><style>p { color: red }</style></head>
<body>
<header>Acme intranet</header><nav><a href="/">Home</a></nav>
<h1>Travel</h1>
<p>Book trains for trips <b>under</b> 600 km.</p>
<div>Loose text in a div</div>
<h2>Per diem</h2>
<ul><li>Breakfast: 10 EUR<ul><li>only when not included</li></ul></li><li>Dinner: 30 EUR</li></ul>
<table><tr><th>City</th><th>Rate</th></tr><tr><td>Berlin</td><td>28 EUR</td></tr></table>
<form><input name="q"><button>Search</button></form>
<aside>Related pages</aside><script>track()</script>
<footer>Copyright Acme</footer>
</body></html>"""


def test_html_becomes_markdown_without_page_furniture(tmp_path):
    path = tmp_path / "travel.html"
    path.write_text(PAGE)
    doc = load_one(path)
    assert (doc.title, doc.kind) == ("Travel policy", "html")
    assert doc.text == (
        "# Travel\n\n"
        "Book trains for trips under 600 km.\n\n"
        "Loose text in a div\n\n"
        "## Per diem\n\n"
        "- Breakfast: 10 EUR\n- only when not included\n- Dinner: 30 EUR\n\n"
        "| City | Rate |\n| --- | --- |\n| Berlin | 28 EUR |"
    )


def test_an_html_page_without_title_is_titled_by_its_h1(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text("<h1>Office hours</h1><p>Nine to five.</p>")
    assert load_one(path).title == "Office hours"


def test_an_html_page_with_only_scripts_has_no_readable_text(tmp_path):
    path = tmp_path / "app.html"
    path.write_text("<html><body><script>render()</script><nav>Menu</nav></body></html>")
    assert load_error(path).reason == "no readable text in HTML"


# --- PDF ---------------------------------------------------------------------------------------------


def test_pdf_pages_are_joined_and_heading_lines_become_sections(tmp_path):
    path = tmp_path / "handbook.pdf"
    path.write_bytes(
        pdf_bytes(
            [
                ["Staff Handbook", "1. Working Hours", "Core hours are 10:00 to 16:00 on weekdays."],
                ["Annual Leave", "Employees get 25 days of annual leave", "per calendar year."],
            ],
            title="Acme staff handbook",
        )
    )
    doc = load_one(path)
    assert (doc.title, doc.kind) == ("Acme staff handbook", "pdf")
    assert doc.text == (
        "# Staff Handbook\n\n"
        "## 1. Working Hours\n\n"
        "Core hours are 10:00 to 16:00 on weekdays.\n\n"
        "## Annual Leave\n\n"
        "Employees get 25 days of annual leave\nper calendar year."
    )


def test_a_pdf_without_metadata_title_is_titled_by_its_first_line(tmp_path):
    path = tmp_path / "expenses.pdf"
    path.write_bytes(pdf_bytes([["Expense Rules", "Receipts are needed for everything over 10 EUR."]]))
    assert load_one(path).title == "Expense Rules"


def test_a_password_protected_pdf_is_refused(tmp_path):
    path = tmp_path / "salaries.pdf"
    path.write_bytes(pdf_bytes([["Confidential salaries."]], user_password="s3cret"))
    assert load_error(path).reason == "password-protected PDF"


def test_a_pdf_encrypted_with_an_empty_user_password_is_read(tmp_path):
    path = tmp_path / "locked-for-editing.pdf"
    path.write_bytes(pdf_bytes([["Printing is allowed for everyone."]], user_password=""))
    assert "Printing is allowed for everyone." in load_one(path).text


def test_a_pdf_with_no_text_layer_is_reported_as_probably_scanned(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(pdf_bytes([[], []]))
    assert load_error(path).reason == "no extractable text (scanned PDF?)"


def test_a_truncated_pdf_is_corrupt(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R")
    assert load_error(path).reason.startswith("corrupt PDF")


MB = 1024 * 1024


def test_pdf_pages_that_inflate_too_far_are_skipped_and_the_rest_is_read(tmp_path):
    path = tmp_path / "bloated.pdf"
    spaces = b" " * (11 * MB)  # past the 10 MB a page's content may inflate to
    operators = b"0 0 m " * 50_000 * 5  # 750,000 tokens: past the 200,000 a page may hold
    path.write_bytes(padded_pdf([("Whitespace bomb", spaces), ("Operator bomb", operators), ("Real text.", b"")]))
    assert path.stat().st_size < 100_000
    assert load_one(path).text == "Real text."


def test_a_pdf_whose_pages_inflate_past_the_budget_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(converters, "PDF_MAX_CONTENT_BYTES", 3 * MB)  # 30 MB in production: same path, faster
    path = tmp_path / "bomb.pdf"
    path.write_bytes(padded_pdf([(f"Page {n}", b" " * MB) for n in range(4)]))
    assert load_error(path).reason == "PDF content inflates to over 3 MB (a PDF bomb?)"


def test_a_pdf_of_mostly_unreadable_pages_is_corrupt(tmp_path):
    path = tmp_path / "broken-pages.pdf"
    path.write_bytes(padded_pdf([(f"Page {n}", b" " * (11 * MB)) for n in range(6)] + [("Readable.", b"")]))
    assert load_error(path).reason == "corrupt PDF: more than 5 pages cannot be read"


# --- DOCX --------------------------------------------------------------------------------------------


def test_docx_styles_become_headings_lists_and_table_rows(tmp_path):
    path = tmp_path / "handbook.docx"
    path.write_bytes(handbook_docx())
    doc = load_one(path)
    assert (doc.title, doc.kind) == ("Employee Handbook", "docx")
    assert doc.text == (
        "# Employee Handbook\n\n"
        "# Leave\n\n"
        "Everyone gets 25 days of paid leave per calendar year.\n\n"
        "## Parental leave\n\n"
        "Parents receive 20 weeks of paid parental leave.\n\n"
        "- Tell your manager early\n- Fill in the HR form\n\n"
        "| Country | Weeks | Paid |\n| --- | --- | --- |\n| DE | 20 | yes |\n| FR | 16 | yes |\n\n"
        "|  |  |\n| --- | --- |\n| Spans two columns | Last |"
    )


def test_a_docx_without_title_style_is_titled_by_its_file_name(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Just one paragraph.")
    path = tmp_path / "meeting_notes.docx"
    document.save(str(path))
    assert load_one(path).title == "Meeting notes"


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04" + b"\x00" * 40])
def test_a_damaged_docx_is_corrupt(tmp_path, content):
    path = tmp_path / "damaged.docx"
    path.write_bytes(content)
    assert load_error(path).reason.startswith("corrupt DOCX: ")


def test_a_docx_zip_bomb_is_refused_without_inflating_it(tmp_path):
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_bomb())  # 2 MB on disk, 2 GiB of XML once inflated
    tracemalloc.start()
    try:
        reason = load_error(path).reason
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert re.fullmatch(r"DOCX unpacks to 2,04\d MB, over the 100 MB limit \(a zip bomb\?\)", reason)
    assert peak < 20 * 1024 * 1024  # the file itself and the zip directory, nothing inflated


# --- CSV ---------------------------------------------------------------------------------------------


def test_each_csv_row_becomes_a_section_of_key_value_lines(tmp_path):
    path = tmp_path / "office_contacts.csv"
    path.write_text("Office,Manager,Phone\nBerlin,Anna Schmidt,+49 30 1234\nParis,,+33 1 2345\n,Nobody,\n")
    doc = load_one(path)
    assert (doc.title, doc.kind) == ("Office contacts", "csv")
    assert doc.text == (
        "## Berlin\nOffice: Berlin\nManager: Anna Schmidt\nPhone: +49 30 1234\n\n"
        "## Paris\nOffice: Paris\nPhone: +33 1 2345\n\n"
        "## Row 3\nManager: Nobody"
    )


def test_semicolon_separated_excel_exports_are_sniffed(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_bytes("Item;Price;Note\nCafé latte;3,50 €;with oat milk\n".encode("cp1252"))
    assert load_one(path).text == "## Café latte\nItem: Café latte\nPrice: 3,50 €\nNote: with oat milk"


def test_a_csv_with_only_a_header_row_has_nothing_to_load(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("name,role\n")
    assert "no rows in CSV" in load_error(path).reason


# --- unreadable files --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a.md", "b.txt", "c.html", "d.csv", "e.pdf", "f.docx", "g.markdown"])
@pytest.mark.parametrize("content", [b"", b"  \n\t\n  "])
def test_empty_and_whitespace_only_files_are_reported(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert load_error(path).reason == "empty file"


@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", bytes(range(1, 32)) * 20, b"\xff\xfe\x00\xd8" * 3],
    ids=["nul-bytes", "control-characters", "bad-utf16"],
)
def test_binary_data_with_a_text_extension_is_not_text(tmp_path, content):
    path = tmp_path / "picture.md"
    path.write_bytes(content)
    assert load_error(path).reason == "not a text file"


def test_utf8_with_a_broken_sequence_keeps_its_accents(tmp_path):
    path = tmp_path / "menu.md"
    path.write_bytes("# Menu\n\nCafé crème costs 3 €. ".encode() + b"Cr\xc3" + " brûlée too.".encode())
    assert load_one(path).text == "# Menu\n\nCafé crème costs 3 €. Cr\ufffd brûlée too."


def test_files_over_50_mb_are_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)  # sparse: takes no disk space
    assert load_error(path).reason == "file too large (51 MB > 50 MB)"


def test_unsupported_and_missing_files_are_reported(tmp_path):
    (tmp_path / "slides.pptx").write_bytes(b"PK")
    assert load_error(tmp_path / "slides.pptx").reason == "unsupported file type .pptx"
    assert load_error(tmp_path / "gone.md").reason == "no such file"
    assert str(LoadError("gone.md", "no such file")) == "gone.md: no such file"


# --- discovery ---------------------------------------------------------------------------------------


def make_tree(root: Path) -> None:
    for relative in [
        "b.md",
        "a.txt",
        "sub/deeper/c.pdf",
        "sub/d.docx",
        "sub/e.CSV",
        "sub/page.htm",
        "sub/.draft.md",
        ".git/config.md",
        "_build/html/index.html",
        "sub/_build/out.md",
        "sub/image.png",
        "notes.xml",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")


def test_folders_are_walked_recursively_skipping_hidden_build_and_unsupported_files(tmp_path):
    root = tmp_path / "kb"
    make_tree(root)
    sources, errors = discover([str(root)])
    assert errors == []
    assert sources == [
        str(root / name) for name in ["a.txt", "b.md", "sub/d.docx", "sub/e.CSV", "sub/page.htm", "sub/deeper/c.pdf"]
    ]


def test_named_paths_are_resolved_and_reported_once_each(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    make_tree(root)
    monkeypatch.chdir(root)
    sources, errors = discover(["sub/../b.md", str(root), "b.md", "sub/.draft.md"])
    assert errors == []
    assert sources[0] == str(root / "b.md")
    assert sources.count(str(root / "b.md")) == 1
    assert sources[-1] == str(root / "sub/.draft.md")  # a hidden file named on purpose is loaded


def test_missing_paths_and_named_unsupported_files_are_errors_that_do_not_stop_the_rest(tmp_path):
    root = tmp_path / "kb"
    make_tree(root)
    sources, errors = discover([str(root / "missing"), str(root / "sub/image.png"), str(root / "b.md")])
    assert sources == [str(root / "b.md")]
    assert [(error.source, error.reason) for error in errors] == [
        (str(root / "missing"), "no such file or folder"),
        (str(root / "sub/image.png"), "unsupported file type .png"),
    ]


def test_a_local_sitemap_expands_to_its_page_urls_and_other_xml_is_unsupported(tmp_path):
    sitemap = tmp_path / "sitemap.xml"
    sitemap.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc> https://intranet.example/leave </loc></url>"
        "<url><loc>https://intranet.example/travel</loc><lastmod>2024-01-01</lastmod></url>"
        "</urlset>"
    )
    other = tmp_path / "pom.xml"
    other.write_text("<project><loc>https://example.org/</loc></project>")
    sources, errors = discover([str(sitemap), str(other)])
    assert sources == ["https://intranet.example/leave", "https://intranet.example/travel"]
    assert len(errors) == 1 and errors[0].reason.startswith("unsupported file type .xml")


def test_every_supported_suffix_is_discovered(tmp_path):
    for suffix in SUPPORTED_SUFFIXES:
        (tmp_path / f"file{suffix}").write_text("x")
    sources, _ = discover([str(tmp_path)])
    assert {Path(source).suffix for source in sources} == SUPPORTED_SUFFIXES


def test_the_site_name_in_an_html_title_is_dropped_when_the_h1_names_the_page(tmp_path):
    for page_title in ["Leave policy | Acme Intranet", "Acme Intranet - Leave policy", "leave policy"]:
        path = tmp_path / "leave.html"
        path.write_text(f"<title>{page_title}</title><h1>Leave policy</h1><p>25 days.</p>")
        assert load_one(path).title == "Leave policy"


def test_a_page_title_that_merely_starts_like_the_h1_is_kept(tmp_path):
    path = tmp_path / "travel.html"
    path.write_text("<title>Travel policy</title><h1>Travel</h1><p>Trains first.</p>")
    assert load_one(path).title == "Travel policy"
