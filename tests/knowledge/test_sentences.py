"""knowledge/sentences.py: chunk text into the sentences an answer can quote, with where each sits."""

from __future__ import annotations

from knowledge.converters import html_to_markdown
from knowledge.sentences import split_sentences

MARKDOWN = """# Leave policy
## Vacation
Employees get 25 vacation days per year, e.g. in Lisbon. Contractors get 15 days
(see J. Smith for details). Ask early!
- You can carry over up to 5 days
  into the next year.
- Ask your manager first

| Benefit | Employees | Interns |
| --- | --- | --- |
| Meal allowance | Yes | No |
"""


def test_markdown_prose_lists_and_tables_become_sentences_under_their_heading():
    sentences = split_sentences(MARKDOWN)
    assert [s.text for s in sentences] == [
        "Employees get 25 vacation days per year, e.g. in Lisbon.",
        "Contractors get 15 days (see J. Smith for details).",
        "You can carry over up to 5 days into the next year.",
        "Ask your manager first",
        "Benefit: Meal allowance; Employees: Yes; Interns: No",
    ]
    assert {s.heading for s in sentences} == {"Vacation"}
    assert [s.key for s in sentences] == ["", "", "", "", "Meal allowance"]  # only a table row has a key
    assert [s.position for s in sentences] == [0, 1, 2, 3, 4]


def test_text_from_pdf_keeps_short_unpunctuated_lines_as_headings():
    text = (
        "How many days\nEmployees get 25 working days of paid vacation per calendar year.\n"
        "Carrying over\nYou can carry over up to 5 unused days into the next\ncalendar year."
    )
    sentences = split_sentences(text)
    assert [(s.heading, s.text) for s in sentences] == [
        ("How many days", "Employees get 25 working days of paid vacation per calendar year."),
        ("Carrying over", "You can carry over up to 5 unused days into the next calendar year."),
    ]


def test_a_record_of_fields_is_one_sentence():
    text = "software: Figma\ncategory: Design\nwho_can_install: Design and Product"
    assert [s.text for s in split_sentences(text)] == [
        "software: Figma; category: Design; who_can_install: Design and Product"
    ]


def test_tokenised_corpus_text_splits_on_spaced_periods():
    text = "The wall was built in 1961 . It fell in 1989 . U.S. troops stayed ."
    assert [s.text for s in split_sentences(text)] == [
        "The wall was built in 1961 .",
        "It fell in 1989 .",
        "U.S. troops stayed .",
    ]


def test_each_sentence_knows_its_span_in_the_chunk():
    text = "Intro line here.\n\nEmployees get **25 days**. Contractors get 15\ndays in all.\n- Item one is here\n"
    sentences = split_sentences(text)
    assert [text[s.start : s.end] for s in sentences] == [
        "Intro line here.",
        "Employees get **25 days**.",
        "Contractors get 15\ndays in all.",
        "Item one is here",
    ]


def test_a_table_row_spans_its_own_line():
    sentences = split_sentences(MARKDOWN)
    row = sentences[-1]
    assert MARKDOWN[row.start : row.end] == "| Meal allowance | Yes | No |"
    assert MARKDOWN[sentences[2].start : sentences[2].end] == "You can carry over up to 5 days\n  into the next year."


def test_an_html_table_row_is_one_sentence_read_against_the_table_header():
    page = (
        b"<h2>Rates</h2><table><thead><tr><th>City</th><th>Per diem</th><th>Hotel cap</th></tr></thead>"
        b"<tbody><tr><td>London</td><td>GBP 70</td><td>GBP 230</td></tr>"
        b"<tr><td>Paris | Lyon</td><td>EUR 80</td><td>EUR 210</td></tr></tbody></table>"
    )
    sentences = split_sentences(html_to_markdown(page).text)
    assert [s.text for s in sentences] == [
        "City: London; Per diem: GBP 70; Hotel cap: GBP 230",
        "City: Paris | Lyon; Per diem: EUR 80; Hotel cap: EUR 210",
    ]
    assert {s.heading for s in sentences} == {"Rates"}
    assert [s.key for s in sentences] == ["London", "Paris | Lyon"]  # what each row is about


def test_a_table_without_header_cells_keeps_its_first_row_as_data():
    page = b"<table><tr><td>Wi-Fi network</td><td>Northwind-Guest</td></tr><tr><td>Printer</td><td>Floor 3</td></tr></table>"
    assert [s.text for s in split_sentences(html_to_markdown(page).text)] == [
        "Wi-Fi network; Northwind-Guest",
        "Printer; Floor 3",
    ]


def test_rows_of_a_table_cut_by_the_chunker_are_not_read_against_a_row_taken_for_a_header():
    continuation = "| Porto | EUR 55 | EUR 130 |\n| London | GBP 70 | GBP 230 |\n"
    assert [s.text for s in split_sentences(continuation)] == ["Porto; EUR 55; EUR 130", "London; GBP 70; GBP 230"]
