"""The asker asking for a person, in many phrasings, and ordinary questions that only mention people."""

from __future__ import annotations

import pytest

from bot.handover.phrases import says_solved
from graphs.triage import asks_for_person


@pytest.mark.parametrize(
    "text",
    [
        "can I talk to someone?",
        "Can I speak to a human please",
        "could we chat with a real person",
        "I want a human",
        "i need a real person, this bot is not helping",
        "I'd like to speak with HR",
        "I want to talk to someone from finance",
        "connect me with HR",
        "Please connect me to an agent",
        "put me through to a person",
        "transfer me to a representative",
        "speak to an agent",
        "talk to a human",
        "Let me talk to somebody",
        "get me a human!",
        "human please",
        "Agent",
        "is there someone I can talk to?",
        "Is there a real person here?",
        "escalate this please",
        "hand this over to a person",
        "I’d rather ask a human",
        "<@UKEEL> can i talk to someone about my payslip",
    ],
)
def test_requests_for_a_person_are_recognised(text: str) -> None:
    assert asks_for_person(text)


@pytest.mark.parametrize(
    "text",
    [
        "who do I talk to about expenses?",
        "How do I contact HR?",
        "Do I need to talk to HR to change my address?",
        "Should I speak to my manager before booking leave?",
        "Can I speak to my manager about working from home?",
        "How many people can I bring to the team dinner?",
        "Can a person carry over unused vacation days?",
        "What does a support agent do during onboarding?",
        "How long is parental leave?",
        "Which person approves expense reports?",
        "Does the VPN need a human to approve the MFA prompt?",
    ],
)
def test_ordinary_questions_are_not_requests_for_a_person(text: str) -> None:
    assert not asks_for_person(text)


@pytest.mark.parametrize("text", ["thanks, solved", "never mind, got it", "All good now, found it", "nvm"])
def test_the_asker_saying_it_is_solved(text: str) -> None:
    assert says_solved(text)


@pytest.mark.parametrize("text", ["is there an update?", "still waiting", "I also need the form"])
def test_other_asker_replies_are_not_a_resolution(text: str) -> None:
    assert not says_solved(text)
