"""Whole-word matching for the ban list, with the obfuscations people type.

The hub's ban list deletes every space before searching, so "he was hit by a car" contains "shit" and
"class assignment" contains "ass". Here a banned word matches a whole word of the text, or a run of
single characters spelled out ("f u c k", "f.u.c.k"), after undoing leetspeak ("sh1t", "$hit") and
repeated letters ("fuuuck"); an optional plural "s" is allowed. A fuzzy distance applies to words of
five letters or more only (a one-letter slip on a short word hits too many ordinary ones).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from fuzzysearch import find_near_matches

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
# a run of 3+ single characters joined by spaces or punctuation ("f u c k", "s.h.i.t"), or a word (which may
# hold leetspeak digits and symbols inside it: "sh1t", "$hit")
_CANDIDATE = re.compile(r"(?<!\w)(?:[\w@$!][ .\-_*]){2,}[\w@$!](?!\w)|[\w@$!]*[^\W\d_][\w@$!]*")
_SEPARATORS = re.compile(r"[ .\-_*]")
_REPEATS = re.compile(r"(.)\1{2,}")
FUZZY_MIN_LETTERS = 5


@dataclass(frozen=True)
class BannedMatch:
    start: int
    end: int
    word: str  # the banned word it matched


def find_banned(text: str, banned: Sequence[str], max_distance: int = 0) -> list[BannedMatch]:
    """Where ``text`` uses a banned word (as a whole word or a spelled-out/obfuscated one)."""
    wanted = {_plain(w): w for w in banned if w.strip()}
    if not wanted:
        return []
    found = []
    for candidate in _CANDIDATE.finditer(text):
        word = _plain(candidate.group())
        hit = _match(word, wanted, max_distance)
        if hit:
            found.append(BannedMatch(candidate.start(), candidate.end(), hit))
    return found


def without_banned(text: str, matches: Sequence[BannedMatch]) -> str:
    """``text`` with the matched words cut out."""
    for match in sorted(matches, key=lambda m: m.start, reverse=True):
        text = text[: match.start] + text[match.end :]
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _plain(word: str) -> str:
    word = _SEPARATORS.sub("", word.lower()).translate(_LEET)
    return _REPEATS.sub(r"\1", word)


def _match(word: str, wanted: dict[str, str], max_distance: int) -> str | None:
    for form in (word, word[:-1] if word.endswith("s") else None):
        if form and form in wanted:
            return wanted[form]
    if max_distance <= 0 or len(word) < FUZZY_MIN_LETTERS:
        return None
    for plain, original in wanted.items():
        if len(plain) < FUZZY_MIN_LETTERS or abs(len(plain) - len(word)) > max_distance:
            continue
        if any(m.start == 0 and m.end == len(word) for m in find_near_matches(plain, word, max_l_dist=max_distance)):
            return original
    return None
