from __future__ import annotations

import hashlib
import re

from knowledge.chunking import chunk_document
from knowledge.loaders import load
from knowledge.types import Document

PARENTAL = "Parents receive 20 weeks of paid parental leave, to be taken within 18 months of the birth."
ADOPTION = "Adoptive parents receive the same 20 weeks, counted from the day the child joins the family."
SICK = "Report sick days to your manager before 10:00; from the fourth day a doctor's note is needed."
LEAVE = f"""# Leave policy

## Parental leave
{PARENTAL}

### Adoption
{ADOPTION}

## Empty section

## Sick leave
{SICK}
"""


def doc(text: str, title: str = "Leave policy", source: str = "/kb/leave.md") -> Document:
    return Document(source=source, title=title, text=text, kind="markdown")


def test_sections_are_heading_paths_without_the_document_title():
    chunks = chunk_document(doc(LEAVE), "hr")
    assert [(c.section, c.text) for c in chunks] == [
        ("Parental leave", PARENTAL),
        ("Parental leave > Adoption", ADOPTION),
        ("Sick leave", SICK),
    ]
    assert {(c.title, c.collection, c.source, c.ingested_at) for c in chunks} == {
        ("Leave policy", "hr", "/kb/leave.md", "")
    }
    assert [c.ordinal for c in chunks] == [0, 1, 2]


def test_an_h1_that_is_not_the_title_stays_in_the_path():
    text = f"# Benefits\n\n## Leave\n{PARENTAL}\n\n### Adoption\n{ADOPTION}\n"
    chunks = chunk_document(doc(text, title="Employee handbook"), "hr")
    assert [c.section for c in chunks] == ["Benefits > Leave", "Benefits > Leave > Adoption"]


def test_a_document_without_headings_is_one_section_without_a_path():
    [chunk] = chunk_document(doc(f"{PARENTAL}\n\n{SICK}", title="Notes"), "hr")
    assert (chunk.section, chunk.text) == ("", f"{PARENTAL}\n\n{SICK}")


def test_small_sections_join_the_next_sibling_keeping_their_heading():
    text = f"# Leave policy\n\n## Vacation\n25 days a year.\n\n## Holidays\n10 days.\n\n## Sick leave\n{SICK}"
    [chunk] = chunk_document(doc(text), "hr")
    assert chunk.section == "Sick leave"
    assert chunk.text == f"Vacation\n25 days a year.\n\nHolidays\n10 days.\n\nSick leave\n{SICK}"


def test_a_short_introduction_joins_its_first_subsection():
    text = f"# Leave policy\n\nThis page covers leave.\n\n## Parental leave\n{PARENTAL}\n"
    [chunk] = chunk_document(doc(text), "hr")
    assert (chunk.section, chunk.text) == (
        "Parental leave",
        f"This page covers leave.\n\nParental leave\n{PARENTAL}",
    )


def test_small_sections_do_not_join_a_section_under_another_parent():
    text = f"# Leave\n\n## Sick leave\n{SICK}\n\n### Notes\nCall HR.\n\n# Expenses\n\n## Receipts\n{PARENTAL}\n"
    chunks = chunk_document(doc(text, title="Handbook"), "hr")
    assert [(c.section, c.text) for c in chunks] == [
        ("Leave > Sick leave", SICK),
        ("Leave > Sick leave > Notes", "Call HR."),
        ("Expenses > Receipts", PARENTAL),
    ]


def test_paragraphs_survive_the_heading_split():
    first, second = "Alpha paragraph. " * 30, "Beta paragraph. " * 30
    text = f"# Leave policy\n\n## Rules\n{first.strip()}\n\n{second.strip()}\n"
    chunks = chunk_document(doc(text), "hr")
    # Both paragraphs fit in one chunk: they stay apart; too long together, the split falls between them.
    assert [c.text for c in chunks] == [first.strip(), second.strip()]
    [together] = chunk_document(doc(text), "hr", chunk_size=2000)
    assert together.text == f"{first.strip()}\n\n{second.strip()}"


def test_long_sections_are_split_with_overlap_under_the_same_section():
    sentences = [f"Rule {n} says that form {n} must be signed by a manager." for n in range(80)]
    text = "# Leave policy\n\n## Forms\n" + " ".join(sentences) + "\n"
    chunks = chunk_document(doc(text), "hr", chunk_size=300, chunk_overlap=60)
    assert len(chunks) > 10
    assert {c.section for c in chunks} == {"Forms"}
    assert all(len(c.text) <= 300 for c in chunks)
    for before, after in zip(chunks, chunks[1:], strict=False):
        first_words = " ".join(after.text.split()[:4])
        assert first_words in before.text, "each chunk starts with the end of the one before"
    joined = " ".join(c.text for c in chunks)
    assert all(sentence in joined for sentence in sentences)


def test_chunk_ids_are_deterministic_and_depend_on_source_content_and_position():
    first = chunk_document(doc(LEAVE), "hr")
    again = chunk_document(doc(LEAVE), "other-collection")
    edited = chunk_document(doc(LEAVE.replace("20 weeks", "22 weeks")), "hr")
    moved = chunk_document(doc(LEAVE, source="/kb/archive/leave.md"), "hr")
    expected_hash = hashlib.sha256(LEAVE.encode()).hexdigest()
    assert {c.content_hash for c in first} == {expected_hash}
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert first[0].chunk_id == hashlib.sha256(f"/kb/leave.md\x00{expected_hash}\x000".encode()).hexdigest()[:24]
    assert all(re.fullmatch(r"[0-9a-f]{24}", c.chunk_id) for c in first)
    assert len({c.chunk_id for c in first}) == len(first)
    assert not {c.chunk_id for c in edited} & {c.chunk_id for c in first}
    assert not {c.chunk_id for c in moved} & {c.chunk_id for c in first}


def test_csv_rows_become_sections_named_by_their_first_column(tmp_path):
    path = tmp_path / "faq.csv"
    path.write_text(
        "Question,Answer\n"
        "How do I reset my password?,Open id.acme.example and choose 'Forgot password': a link is sent.\n"
        "Who approves travel?,Your manager approves trips under 2000 EUR; above that, the CFO does.\n"
    )
    [document] = load(str(path))
    chunks = chunk_document(document, "it")
    assert [c.section for c in chunks] == ["How do I reset my password?", "Who approves travel?"]
    assert chunks[1].text.startswith("Question: Who approves travel?\nAnswer: Your manager approves")
