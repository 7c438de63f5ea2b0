"""Small text tools shared by the checks: normalisation, sentence spans, content words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

# The stop words and word_set live in graphs.words; they are imported here under the names the checks use.
from graphs.words import SUPPORT_STOPWORDS as STOPWORDS
from graphs.words import word_set as word_set  # graphs.guards.names imports it from here
from graphs.words import words as shared_words

if TYPE_CHECKING:
    import Stemmer

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
CITATION = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def normalise(text: str) -> str:
    """Lower-cased NFKC text without zero-width characters and with single spaces: what patterns match."""
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str

    @property
    def citations(self) -> list[int]:
        return [int(n) for group in CITATION.findall(self.text) for n in re.split(r"\s*,\s*", group)]


# A sentence ends at . ! ? (plus any citation markers and closing quotes after it) followed by space,
# or at a line break. Abbreviations like "e.g." and "Dr." are not ends.
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|dr|mr|mrs|ms|prof|no|fig|approx|inc|ltd|st|jr|sr)|\b[A-Z])\.$", re.I
)
_END = re.compile(r"[.!?](?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])*[\"'”’)]*(?=\s+|$)|\n+")


def split_sentences(text: str) -> list[Sentence]:
    """Sentence spans of ``text`` (offsets into it), keeping trailing citations with their sentence."""
    spans: list[Sentence] = []
    start = 0
    for match in _END.finditer(text):
        end = match.end()
        if match.group(0)[0] == "." and _ABBREVIATIONS.search(text[start : match.start() + 1]):
            continue
        _add(spans, text, start, end)
        start = end
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[Sentence], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        offset = start + piece.index(stripped)
        spans.append(Sentence(offset, offset + len(stripped), stripped))


def words(text: str) -> list[str]:
    """Words of any script as written (graphs.words, style "unicode")."""
    return shared_words(text, "unicode")


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    import Stemmer

    return Stemmer.Stemmer("english")


def content_terms(text: str) -> list[str]:
    """Stemmed, lower-cased words without stop words: the units of lexical support."""
    tokens = [w.lower().replace("’", "'") for w in words(text)]
    tokens = [t for t in tokens if t not in STOPWORDS and (len(t) > 1 or t.isdigit())]
    return _stemmer().stemWords(tokens)


def numbers(text: str) -> set[str]:
    """Numbers as written without separators (``1,200`` and ``1200`` are the same number)."""
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*(?:\.\d+)?", text)}
