"""graphs/question.py: what a question asks for, and whether a sentence holds that kind of answer."""

from __future__ import annotations

import pytest

from graphs.question import analyse_question, mentions_answer_type, question_type, stem


@pytest.mark.parametrize(
    "question, expected",
    [
        ("When is payday in Lisbon?", "date"),
        ("In which year did the office open?", "date"),
        ("How many vacation days do contractors get?", "number"),
        ("How much is the meal allowance?", "number"),
        ("Who do I contact if my card is stolen?", "who"),
        ("Where do I submit expense reports?", "place"),
        ("Why do we need MFA?", "cause"),
        ("What does VPN stand for?", "definition"),
        ("What is a moai", "definition"),
        ("Can I bring my dog to the office?", "yesno"),
        ("How do I reset my password?", "how"),
        ("What do Greeks say when they break plates?", "what"),  # 'when' later in the sentence
        ("Hi, quick question: how many sick days do I get?", "number"),
        ("1st battalion king's own royal regiment", "other"),
    ],
)
def test_question_type(question, expected):
    assert question_type(question) == expected


def test_key_terms_leave_out_question_words_and_framing():
    profile = analyse_question("Who do I contact about my payroll mistake?")
    assert profile.key_terms == ("payroll", "mistake")
    assert profile.key_stems == {stem("payroll"), stem("mistake")}


def test_irregular_forms_share_a_stem():
    assert stem("lost") == stem("lose") == stem("losing")
    assert stem("paid") == stem("pay")


@pytest.mark.parametrize(
    "kind, sentence, question, expected",
    [
        ("date", "Salaries are paid on the 25th of each month.", "When is payday?", True),
        ("date", "The wall was built starting on 13 August 1961.", "When was the wall built?", True),
        ("date", "Rick adapts quickly to killing walkers.", "When does Rick die?", False),
        ("number", "Contractors get 15 vacation days.", "How many days do contractors get?", True),
        ("number", "Team dinners are capped at sixty euros.", "How much is a dinner?", True),
        ("number", "Ask your manager before booking.", "How many days can I book?", False),
        ("who", "Email payroll@northwind.example for help.", "Who handles payroll?", True),
        ("who", "The song was written by Pete Townshend.", "who sings let my love open the door", True),
        ("who", "the song was a hit in the summer.", "who sings the song", False),
        ("place", "Submit claims in Ledgerly.", "Where do I submit claims?", True),
        ("place", "The office is on the third floor.", "Where is the office?", True),
        ("cause", "The wall was built because people were leaving.", "Why was the wall built?", True),
        ("cause", "The wall was built in 1961.", "Why was the wall built?", False),
        ("yesno", "Anything at all.", "Can I bring a dog?", None),
    ],
)
def test_answer_type_in_a_sentence(kind, sentence, question, expected):
    assert mentions_answer_type(kind, sentence, question) is expected


def test_an_expression_the_question_already_contains_is_not_an_answer():
    question = "When did 10 digit dialing start in 2007?"
    assert mentions_answer_type("date", "Ten digit dialing started in 2007 in Colorado.", question) is False
    assert mentions_answer_type("number", "The plan has 10 digit numbers.", "How many 10 digit numbers?") is False
