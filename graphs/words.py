"""Words of a text, in one place: the word patterns and the stop-word lists the answer graph and the
guards use.

The copies these replaced differed, and each difference changes answers or verdicts, so they stay as
explicit, named choices rather than one merged list:

- ``style`` of :func:`words`: ``"ascii"`` (lower-cased ASCII letters and digits: what questions and
  evidence are matched on; "don't" is "don" + "t"), ``"apostrophe"`` (the same keeping apostrophes:
  "don't" stays one word, for the prompt-leak shingles), ``"unicode"`` (letters of any script, one inner
  apostrophe, case kept: the groundedness check's words, so non-English answers are checked too).
- :data:`QUESTION_STOPWORDS` are dropped from questions before their key terms are chosen (they include
  greetings and "get", which never name what is asked); :data:`SUPPORT_STOPWORDS` are dropped before
  lexical support is measured (the classic English list, plus "one", "per", "via").
"""

from __future__ import annotations

import re
from typing import Literal

WordStyle = Literal["ascii", "apostrophe", "unicode"]

_PATTERNS: dict[WordStyle, re.Pattern[str]] = {
    "ascii": re.compile(r"[a-z0-9]+"),
    "apostrophe": re.compile(r"[a-z0-9']+"),
    "unicode": re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.UNICODE),
}


def words(text: str, style: WordStyle = "ascii") -> list[str]:
    """The words of ``text``: lower-cased for the ASCII styles, as written for ``"unicode"``."""
    if style == "unicode":
        return _PATTERNS[style].findall(text)
    return _PATTERNS[style].findall(text.lower())


def word_set(text: str) -> frozenset[str]:
    """A set from a block of space-separated words (long word lists stay readable in the source)."""
    return frozenset(text.split())


QUESTION_STOPWORDS = word_set(
    """a an the of in on at to for from by with about as into like through after over between out against
    during without before under around among up down off is are was were be been being am do does did done
    have has had having will would shall should can could may might must i me my we our you your he him his
    she her it its they them their this that these those there here what which who whom whose when where why
    how and or but if then than so not no nor too very just also only own same such both each few more most
    other some any all s t get got gets please hi hello thanks"""
)

SUPPORT_STOPWORDS = word_set(
    """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves s t don shall may might must us one per via
    """
)
