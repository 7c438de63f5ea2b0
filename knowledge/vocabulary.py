"""What the collection's own words say about a question's words: whether the knowledge base names
something, and whether a word is the subject of a question or only how people talk.

Two statistics, both counts rather than hand lists:
- **document frequency in the collection** (the keyword index's postings): does any chunk name
  "Watson Assistant", with both words in one chunk? how many chunks use "heard"?
- **how often a word is used in everyday English** (the ``wordfreq`` package's frequency lists; this
  is the one module that imports it). Only words at least ``FILLER_MIN_ZIPF`` common can be filler, so
  those (about 1,300) ship as data/common_english.json, written by ``scripts/build_word_data.py`` and
  tested equal to wordfreq's figures: importing wordfreq and loading its list took half a second of the
  first question. A word of other characters than a-z (say "401k") is still looked up in wordfreq.

A word is *filler* when it is common in everyday English and the collection uses it at under a
quarter of that rate although it is large enough to show it: "heard", "said", "meant" in a handbook
or in government pages. Such a word is how the asker talks, not what the knowledge base is about, so
the evidence does not have to name it. A rare word the collection lacks ("visas") is never filler:
it is what the knowledge base may not cover. docs/answering.md has the figures.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache, reduce
from pathlib import Path

import numpy as np

from knowledge.keyword import KeywordIndex

# A word at least this common in English (Zipf scale: 5 = once per 100,000 words; "heard" 5.3,
# "meant" 4.9, "lawyer" 4.7, "vacation" 4.4) can be filler; rarer words always count.
FILLER_MIN_ZIPF = 4.9
# The collection must be large enough that the word would be expected this many times...
FILLER_MIN_EXPECTED = 2.0
# ...and use it at under this share of its everyday rate.
FILLER_MAX_RATE = 0.25


COMMON_ENGLISH = Path(__file__).resolve().parent / "data" / "common_english.json"
# Lower-case a-z words: wordfreq reads each as one token and looks it up as written, so the shipped table
# answers for them exactly (other words go through wordfreq's tokenizer: digits, apostrophes, accents).
_PLAIN_WORD = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def _common_english() -> dict[str, float]:
    table: dict[str, float] = json.loads(COMMON_ENGLISH.read_text(encoding="utf-8"))["zipf"]
    return table


@lru_cache(maxsize=20_000)
def common_zipf(word: str) -> float | None:
    """How common ``word`` is in English on the Zipf scale (log10 of uses per billion words), when it is
    at least ``FILLER_MIN_ZIPF``; None for a rarer word."""
    if _PLAIN_WORD.fullmatch(word):
        return _common_english().get(word)
    zipf = wordfreq_zipf(word)
    return zipf if zipf >= FILLER_MIN_ZIPF else None


def wordfreq_zipf(word: str) -> float:
    """wordfreq's own figure for ``word`` (0 = unseen): imports wordfreq, about half a second."""
    from wordfreq import zipf_frequency

    return float(zipf_frequency(word, "en"))


def common_words_from_wordfreq() -> dict[str, float]:
    """The a-z words of wordfreq's English list at least ``FILLER_MIN_ZIPF`` common, with their Zipf
    figures: what data/common_english.json holds (a test checks it still does)."""
    from wordfreq import get_frequency_dict

    plain = (w for w in get_frequency_dict("en") if _PLAIN_WORD.fullmatch(w))
    return {w: z for w in sorted(plain) if (z := wordfreq_zipf(w)) >= FILLER_MIN_ZIPF}


@dataclass(frozen=True)
class CollectionVocabulary:
    """Word statistics of one keyword index (the whole knowledge base, every collection)."""

    index: KeywordIndex

    def names(self, phrase: str) -> bool:
        """True when one chunk holds every indexed word of ``phrase`` ("Prince of Wales": prince and
        wales in one chunk). A phrase of stopwords only is not named."""
        postings = self.index.chunks_with(phrase)
        if not postings:
            return False
        return bool(len(reduce(np.intersect1d, postings)))

    @property
    def chunk_count(self) -> int:
        return len(self.index)

    def document_frequency(self, word: str) -> int:
        """How many chunks contain ``word`` (its stem); 0 for a word the collection never uses."""
        postings = self.index.chunks_with(word)
        return 0 if not postings else min(len(p) for p in postings)

    def is_filler(self, word: str) -> bool:
        """A common English word that this collection uses far less than English does."""
        zipf = common_zipf(word)
        if zipf is None or not self.index.words:
            return False
        expected = 10 ** (zipf - 9) * self.index.words
        if expected < FILLER_MIN_EXPECTED:
            return False
        return self.document_frequency(word) < FILLER_MAX_RATE * expected
