"""Which language a message is in, well enough to tell "one we serve" from "one we cannot read".

No model: English is recognised by the share of words in the embedder's English vocabulary, other
languages by their most frequent function words. Attacks translated into languages that safety training
covers poorly are a known jailbreak technique; a message in a language outside the policy's list is
refused by the ``language`` check, and a foreign-language stretch inside an English message is a weak
injection signal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

from graphs.guards.names import TOKENIZER

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "de": "der die das und ist nicht ich sie es zu den mit von ein eine auf für wie was wir ihr dem des "
        "im auch sich bitte kann ich mein meine",
        "fr": "le la les et est des un une du que qui pas pour dans je vous il ce sur avec au aux mon ma mes "
        "nous est-ce comment quel quelle",
        "es": "el la los las y es de que en un una por para con no se lo como qué mi mis del al cómo cuál está puedo",
        "it": "il la le e è di che non un una per con sono del della come mi mio gli dei delle posso",
        "pt": "o a os as e é de que em um uma para com não se do da como meu minha dos das posso está",
        "nl": "de het een en is van dat niet ik je met op voor zijn wat hoe mijn kan ik wij",
        "sv": "och att det som en är på för med jag inte har av till den kan hur vad min",
        "da": "og at det som en er på for med jeg ikke har af til den kan hvordan hvad min",
        "no": "og at det som en er på for med jeg ikke har av til den kan hvordan hva min",
        "pl": "i w na nie jest to że się do z co jak czy mój moja jestem mogę",
    }.items()
}
# Scripts without spaces-and-function-words profiles, recognised by their letters.
SCRIPTS = {
    "cyrillic": re.compile(r"[\u0400-\u04ff]"),
    "cjk": re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"),
    "arabic": re.compile(r"[\u0600-\u06ff]"),
    "greek": re.compile(r"[\u0370-\u03ff]"),
    "hebrew": re.compile(r"[\u0590-\u05ff]"),
    "devanagari": re.compile(r"[\u0900-\u097f]"),
}
DEFAULT_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "no", "pl", "cyrillic", "cjk"]
_WORD = re.compile(r"[^\W\d_]{2,}", re.UNICODE)


_ADDRESSES = re.compile(
    r"\S+@\S+|https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|example|co|de|fr|pt)\b"
)
ENGLISH_SHARE = 0.5  # a text is English when half its words (or their stems) are English words
FOREIGN_CLAUSE_SHARE = 0.5


@lru_cache(maxsize=1)
def _english_vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """Words of the embedder's (English) vocabulary, and their stems: 'complicate' counts via 'complicated'."""
    vocab = json.loads(TOKENIZER.read_text(encoding="utf-8"))["model"]["vocab"]
    words = frozenset(w for w in vocab if w.isalpha() and w.isascii())
    return words, frozenset(_stem(words))


def _stem(words: Iterable[str]) -> list[str]:
    import Stemmer

    return Stemmer.Stemmer("english").stemWords(list(words))


def english_share(words: list[str]) -> float:
    """Share of the words of 3+ letters that are English (stems compared for words of 5+ letters only:
    short words of other languages too often stem to something English)."""
    words = [w for w in words if len(w) >= 3]
    if not words:
        return 0.0
    vocabulary, stems = _english_vocabulary()
    known = [w in vocabulary for w in words]
    unknown = [w for w, k in zip(words, known, strict=True) if not k and len(w) >= 5]
    return (sum(known) + sum(s in stems for s in _stem(unknown))) / len(words)


def identify(text: str) -> str | None:
    """'en', another served language code, 'unknown', or None when the text is too short to tell."""
    letters = [c for c in text if c.isalpha()]
    for script, pattern in SCRIPTS.items():
        if letters and len(pattern.findall(text)) / len(letters) > 0.5:
            return script
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < 4:
        return None
    if english_share(words) >= ENGLISH_SHARE:
        return "en"
    best, best_share = "unknown", 0.0
    for lang, function_words in FUNCTION_WORDS.items():
        hits = [w for w in words if w in function_words]
        share = len(hits) / len(words)
        if len(set(hits)) >= 2 and share >= 0.15 and share > best_share:
            best, best_share = lang, share
    return best


def foreign_stretch(text: str, min_words: int = 4) -> bool:
    """True when a message that is partly English holds a clause of ``min_words``+ words in a language
    we do not recognise: instructions switched into another language mid-message."""
    text = _ADDRESSES.sub(" ", text)  # e-mail addresses, links and domains belong to no language
    clauses = re.split(r"[.,:;!?\n\"“”()]+", text)
    english = foreign = False
    for clause in clauses:
        # codes and acronyms (EUR, MFA, SKU) belong to no language: "EUR 60 + EUR 52" is not foreign prose
        words = [w.lower() for w in _WORD.findall(clause) if not w.isupper()]
        if len(words) < min_words:
            continue
        share = english_share(words)
        if share >= ENGLISH_SHARE:
            english = True
        elif share < FOREIGN_CLAUSE_SHARE and identify(clause) == "unknown":
            foreign = True
    return foreign and (english or identify(text) == "en")
