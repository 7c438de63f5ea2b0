"""Answers that ask the reader to hand over credentials or payment data.

A document planted in the knowledge base ("send your password and card number to verify@payroll-check.example
to keep your salary") is a phishing page with Keel's citation on it. No real policy asks staff to *send*
a password, a one-time code, a card number or bank details to an address: they are typed into the
company's own sign-in or payment screens, never mailed, messaged or pasted anywhere. So a sentence is
flagged when it
- names such data ("password", "one-time code", "card number", "CVV", "IBAN", "bank details"...),
- asks for it to be passed on (send, email, forward, share, reply with, submit, provide, text, post,
  upload...), and
- says where to (an e-mail address, a link, or "to"/"at" a named recipient),
unless the sentence forbids it ("never send your password", "do not share your code", "IT will never
ask for it"). Rules, not a model: the phrasings of such requests are few and a person can check why a
sentence was flagged.
"""

from __future__ import annotations

import re

from graphs.guards.text import split_sentences

_SENSITIVE = re.compile(
    r"\b(?:pass(?:word|words|code|phrase)|pins?|mfa codes?|one[- ]time (?:code|password)s?|otps?|"
    r"(?:verification|security|login|sign[- ]in|2fa|two[- ]factor) codes?|credentials|log-?in details|"
    r"(?:credit |debit |corporate |company )?card (?:numbers?|details)|cvv|cvc|expiry date|"
    r"bank (?:details|account(?: numbers?)?)|account numbers?|iban|routing numbers?|sort codes?|"
    r"social security numbers?|ssn)\b",
    re.IGNORECASE,
)
_PASS_ON = re.compile(
    r"\b(?:send|sends|sending|e-?mail|forward|share|reply with|respond with|submit|provide|give|text|"
    r"post|upload|paste|message|dm|whatsapp|call (?:us )?with|include)\b",
    re.IGNORECASE,
)
_DESTINATION = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|\bwww\.\S+|\b(?:to|at|via|on)\s+(?:the\s+)?[\w.-]+\.[a-z]{2,}\b",
    re.IGNORECASE,
)
_FORBIDS = re.compile(
    r"\b(?:never|not|don'?t|do not|must not|mustn'?t|no one|nobody|will not|won'?t|avoid|refuse)\b", re.IGNORECASE
)


def find_credential_request(text: str) -> str | None:
    """Why ``text`` asks the reader to pass on credentials or payment data, or None."""
    for span in split_sentences(text):
        sentence = span.text
        sensitive = _SENSITIVE.search(sentence)
        if not sensitive or not _PASS_ON.search(sentence) or _FORBIDS.search(sentence):
            continue
        if _DESTINATION.search(sentence):
            return f"the answer asks the reader to send their {sensitive.group(0).lower()} somewhere"
    return None
