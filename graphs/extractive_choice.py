"""What a sentence is, for the extractive answerer: one that describes its document, a heading, a list
item about something the question is not about, one that measures the thing a "how much" question asks
about, and the section of a page a question names.

General patterns about how documents are written, not lists of handbook sentences: a document talks
about itself with a document noun and a describing verb ("This page explains ...", "This policy sets
out ..."), and a labelled list item ("Slack: ...") is about its label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from graphs.passage_layout import lists_in
from graphs.question import QUESTION_WORDS, QuestionProfile, question_type, stem, stems
from graphs.words import QUESTION_STOPWORDS as STOPWORDS
from graphs.words import words
from knowledge.types import Hit

_DOCUMENT = r"page|guide|document|policy|section|article|handbook|wiki|faq|note|chapter|procedure|manual|site|doc"
_DESCRIBES = (
    r"explains?|covers?|describes?|lists?|sets? out|tells? you|shows? you|summari[sz]es?|outlines?|gives? you"
    r"|contains?|is about|provides?|introduces?|walks? you through|details|defines?|answers?|helps? you"
)
_SELF_REFERENCE = re.compile(
    rf"^(?:(?:this|the following|these)\s+(?:[\w-]+\s+){{0,2}}?(?:{_DOCUMENT})s?\b[^.:;]{{0,60}}?\b(?:{_DESCRIBES})\b"
    rf"|(?:in|on)\s+this\s+(?:[\w-]+\s+)?(?:{_DOCUMENT})\b,?\s+(?:you\s+(?:will\s+|can\s+)?(?:find|learn|see|read)|we\b)"
    r"|(?:below|here)\s+(?:you\s+(?:will\s+|can\s+)?find|is\s+(?:a|an|the)\s+(?:list|summary|overview))\b"
    r"|how to\s[^:]*$)",
    re.IGNORECASE,
)
_QUANTITY = re.compile(
    r"\b(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty"
    r"|thirty|forty|fifty|hundred)\b",
    re.IGNORECASE,
)
_PROCEDURE_ASKED = re.compile(  # "How do I ...?", "how to ...", "What should I do if ...?", "what are the steps"
    r"\bhow\s+(?:do|does|can|could|should|would|to|must|may|is|are)\b|\bwhat\b.*\b(?:do|steps?)\b", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"[,;:.()]|\s[A-Z]")  # a capital: a name or, in tokenised text, a new sentence
MEASURE_WORDS = 3  # "20 weeks of leave": the measured thing follows the number within three words


def read_question(question: str, kind: str = "") -> QuestionProfile:
    """The question's type (``kind`` when the judge already gave it) and key terms, read as the judge
    reads them without the collection's word statistics."""
    terms = tuple(dict.fromkeys(w for w in words(question) if w not in STOPWORDS and w not in QUESTION_WORDS))
    return QuestionProfile(question, kind or question_type(question), terms, frozenset(stem(t) for t in terms))


def asks_procedure(profile: QuestionProfile) -> bool:
    """A question answered by a whole procedure: "How do I ...?", "What should I do if ...?" (not "How
    quickly ...?", which one step answers)."""
    return bool(_PROCEDURE_ASKED.search(profile.text))


def describes_document(sentence: str) -> bool:
    """A sentence about the document rather than its subject: "This page explains when you need the
    VPN ...", "This guide covers ...", "In this policy you will find ...", a title-like "How to ..."."""
    return bool(_SELF_REFERENCE.match(sentence.strip()))


def is_heading(sentence: str, hit: Hit) -> bool:
    """The sentence is the passage's title or one of its section headings, read as text."""
    text = _normalise(sentence)
    return bool(text) and text in {_normalise(part) for part in [hit.title, *hit.section.split(" > ")]}


def measures_asked(sentence: str, profile: QuestionProfile) -> bool:
    """A number followed, in the same clause, by a key term of the question: "20 weeks of leave" for
    "How much parental leave ...?", not "after 6 months of service"."""
    for match in _QUANTITY.finditer(sentence):
        clause = _CLAUSE_END.split(sentence[match.end() :], maxsplit=1)[0]
        if any(stem(word) in profile.key_stems for word in words(clause)[:MEASURE_WORDS]):
            return True
    return False


def off_question(label: str, sentence: str, hit: Hit, profile: QuestionProfile) -> bool:
    """A labelled list item about a neighbour of what was asked: its heading names a key term of the
    question that the title does not ("How to report a suspicious email > Other channels"), while the
    item is labelled with another thing ("Slack: ...") and names none of those terms itself."""
    if not label or any(ch.isdigit() for ch in label) or stems(label) & profile.key_stems:
        return False
    focus = profile.key_stems - stems(hit.title)
    return not focus & stems(sentence) and bool(focus & stems(hit.section))


def section_match(profile: QuestionProfile, page: Hit, passages: Sequence[Hit]) -> Hit | None:
    """The retrieved section of ``page``'s document that the question names ("Connecting" for "How do I
    connect to the VPN?") and that holds every key term its title leaves out: most of them in its
    heading path, then in its own heading, then, for a how-question, one holding numbered steps, then
    the better retrieved."""
    focus = profile.key_stems - stems(page.title) or profile.key_stems
    best: tuple[tuple[int, int, bool, int], Hit] | None = None
    for rank, hit in enumerate(passages):
        if hit.source != page.source or hit.chunk_id == page.chunk_id or not hit.section:
            continue
        shared = len(focus & stems(hit.section))
        if not shared or focus - stems(f"{hit.section} {hit.text}"):
            continue  # the section must be about every term the title leaves out
        own = len(focus & stems(hit.section.split(" > ")[-1]))
        steps = profile.question_type == "how" and any(block.ordered for block in lists_in(hit.text))
        key = (shared, own, steps, -rank)
        if best is None or key > best[0]:
            best = (key, hit)
    return best[1] if best else None


def _normalise(text: str) -> str:
    return " ".join(words(text))
