"""The PII recognisers: checksums, formats, names."""

from __future__ import annotations

import pytest

from graphs.guards.pii import find_pii, iban_valid, luhn_valid


def types(text, entities=None):
    return [(e.type, e.value) for e in find_pii(text, entities)]


def test_credit_cards_need_a_valid_luhn_checksum():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert types("card 4111-1111-1111-1111") == [("CREDIT_CARD", "4111-1111-1111-1111")]
    assert types("order 4111-1111-1111-1112 shipped") == []


def test_ssns_follow_the_issuance_rules():
    assert types("SSN 123-45-6789") == [("US_SSN", "123-45-6789")]
    assert types("SSN 000-12-3456, 666-12-3456, 923-45-6789") == []
    assert types("my social security number is 123456789") == [("US_SSN", "123456789")]
    assert types("order number 123456789") == []


def test_ibans_need_the_mod_97_check():
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid("GB83 WEST 1234 5698 7654 32")
    assert types("pay to DE89370400440532013000 please") == [("IBAN", "DE89370400440532013000")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jane_o'neil+hr@mail.acme.co.uk now", ("EMAIL", "jane_o'neil+hr@mail.acme.co.uk")),
        ("send it to 'alice@example.com' today", ("EMAIL", "alice@example.com")),  # quoted: the quote is not part
        ("call (415) 555-0134 today", ("PHONE", "(415) 555-0134")),
        ("call +46 (0)8 928 571 38", ("PHONE", "+46 (0)8 928 571 38")),
        ("server 192.168.10.7 is down", ("IP_ADDRESS", "192.168.10.7")),
        ("ping 2001:db8::8a2e:370:7334 please", ("IP_ADDRESS", "2001:db8::8a2e:370:7334")),
        ("ship to 221B Baker Street, London", ("ADDRESS", "221B Baker Street")),
    ],
)
def test_formats(text, expected):
    assert expected in types(text)


def test_dates_versions_and_counts_are_not_phone_numbers_or_ips():
    assert types("Released on 2023-04-05 12:30, version 10, 250 000 users, 3 4 5 6 7") == []
    assert types("version 1.2.3 of the app") == []


@pytest.mark.parametrize(
    "text",
    [
        "Please ask Maria Lopez about it",
        "My name is Tomasz Kowalczyk",
        "Dr. Okonkwo approved the request",
        "Hanne I. Kreutzmann will present tomorrow",
        "I'm olga krylova from sales",
    ],
)
def test_person_names(text):
    assert [t for t, _ in types(text, ["PERSON"])] == ["PERSON"]


@pytest.mark.parametrize(
    "text",
    [
        "What is the policy in New York?",
        "Can I work from home on Friday?",
        "The Marketing Team meets on Monday",
        "who sang hold me closer tiny dancer",
    ],
)
def test_ordinary_capitalised_words_are_not_names(text):
    assert types(text, ["PERSON"]) == []


@pytest.mark.parametrize(
    "text",
    [
        "What is the hotel cap in Berlin?",  # Berlin, Boston, Denver, Austin are also first names
        "How much per diem do I get in Boston?",
        "What is the per diem for Denver?",
        "Is there a Dallas office?",
        "I fly to São Paulo next week",
        "book a hotel near Austin airport",
    ],
)
def test_cities_named_as_places_are_kept(text):
    assert types(text, ["PERSON"]) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Please ask Austin about the budget", "Austin"),
        ("Charlotte approved my expenses in Berlin", "Charlotte"),
        ("Dallas Smith booked the flight to Dallas", "Dallas Smith"),
        ("I met Sydney in Sydney", "Sydney"),
    ],
)
def test_a_city_that_is_also_a_first_name_is_a_person_where_a_person_is_meant(text, name):
    assert types(text, ["PERSON"]) == [("PERSON", name)]


@pytest.mark.parametrize(
    "text",
    [
        "How do I connect my Mac to the printer on floor 3?",  # a computer and an office floor
        "Who was Marie Curie?",  # the subject of a question about history
        "who was Nelson Mandela",
        "Is the Jasper room free at 3?",
    ],
)
def test_things_and_public_figures_in_ordinary_questions_are_not_redacted(text):
    assert types(text, ["PERSON", "ADDRESS"]) == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Maria said the VPN is down again", "Maria"),
        ("my manager Jonathan Pemberton asked for the travel policy", "Jonathan Pemberton"),
        ("Who is Laura Smith?", "Laura Smith"),
    ],
)
def test_a_name_with_evidence_of_a_person_is_still_redacted(text, name):
    assert types(text, ["PERSON"]) == [("PERSON", name)]


def test_a_single_name_after_a_determiner_is_a_thing_unless_a_person_is_meant():
    assert types("Can I book the Jasper room?", ["PERSON"]) == []
    assert types("Please ask Jasper about the room", ["PERSON"]) == [("PERSON", "Jasper")]
