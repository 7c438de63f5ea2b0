"""Random-looking tokens with no keyword around them: a pasted key, a session token, a hex secret.

A token is a run of 20+ characters without spaces. It is a secret when it looks generated, not written:

- it mixes letters and digits (or upper and lower case with a symbol), and
- its characters change class often (lower, upper, digit, symbol): the mean run of one class is at most
  ``MAX_MEAN_RUN`` characters. "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" has runs of 3.1 on average,
  "covid19vaccinationcentre2021" of 7, "Donaudampfschifffahrtsgesellschaft" is one run; and
- its Shannon entropy is at least ``MIN_BITS`` bits per character (``MIN_HEX_BITS`` for hex strings).

Not secrets, whatever their look: URLs and e-mail addresses (keys in query strings are found by their
parameter name), file paths and names, dates, version numbers and dotted names (most parts between
separators words or numbers), and UUIDs: hyphenated ones, and unhyphenated ones with the UUID version (1, 4, 7) and
variant bits, as Keel's own turn ids are. A UUID after a keyword ("api key: <uuid>") is still masked.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

MIN_LENGTH = 20
MAX_MEAN_RUN = 3.5
MIN_BITS = 3.5
MIN_HEX_BITS = 3.0

TOKEN = re.compile(r"[^\s\"'`<>()\[\]{},;|]{" + str(MIN_LENGTH) + ",}")
_URL = re.compile(r"(?i)[a-z][a-z0-9+.-]{0,30}://|^www\.|^[^@\s]+@[\w-]+(?:\.[\w-]+)+$")
_UUID = re.compile(r"(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_COMPACT_UUID = re.compile(r"[0-9a-f]{12}[147][0-9a-f]{3}[89ab][0-9a-f]{15}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_SEPARATORS = re.compile(r"[/\\._\-~+=:@#…]+")
# A word (one capital at most, at its start), an acronym, a number, or a short tag ("v2", "s0", "24h", "B2").
_WORD = re.compile(
    r"[A-Za-z\u00c0-\u024f][a-z\u00df-\u024f]*|[A-Z\u00c0-\u00de]+|\d+|[A-Za-z]{1,3}\d{1,3}|\d{1,4}[a-z]{1,2}"
)
_TRAILING = ".,:;!?"
_ASSIGNMENT_PARTS = re.compile(r"[^=:]+=*|[=:]+")


def find(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the random-looking tokens in ``text``."""
    for m in TOKEN.finditer(text):
        for start, end in _parts(m.group(0), m.start()):
            while end > start and text[end - 1] in _TRAILING:
                end -= 1
            if is_random(text[start:end]):
                yield start, end


def _parts(run: str, offset: int) -> Iterator[tuple[int, int]]:
    """A run split after ``=`` and ``:`` ("OPENAI_API_KEY=sk-...", "user:token"), so a name before a value
    is kept; URLs stay whole (they are not secrets; their query parameters are judged by name)."""
    if "://" in run:
        yield offset, offset + len(run)
        return
    for part in _ASSIGNMENT_PARTS.finditer(run):
        yield offset + part.start(), offset + part.end()


def is_random(token: str) -> bool:
    if len(token) < MIN_LENGTH or _URL.search(token) or _is_uuid(token) or _is_made_of_words(token):
        return False
    if _HEX.fullmatch(token):
        return _has_letter(token) and _has_digit(token) and bits_per_char(token) >= MIN_HEX_BITS
    mixed = (_has_letter(token) and _has_digit(token)) or (_has_upper_and_lower(token) and _has_symbol(token))
    return mixed and mean_run(token) <= MAX_MEAN_RUN and bits_per_char(token) >= MIN_BITS


def _is_uuid(token: str) -> bool:
    return bool(_UUID.fullmatch(token) or _COMPACT_UUID.fullmatch(token))


def _is_made_of_words(token: str) -> bool:
    """Paths, file names, dates, versions, ticket ids, dotted names: most parts between separators are
    words (one capital at most, at the start, or all capitals), numbers or short tags ("v2", "24h")."""
    parts = [p for p in _SEPARATORS.split(token) if p]
    return len(parts) > 1 and sum(bool(_WORD.fullmatch(p)) for p in parts) * 2 > len(parts)


def bits_per_char(token: str) -> float:
    counts = Counter(token)
    return -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())


def mean_run(token: str) -> float:
    """The mean length of runs of one character class (a capital followed by small letters is one run, a
    word): short when the classes alternate, as in generated text. Separators start a new run."""
    runs = 1
    for a, b in zip(token, token[1:], strict=False):
        runs += _class(a) != _class(b) and not (a.isupper() and b.islower())
    return len(token) / runs


def _class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def _has_letter(token: str) -> bool:
    return any(c.isalpha() for c in token)


def _has_digit(token: str) -> bool:
    return any(c.isdigit() for c in token)


def _has_upper_and_lower(token: str) -> bool:
    return any(c.isupper() for c in token) and any(c.islower() for c in token)


def _has_symbol(token: str) -> bool:
    return any(not c.isalnum() for c in token)
