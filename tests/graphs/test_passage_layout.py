"""graphs/passage_layout.py: the lists of a chunk, their lead-ins, nesting and ends, as chunks hold them."""

from __future__ import annotations

from graphs.passage_layout import list_after, list_holding, lists_in


def test_a_lead_in_and_its_numbered_steps_with_a_wrapped_line():
    text = (
        "Intro sentence. For a lost or stolen laptop:\n\n"
        "1. report it to Security within 1 hour;\n"
        "2. if it was stolen, report the theft to the police and upload the report to the\n"
        "Harbor ticket within 5 working days;\n"
        "3. IT gives you a replacement.\n\n"
        "A laptop stolen while unlocked is a high-risk incident."
    )
    (block,) = lists_in(text)
    assert block.lead == "For a lost or stolen laptop:" and block.ordered
    assert [i.marker for i in block.items] == ["1.", "2.", "3."]
    assert block.items[1].text.endswith("upload the report to the Harbor ticket within 5 working days;")
    assert list_after(text, text.index(":") + 1) == block
    assert list_holding(text, text.index("IT gives")) == block
    assert list_holding(text, text.index("A laptop stolen")) is None


def test_pdf_text_without_blank_lines_ends_the_list_at_a_finished_sentence():
    text = (
        "- Lisbon: 30 further days at full pay.\n"
        "- Toronto: disability insurance pays 70% of base salary from the 11th day for up\n"
        "to 26 weeks.\n"
        "Sick during vacation\n"
        "If you fall ill during your vacation, the sick days are converted back."
    )
    (block,) = lists_in(text)
    assert [i.label for i in block.items] == ["Lisbon", "Toronto"]
    assert block.items[-1].text.endswith("up to 26 weeks.")


def test_bullets_between_numbered_steps_are_nested_under_the_step_above():
    text = "1. Open it.\n2. Choose a gateway:\n- vpn-lis: Europe;\n- vpn-tor: Americas.\n3. Connect."
    (block,) = lists_in(text)
    assert [(i.marker, i.depth) for i in block.items] == [("1.", 0), ("2.", 0), ("-", 1), ("-", 1), ("3.", 0)]
    assert [i.text for i in block.subtree(1)] == ["Choose a gateway:", "vpn-lis: Europe;", "vpn-tor: Americas."]


def test_a_loose_list_goes_on_after_a_blank_line_and_bold_marks_are_dropped():
    text = "Do not:\n\n- reply to the **sender**;\n\n- open attachments.\n\nSecurity will warn people."
    (block,) = lists_in(text)
    assert block.lead == "Do not:"
    assert [i.text for i in block.items] == ["reply to the sender;", "open attachments."]
    assert not block.ordered
