"""Person names without a language model: capitalised runs scored with name lists and context cues.

Name lists come from Faker's person providers (81 locales, ~30k first and ~28k last names; Faker is
installed with guardrails-ai). Common English words come from Faker's English word list plus a short
list of words that are also names ("Will", "May"). A word outside the embedder's 30k-word vocabulary is
"rare", which for a capitalised word usually means a proper noun. Measured against Presidio with spaCy
``en_core_web_sm`` in docs/guards.md: this is more accurate on our data and needs no 260 MB of NLP stack.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graphs.guards.text import STOPWORDS

TOKENIZER = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "minilm-tokenizer.json"

# Words that are names but mostly used as ordinary words; they count as names only next to a cue.
AMBIGUOUS = frozenset(
    [
        "will",
        "may",
        "rose",
        "mark",
        "bill",
        "grant",
        "hope",
        "faith",
        "joy",
        "june",
        "april",
        "august",
        "art",
        "frank",
        "rich",
        "ray",
        "dawn",
        "summer",
        "sky",
        "max",
        "page",
        "young",
        "king",
        "white",
        "black",
        "brown",
        "green",
        "gray",
        "grey",
        "long",
        "short",
        "hall",
        "wood",
        "stone",
        "rivers",
        "ford",
        "lane",
        "hill",
        "park",
        "price",
        "rice",
        "bell",
        "cook",
        "day",
        "field",
        "fields",
        "gold",
        "love",
        "moon",
        "north",
        "south",
        "west",
        "east",
        "star",
        "storm",
        "wolf",
        "bay",
        "can",
        "dean",
        "don",
        "major",
        "miles",
        "nick",
        "pat",
        "penny",
        "rusty",
        "sandy",
        "sterling",
        "sunny",
        "victor",
        "guy",
        "jack",
        "jay",
        "jean",
        "lee",
        "christian",
        "angel",
        "amber",
        "iris",
        "ivy",
        "lily",
        "olive",
        "pearl",
        "ruby",
        "violet",
        "crystal",
        "destiny",
        "harmony",
        "heaven",
        "honey",
        "chase",
        "hunter",
        "mason",
        "carter",
        "parker",
        "taylor",
        "tyler",
        "cooper",
        "baker",
        "porter",
        "booth",
        "marsh",
        "church",
        "lord",
        "pope",
        "bishop",
        "knight",
        "dear",
        "hi",
        "hello",
        "thanks",
        "team",
        "house",
        "street",
        "road",
        "avenue",
        "city",
        "county",
        "state",
        "london",
        "paris",
        "bank",
        "case",
        "don",
        "general",
        "march",
        "monday",
        "friday",
        "sunday",
        "august",
        "de",
        "la",
        "le",
        "van",
        "von",
        "du",
        "den",
        "del",
        "ten",
    ]
)
HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "sir",
        "madam",
        "dame",
        "lady",
        "lord",
        "rev",
        "fr",
        "sr",
        "jr",
    ]
)
PARTICLES = frozenset(
    [
        "van",
        "von",
        "de",
        "der",
        "den",
        "da",
        "di",
        "du",
        "del",
        "della",
        "le",
        "la",
        "ten",
        "ter",
        "bin",
        "ibn",
        "al",
        "el",
        "st",
    ]
)
# Cues a name often follows: "my name is", "Name:", "Dear", "ask", "cc", "by" ...
CUE_BEFORE = re.compile(
    r"(?:\b(?:name\s+is|name's|named|called|dear|hi|hello|hey|thanks|thank\s+you|cc|ask|contact|"
    r"from|by|with|to|for|under|says|said|told|this\s+is|i\s+am|i'm|user|patient|employee|manager)"
    r"|name\s*:|signed\s*:)\s*$",
    re.I,
)
SURNAME_ENDINGS = re.compile(
    r"(?:ov|ova|ev|eva|in|ina|sky|ski|ska|vich|vić|ić|escu|enko|uk|yan|ian|dze|shvili|son|sen|sson|dottir|"
    r"dóttir|nen|inen|ez|es|oglu|oğlu|poulos|akis|idis|stein|berg|mann|ner|ler|ley|ton|wood|well)$",
    re.I,
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*(?:(?<=\b[A-Z])\.)?", re.UNICODE)


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]
    vocabulary: frozenset[str]


@lru_cache(maxsize=1)
def name_lists() -> NameLists:
    """Built once per process (about a second): Faker's names, English words, the embedder's vocabulary."""
    import faker.providers.person as person
    from faker.providers.lorem.en_US import Provider as EnglishWords

    first: set[str] = set()
    last: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attr, bucket in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", last),
        ):
            values = provider.__dict__.get(attr)
            if isinstance(values, list | tuple | dict | set | frozenset):
                bucket.update(v.lower() for v in values if isinstance(v, str) and len(v) > 1)
    common = {w.lower() for w in EnglishWords.word_list} | STOPWORDS | AMBIGUOUS
    vocab = json.loads(TOKENIZER.read_text(encoding="utf-8"))["model"]["vocab"]
    vocabulary = {w for w in vocab if w.isalpha()}
    return NameLists(frozenset(first), frozenset(last), frozenset(common), frozenset(vocabulary))


def find_person_names(text: str) -> list[tuple[int, int]]:
    """Character spans of person names in ``text``."""
    lists = name_lists()
    spans: list[tuple[int, int]] = []
    for run in _capitalised_runs(text):
        spans.extend(_names_in_run(text, run, lists))
    return spans


def _capitalised_runs(text: str) -> list[list[tuple[int, str]]]:
    """Runs of capitalised words (plus initials and particles such as "van") on one line."""
    runs: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    previous_end = -1
    for match in _TOKEN.finditer(text):
        word = match.group(0)
        in_name = word[0].isupper() or (word.lower() in PARTICLES and bool(current))
        joined = previous_end >= 0 and text[previous_end : match.start()] in (" ", "  ", "\t")
        if in_name and (joined or not current):
            current.append((match.start(), word))
        else:
            if current:
                runs.append(current)
            current = [(match.start(), word)] if word[0].isupper() else []
        previous_end = match.end()
    if current:
        runs.append(current)
    return runs


def _names_in_run(text: str, tokens: list[tuple[int, str]], lists: NameLists) -> list[tuple[int, int]]:
    # Drop leading tokens that cannot start a name (honorifics are cues; "The", "When" are not names).
    cue = False
    while tokens:
        word = tokens[0][1].rstrip(".").lower()
        if word in HONORIFICS:
            cue = True
        elif not (word in STOPWORDS or word in PARTICLES or word in lists.common and word not in lists.first):
            break
        tokens = tokens[1:]
    while tokens and tokens[-1][1].rstrip(".").lower() in PARTICLES | STOPWORDS:
        tokens = tokens[:-1]
    if not tokens:
        return []
    start = tokens[0][0]
    cue = cue or bool(CUE_BEFORE.search(text[max(0, start - 24) : start]))
    last = tokens[-1][1]
    end = tokens[-1][0] + len(last) - (2 if last.endswith(("'s", "’s")) else 0)
    names = [t for _, t in tokens if not _is_initial(t) and t.lower() not in PARTICLES]
    if not names or len(names) > 4:
        return []
    if _looks_like_name(names, cue, lists):
        return [(start, end)]
    return []


def _looks_like_name(names: list[str], cue: bool, lists: NameLists) -> bool:
    words_ = [n.strip(".,;:!?'’").removesuffix("'s").removesuffix("’s").lower() for n in names]
    if any(w in lists.common and w not in lists.first and w not in lists.last for w in words_):
        return False  # "Tube Snake Boogie", "New York Times": ordinary words inside
    if len(words_) == 1:
        word = words_[0]
        if cue:
            return word not in lists.common or word in lists.first or word in lists.last
        return word in lists.first and word not in lists.common
    known_first = words_[0] in lists.first and words_[0] not in AMBIGUOUS
    name_like = [
        w in lists.first or w in lists.last or w not in lists.vocabulary or bool(SURNAME_ENDINGS.search(w))
        for w in words_
    ]
    if known_first and all(name_like[1:]):
        return True
    if words_[-1] in lists.last and all(name_like):
        return True
    return cue and all(name_like)


def _is_initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1 and token[0].isupper()
