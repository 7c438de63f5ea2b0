"""Does the asker want a person? A small deterministic detector for requests like "can I talk to
someone?", "I want a human", "connect me with HR" or "speak to an agent".

Deliberately narrow: it looks for a *request* (can I / I want to / connect me / let me ...) aimed at a
*person* (someone, a human, an agent, HR ...). Questions that merely mention people ("who do I talk to
about expenses?", "how do I contact HR?", "do I need to talk to HR to change my address?") are still
answered from the knowledge.
"""

from __future__ import annotations

import re

ASKED_FOR_PERSON = "the asker asked for a person"

# Who a person might ask for. "someone"/"somebody" only count after an explicit request (see below).
_PERSON = (
    r"(?:a |an |some |the |any |one of (?:the|your) )?(?:real |actual |live |human |)"
    r"(?:human(?: being)?s?|person|people|someone|somebody|anyone|anybody|agents?|representatives?|reps?|"
    r"operators?|humans? from \w+|staff(?: member)?|team member|expert|hr|human resources|support team|it support)"
)
_TALK = r"(?:talk|speak|chat)(?: directly)? (?:to|with)"
_WANT = r"(?:'d| would| really| just)* (?:want|need|like|wish|wanna|prefer)"

_REQUESTS = [
    # can I talk to someone? / could we speak with a human please
    rf"\b(?:can|could|may) (?:i|we) (?:please |just )?{_TALK} {_PERSON}\b",
    # I want to talk to a human / I'd like to speak with HR
    rf"(?<!do )(?<!does )(?<!should )\b(?:i|we){_WANT} to {_TALK} {_PERSON}\b",
    # I want a human / I need a real person
    rf"(?<!do )(?<!should )\b(?:i|we){_WANT} (?:a |an |some )?(?:real |actual |live )?"
    r"(?:human(?: being)?|person|agent|representative|people)\b(?! (?:to|who|that) \w+ (?:my|the|a|an) )",
    # connect me with HR / put me through to an agent / transfer me to a person / get me a human
    rf"\b(?:connect|transfer|put|patch|forward) (?:me|this|my question) (?:through |over )?(?:to|with) {_PERSON}\b",
    r"\bget me (?:a |an )?(?:real |actual |live )?(?:human|person|agent|representative)\b",
    rf"\blet me {_TALK} {_PERSON}\b",
    # speak to an agent / talk to a human (these nouns are unambiguous wherever they appear)
    rf"\b{_TALK} (?:a |an )(?:real |actual |live )?(?:human(?: being)?|person|agent|representative)\b",
    rf"\b{_TALK} (?:a |an |the )?(?:real|actual|live) (?:human|person|people|someone)\b",
    # is there someone I can talk to? / is there a human here?
    r"\b(?:is|are) there (?:a |any |some )?(?:human|real person|person|someone|somebody|anyone|anybody|people)"
    r"(?: here)? (?:i|we) (?:can|could) (?:talk|speak|chat)",
    r"\b(?:is|are) there (?:a |any )?(?:human|real person|real people)\b",
    # escalate this / hand this to a person / ask a human
    r"\bescalate (?:this|it|my (?:question|issue|case)|to (?:a |an )?(?:human|person|agent|hr))\b",
    r"\b(?:hand|pass) (?:this|me|it) (?:over )?to (?:a |an )?(?:human|person|agent|someone|somebody)\b",
    r"\b(?:ask|involve|loop in|bring in) (?:a |an )?(?:human|real person|actual person)\b",
    r"\b(?:not|no more|stop talking to) (?:a |an )?(?:bot|robot|machine)\b",
]
_ALONE = r"^(?:a |an )?(?:real )?(?:human|person|agent|representative|operator)(?: please| pls| now)?$"
_REQUEST = re.compile("|".join(f"(?:{p})" for p in [*_REQUESTS, _ALONE]))


def normalise(text: str) -> str:
    """Lower case, curly quotes straightened, punctuation dropped (but the apostrophe kept), one space."""
    text = text.casefold().replace("’", "'").replace("‘", "'")
    text = re.sub(r"<[^>]*>", " ", text)  # Slack mentions and links
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def asks_for_person(text: str) -> bool:
    """True when the message asks to be put in touch with a person rather than asking a question."""
    return bool(_REQUEST.search(normalise(text)))
