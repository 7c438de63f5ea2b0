"""What a question asks for: its type (when, how many, who, where, why, yes/no, definition...), its key
terms, and whether a sentence holds an expression of the expected answer type.

Rules only, no model: they read the same on ClapNQ's web questions and on handbook questions, and a
person can check why a question was typed the way it was.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import Stemmer

from graphs.words import QUESTION_STOPWORDS as STOPWORDS
from graphs.words import word_set, words

# Question types whose answer has a recognisable form in a sentence.
TYPED = ("date", "number", "who", "place", "cause")
QUESTION_TYPES = (*TYPED, "definition", "yesno", "how", "what", "other")

# Words that frame a question rather than name its subject.
QUESTION_WORDS = word_set(
    "name list describe explain tell know give whats many much contact ask find need want happen happens someone mean"
)
# Irregular forms the stemmer leaves apart ("lost" is not "lose"): mapped to one stem before stemming.
_IRREGULAR = {
    form: base
    for base, forms in {
        "lose": "lost",
        "pay": "paid payday",
        "buy": "bought",
        "leave": "left",
        "take": "took taken",
        "give": "gave given",
        "send": "sent",
        "go": "went gone",
        "find": "found",
        "keep": "kept",
        "make": "made",
        "meet": "met",
        "tell": "told",
        "bring": "brought",
        "get": "got gotten",
        "begin": "began begun",
        "choose": "chose chosen",
        "write": "wrote written",
        "speak": "spoke spoken",
        "break": "broke broken",
        "steal": "stole stolen",
        "child": "children",
        "person": "people",
    }.items()
    for form in forms.split()
}

_STEMMER = Stemmer.Stemmer("english")

_MONTHS = "january|february|march|april|june|july|august|september|october|november|december"
_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "hundred|thousand|million|billion|trillion|dozens?|half|twice|once|single|double|triple"
)
_UNITS = "days?|weeks?|months?|years?|hours?|minutes?|decades?|centur(?:y|ies)|quarters?"
ANSWER_PATTERNS = {
    "date": re.compile(
        rf"\b1[0-9]{{3}}s?\b|\b20[0-9]{{2}}s?\b|\b({_MONTHS}|{_WEEKDAYS})\b|\bmay \d|\d+(st|nd|rd|th)? may\b"
        rf"|\b\d{{1,2}}:\d{{2}}\b|\b\d{{1,2}} ?[ap]\.?m\b|\b\d+(st|nd|rd|th)? centur(y|ies)\b"
        rf"|\b(\d+|{_NUMBER_WORDS}|a|an|each|every|per|next|last|first|end of (the|each)?) ?({_UNITS})\b"
        r"|\b(today|tomorrow|yesterday|ago|daily|weekly|monthly|annually|yearly|quarterly|weekends?"
        r"|spring|summer|autumn|winter|morning|afternoon|evening|night|noon|midnight|deadline)\b"
        r"|\b(bc|bce|ad|ce)\b",
        re.I,
    ),
    "number": re.compile(
        rf"\d+(?:[.,]\d+)*|\b({_NUMBER_WORDS}|several|percent|dollars?|euros?|pounds?|eur|usd|gbp|cad)\b|[%$€£]", re.I
    ),
    "cause": re.compile(
        r"\b(because|due to|as a result|results? (of|in)|led to|leads? to|lead to|caus(e|ed|es|ing)|reasons?"
        r"|so that|in order to|owing to|thanks to|therefore|thus|hence|prompted|triggered|motivated"
        r"|in response|to (prevent|protect|ensure|avoid|reduce|help|allow|keep|make|comply))\b",
        re.I,
    ),
    "place": re.compile(
        r"\b(?-i:in|at|from|near|on|into|across|throughout|outside|inside|via|through)\s+(?:the\s+)?(?-i:[A-Z])[\w-]+"
        r"|\b(city|town|country|state|province|county|region|island|river|mountain|ocean|sea|lake|coast"
        r"|located|situated|headquartered|based|room|floor|building|office|campus|portal|page|site|website"
        r"|intranet|folder|drive|channel|desk|app|tab|menu)\b|https?://|\w+\.\w+/|(^|\s)#[a-z]",
        re.I,
    ),
    "who": re.compile(
        r"[\w.-]+@[\w-]+\.\w+|(^|\s)@\w+|\b(team|department|manager|desk|officer|lead|head|director|admin"
        r"|administrator|committee|owner|founder|author|president|ceo|hr|people ops|company|band|group"
        r"|singer|actor|actress|writer|player|king|queen|partner|contact|colleague)s?\b",
        re.I,
    ),
}
_CAPITALISED = re.compile(r"(?<!^)(?<![.!?:]\s)\b([A-Z][a-zA-Z'-]+)")


class WordStatistics(Protocol):
    """The collection's word statistics (knowledge.vocabulary.CollectionVocabulary)."""

    def is_filler(self, word: str) -> bool: ...

    def document_frequency(self, word: str) -> int: ...

    @property
    def chunk_count(self) -> int: ...


@dataclass(frozen=True)
class QuestionProfile:
    text: str
    question_type: str
    key_terms: tuple[str, ...]  # content words as written (lower case), in question order
    key_stems: frozenset[str]
    filler: tuple[str, ...] = ()  # content words the collection shows to be how people talk ("heard")
    # how informative each key term is in this collection: log((chunks + 1) / (chunks using it + 0.5)),
    # in key_terms order; empty when analysed without the collection's statistics (all terms alike)
    weights: tuple[float, ...] = ()
    unseen: frozenset[str] = frozenset()  # key stems no chunk of the collection uses


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(_IRREGULAR.get(word, word))


def stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


def analyse_question(question: str, vocabulary: WordStatistics | None = None) -> QuestionProfile:
    """The question's type and key terms. With the collection's ``vocabulary``, words it shows to be
    filler ("I heard", "oops, I meant") are set apart: the evidence need not name them."""
    terms = tuple(dict.fromkeys(w for w in words(question) if w not in STOPWORDS and w not in QUESTION_WORDS))
    filler = tuple(t for t in terms if vocabulary is not None and not t.isdigit() and vocabulary.is_filler(t))
    if len(filler) == len(terms):
        filler = ()  # a question of only common words keeps them: they are all it says
    kept = tuple(t for t in terms if t not in filler)
    frequencies = [vocabulary.document_frequency(t) for t in kept] if vocabulary is not None else []
    chunks = vocabulary.chunk_count if vocabulary is not None else 0
    return QuestionProfile(
        text=question,
        question_type=question_type(question),
        key_terms=kept,
        key_stems=frozenset(stem(t) for t in kept),
        filler=filler,
        weights=tuple(math.log((chunks + 1) / (df + 0.5)) for df in frequencies),
        unseen=frozenset(stem(t) for t, df in zip(kept, frequencies, strict=False) if df == 0),
    )


def question_type(question: str) -> str:
    """The expected form of the answer, from how the question starts (or, failing that, its wh-word)."""
    q = " ".join(words(question.replace("'", "")))
    q = re.sub(r"^(and|so|ok|okay|hi|hey|hello|please|quick question|can you tell me|do you know)\s+", "", q)
    for kind, pattern in _LEADING:
        if pattern.match(q):
            return kind
    for kind, pattern in _INSIDE:
        if pattern.search(q):
            return kind
    return "other"


_TIME_NOUNS = "year|date|time|day|month|century|decade|season|era|period|age"
_PLACE_NOUNS = "country|city|state|place|town|region|continent|address|room|floor|office|building|location|channel"
_LEADING = [
    ("date", re.compile(rf"(when|(what|which) ({_TIME_NOUNS})s?\b|how long ago|by when|until when|since when)\b")),
    (
        "number",
        re.compile(
            r"(how (many|much|long|old|far|big|tall|high|large|fast|often|deep|wide|heavy|soon)"
            r"|(what|which) (percentage|percent|number|amount|size|price|cost|population|rate|fee|limit))\b"
        ),
    ),
    ("who", re.compile(r"(who|whom|whose|to whom|(what|which) (person|people|team|company|band|group))\b")),
    ("place", re.compile(rf"(where|(what|which|in which) ({_PLACE_NOUNS}|website|site|url|link|page))\b")),
    ("cause", re.compile(r"(why|how come|what (led|leads|causes|caused|made)|(the )?reasons? (for|why))\b")),
    (
        "definition",
        re.compile(
            r"((what|who) (is|are|was|were)( a| an| the)? \w+( \w+)?$|what does .+ (mean|stand for)$"
            r"|(define|definition of|meaning of)\b)"
        ),
    ),
    (
        "yesno",
        re.compile(r"(is|are|was|were|am|do|does|did|can|could|will|would|should|shall|has|have|had|may|must)\b"),
    ),
    ("how", re.compile(r"how\b")),
    ("what", re.compile(r"(what|which|whats|list|name|give|describe|explain|identify|tell)\b")),
]
_INSIDE = [
    ("date", re.compile(rf"\b(when|(what|which) ({_TIME_NOUNS}))\b")),
    ("number", re.compile(r"\bhow (many|much)\b|\b(percentage|number) of\b")),
    ("who", re.compile(r"\b(who|whom)\b")),
    ("place", re.compile(r"\bwhere\b")),
    ("cause", re.compile(r"\b(why|reasons? for|causes? of)\b")),
    ("definition", re.compile(r"\b(meaning|definition) of\b|\bmean$")),
]


def mentions_answer_type(question_type: str, sentence: str, question: str) -> bool | None:
    """Whether ``sentence`` holds an expression of the type the question asks for (a date for 'when',
    a number for 'how many'...) that is not just words of the question. None for untyped questions."""
    if question_type not in TYPED:
        return None
    asked = set(words(question))
    pattern = ANSWER_PATTERNS[question_type]
    if any(not set(words(m.group(0))) <= asked for m in pattern.finditer(sentence)):
        return True
    if question_type in ("who", "place"):
        # a proper name the question does not already contain: a person, an organisation or a place
        return any(name.lower() not in asked for name in _CAPITALISED.findall(sentence))
    return False
