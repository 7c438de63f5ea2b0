import pytest

from graphs.followup import fold_into_previous, is_follow_up


@pytest.mark.parametrize(
    "message",
    [
        "and for contractors?",
        "What about interns?",
        "how about Toronto?",
        "for contractors",
        "Does that apply to interns?",
    ],
)
def test_elliptical_messages_are_follow_ups(message):
    assert is_follow_up(message, has_history=True)


@pytest.mark.parametrize(
    "message",
    ["How do I reset my password?", "Is there parking at the Lisbon office?", "Who approves travel requests?"],
)
def test_standalone_questions_are_not(message):
    assert not is_follow_up(message, has_history=True)


def test_nothing_is_a_follow_up_without_history():
    assert not is_follow_up("and for contractors?", has_history=False)


def test_folding_keeps_the_previous_question_and_adds_the_new_part():
    assert fold_into_previous("and for contractors?", "How many vacation days do I get?") == (
        "How many vacation days do I get for contractors?"
    )
    folded = fold_into_previous("how do I submit it?", "Which tool do I use for expenses?")
    assert folded.startswith("Which tool do I use for expenses?") and "submit it" in folded
