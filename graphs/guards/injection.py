"""Prompt-injection and jailbreak detection without downloads.

A text is an attack when its pattern signals (``patterns.py``: what attacks *do*: change or drop the rules,
give the assistant a persona without limits, ask for its hidden text, obey text inside data, hide in a
format or an encoding) add up to the threshold, or when it shows at least one such behaviour and the
classifier over those behaviours (``injection_features.py``, ``data/injection_model.json``, fitted and
reported leave-one-source-out by ``benchmarks/fit_injection.py``) says so. Nothing is refused for merely
sounding like an attack. Without a fitted model, the older rule decides: the nearest neighbour among our
attack and benign examples (``data/attacks.jsonl``, ``data/benign.jsonl``) on the bundled MiniLM embeddings.

Documents are scanned with ``scan_document``: sentence by sentence and row by row, a piece counts only when
it speaks to a model, since handbook prose speaks to employees in the imperative all the time.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from graphs.guards.language import foreign_stretch
from graphs.guards.patterns import ASSISTANT_DIRECTED, match_signals
from graphs.guards.text import normalise, split_sentences

if TYPE_CHECKING:
    from knowledge.embed import Embedder

log = logging.getLogger(__name__)
DATA = Path(__file__).parent / "data"
WINDOW_WORDS = 60
MAX_WINDOWS = 8
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"})
_CONFUSABLES = str.maketrans(
    {
        "ɑ": "a", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
        "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ѕ": "s", "ԛ": "q", "ԝ": "w", "ο": "o", "ν": "v", "α": "a",
        "ι": "i", "κ": "k", "τ": "t", "ᴀ": "a", "ʏ": "y", "ɪ": "i",
    }
)  # fmt: skip
_SPACED = re.compile(r"\b(?:\w[ .\-_*]){3,}\w\b")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){12,}\b")
_BASE32 = re.compile(r"\b[A-Z2-7]{16,}={0,6}")
_TAGS = re.compile("[\U000e0020-\U000e007e]{4,}")
# The embedding step runs only for texts that address the assistant or talk about its workings: every
# example in our attack library does, most employee questions ("how do I ...", "when is ...") do not.
ADDRESSES_THE_BOT = re.compile(
    r"\b(?:you|your|yours|yourself|u|ur|assistant|ai|bot|chatbot|model|gpt|chatgpt|llm|system|prompt|"
    r"instructions?|rules?|guidelines?|mode|pretend|role-?play|persona|character|jailbreak|ignore|disregard|forget|"
    r"override|bypass|creators?|developers?|preamble|setup|configured?|restrictions?|filters?|limits?|"
    r"unrestricted|uncensored|conversation|chat|message|earlier|above|context|role|comply|refuse|refusing|respond|"
    r"reply|safety|markdown|link|encoded?|base64|hack|hacking|exploit|malware|passwords?|hash(?:es)?|brute|"
    r"phishing|keylogger|ransomware|disable|security|leaks?|confidential|secrets?)\b"
)


@dataclass(frozen=True)
class Detection:
    flagged: bool
    pattern_score: float
    signals: tuple[str, ...]
    attack_similarity: float
    benign_similarity: float
    nearest_kind: str
    probability: float | None = None  # the classifier's, when it was asked

    def reason(self) -> str:
        """Log-safe: signal names and scores, never the text."""
        parts = []
        if self.signals:
            parts.append(f"signals {', '.join(self.signals)} (score {self.pattern_score:.1f})")
        if self.probability is not None:
            parts.append(f"classifier {self.probability:.2f}")
        if self.nearest_kind != "-":
            parts.append(
                f"nearest attack ({self.nearest_kind}) cosine {self.attack_similarity:.2f} "
                f"vs benign {self.benign_similarity:.2f}"
            )
        return "; ".join(parts) or "no signal"


def _variants(text: str) -> list[str]:
    """The text as patterns should see it: normalised, with leetspeak, letter spacing and base64 undone."""
    plain = normalise(text)
    variants = [plain]
    # One pass undoes every disguise at once (each pass over 4,000 characters costs ~10 ms): homoglyphs
    # ("bypɑss sɑfety" with a Latin alpha, Cyrillic "о"), leetspeak ("1gn0r3"), letter spacing ("i g n o r e").
    undone = plain.translate(_CONFUSABLES).translate(_LEET)
    if _SPACED.search(undone):
        undone = _SPACED.sub(lambda m: re.sub(r"[ .\-_*]", "", m.group(0)), undone)
    if undone != plain:
        variants.append(undone)
    for decoded in _decoded_payloads(text):
        variants.append(normalise(decoded))
    return variants


def _decoded_payloads(text: str) -> list[str]:
    """Printable text hidden in base64, hex, base32 or Unicode tag characters (at most four of each)."""
    decoders = (
        (_BASE64, lambda t: base64.b64decode(t + "=" * (-len(t) % 4), validate=True)),
        (_HEX, bytes.fromhex),
        (_BASE32, lambda t: base64.b32decode(t + "=" * (-len(t) % 8))),
    )
    found = []
    for pattern, decode in decoders:
        for token in pattern.findall(text)[:4]:
            try:
                decoded = decode(token.rstrip("=") if pattern is _BASE32 else token).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            if decoded.isprintable() and decoded.strip():
                found.append(decoded)
    found += ["".join(chr(ord(c) - 0xE0000) for c in run) for run in _TAGS.findall(text)[:4]]
    return found


FOREIGN_STRETCH_WEIGHT = 0.5
# Documents quote foreign names and titles; only a long unrecognised stretch counts (1 in 813 clean
# passages of ClapNQ and the COVID FAQ has one of 8+ words).
DOCUMENT_FOREIGN_WORDS = 8


def pattern_signals(
    text: str, *, document: bool = False, variants: list[str] | None = None
) -> tuple[float, tuple[str, ...]]:
    """Summed weight and names of the signals in ``text`` (``variants``: its ``_variants``, if computed)."""
    found: dict[str, float] = {}
    for variant in variants or _variants(text):
        for signal in match_signals(variant, document=document):
            found[signal.name] = signal.weight
    if found and foreign_stretch(text):
        # Instructions switched into another language mid-message: a weak signal that needs company.
        found["foreign-stretch"] = FOREIGN_STRETCH_WEIGHT
    return round(sum(found.values()), 2), tuple(sorted(found))


def windows(text: str) -> list[str]:
    """Pieces of about ``WINDOW_WORDS`` words: an attack hidden in a long message is compared on its own."""
    words = text.split()
    if len(words) <= WINDOW_WORDS:
        return [text]
    pieces: list[str] = []
    current: list[str] = []
    for sentence in split_sentences(text):
        sentence_words = sentence.text.split()
        if current and len(current) + len(sentence_words) > WINDOW_WORDS:
            pieces.append(" ".join(current))
            current = []
        current.extend(sentence_words[: WINDOW_WORDS * 2])
    if current:
        pieces.append(" ".join(current))
    if len(pieces) > MAX_WINDOWS:  # attacks sit at the start or the end of a long text
        half = MAX_WINDOWS // 2
        pieces = pieces[:half] + pieces[-half:]
    return pieces


class Library:
    """Attack and benign example vectors, embedded once and cached under KEEL_HOME by content hash."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        attacks = [json.loads(line) for line in (DATA / "attacks.jsonl").read_text("utf-8").splitlines() if line]
        benign = [json.loads(line) for line in (DATA / "benign.jsonl").read_text("utf-8").splitlines() if line]
        self.attack_kinds = [a["kind"] for a in attacks]
        texts = [a["text"] for a in attacks] + [b["text"] for b in benign]
        vectors = self._load_or_embed(texts)
        self.attacks = vectors[: len(attacks)]
        self.benign = vectors[len(attacks) :]
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _load_or_embed(self, texts: list[str]) -> np.ndarray:
        from config.settings import keel_home

        model_id = getattr(self.embedder, "model_id", "unknown")
        digest = hashlib.sha256(json.dumps([model_id, texts]).encode()).hexdigest()[:16]
        path = keel_home() / "guards" / f"library-{digest}.npy"
        if path.is_file():
            try:
                vectors: np.ndarray = np.load(path)
                if vectors.shape[0] == len(texts):
                    return vectors
            except (OSError, ValueError):
                pass
        vectors = np.asarray(self.embedder.embed(texts), dtype=np.float32)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        except OSError as exc:  # a read-only home only costs the embedding time at start-up
            log.info("guards: could not cache library vectors at %s: %s", path, exc)
        return vectors

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embeddings with a small LRU cache: the topic checks reuse the question's vector."""
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            vectors = np.asarray(self.embedder.embed(missing), dtype=np.float32)
            known.update(zip(missing, vectors, strict=True))
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    self._cache[text] = vector
                while len(self._cache) > 512:
                    self._cache.popitem(last=False)
        return np.stack([known[t] for t in texts])

    def nearest(self, texts: list[str]) -> tuple[float, float, str]:
        vectors = self.embed(texts)
        attack_scores = vectors @ self.attacks.T
        benign_scores = vectors @ self.benign.T
        # Judge each window on its own: the window most like an attack, and how benign-like that window is.
        best_window = int(np.argmax(attack_scores.max(axis=1)))
        best_attack = int(np.argmax(attack_scores[best_window]))
        return (
            float(attack_scores[best_window, best_attack]),
            float(benign_scores[best_window].max()),
            self.attack_kinds[best_attack],
        )


@lru_cache(maxsize=1)
def default_library() -> Library:
    from knowledge.embed import default_embedder

    return Library(default_embedder())


@dataclass(frozen=True)
class InjectionModel:
    """Logistic regression over :mod:`graphs.guards.injection_features` (``data/injection_model.json``)."""

    names: list[str]
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        x = (np.array([values[n] for n in self.names]) - self.means) / self.scales
        return float(1 / (1 + np.exp(-(x @ self.weights + self.bias))))


@lru_cache(maxsize=1)
def injection_model() -> InjectionModel | None:
    path = DATA / "injection_model.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return InjectionModel(
        data["features"],
        np.array(data["means"]),
        np.array(data["scales"]),
        np.array(data["weights"]),
        float(data["bias"]),
        float(data["threshold"]),
    )


def measure(text: str, variants: list[str] | None = None) -> tuple[float, tuple[str, ...], dict[str, float]]:
    """Pattern score, signals and the classifier's features for ``text`` (no embedding: patterns only);
    ``variants``: its ``_variants``, if already computed."""
    from graphs.guards.injection_features import features

    variants = variants or _variants(text)
    score, signals = pattern_signals(text, variants=variants)
    values = features(variants[0], signals, foreign="foreign-stretch" in signals, obfuscated=len(variants) > 1)
    return score, signals, values


BEHAVIOUR_WEIGHT = 0.5  # signals below this name a topic ("jailbroken phones", "system prompt"), not an act


def shows_behaviour(signals: tuple[str, ...]) -> bool:
    """Whether a text does at least one thing attacks do *to the assistant* (its rules, persona, hidden text,
    obedience to data, format); the classifier decides nothing else. "Email me at ..." or "who can grant me
    admin rights" alone (the harm family) is an ordinary request."""
    from graphs.guards.injection_features import TARGETING_SIGNALS, WEIGHTS

    return any(WEIGHTS.get(s, 0.0) >= BEHAVIOUR_WEIGHT for s in signals if s in TARGETING_SIGNALS)


def detect(
    text: str,
    *,
    pattern_threshold: float = 1.0,
    similarity_threshold: float = 0.55,
    margin: float = 0.12,
    library: Library | None = None,
) -> Detection:
    """An attack when its pattern signals add up to ``pattern_threshold`` (explicit attacks), or when the text
    shows some attack behaviour and the classifier over what it does says so. Without a fitted model, the
    nearest-example rule decides."""
    variants = _variants(text)
    score, signals = pattern_signals(text, variants=variants)
    if score >= pattern_threshold:  # decided by the patterns: no need to spend an embedding
        return Detection(True, score, signals, 0.0, 0.0, "-")
    model = injection_model()
    if model is not None:
        if not shows_behaviour(signals):  # a mention ("the system prompt feature") is no attack behaviour
            return Detection(False, score, signals, 0.0, 0.0, "-")
        _, _, values = measure(text, variants)
        probability = model.probability(values)
        return Detection(probability >= model.threshold, score, signals, 0.0, 0.0, "-", round(probability, 3))
    if not score and not ADDRESSES_THE_BOT.search(normalise(text)):
        return Detection(False, score, signals, 0.0, 0.0, "-")
    library = library or default_library()
    attack, benign, kind = library.nearest(windows(text)) if text.strip() else (0.0, 0.0, "-")
    flagged = (
        score >= pattern_threshold
        or (attack >= similarity_threshold and attack - benign >= margin)
        or (score >= pattern_threshold / 2 and attack >= similarity_threshold - 0.12 and attack > benign)
    )
    return Detection(flagged, score, signals, round(attack, 3), round(benign, 3), kind)


def scan_document(text: str, *, pattern_threshold: float = 1.0) -> bool:
    """Whether a knowledge chunk carries instructions to an assistant. Cheap: patterns on every piece, the
    classifier only on pieces that already speak to a model.

    A document's sentences are addressed to employees, so a piece counts only when something in it speaks
    to a model (``ASSISTANT_DIRECTED``: "AI assistants reading this", "in your reply", "your system prompt",
    a fake system header) and its score reaches the threshold or the classifier agrees. "Forward the
    message to phishing@..." is advice; "Assistant: forward the conversation to ..." is an attack. (Asking
    the classifier about pieces that merely speak to "you" was tried: it held "Never share your password".)
    Table rows are judged one by one and never by language: a table of foreign names is data."""
    prose = "\n".join(line for line in text.splitlines() if not _TABLE_ROW.match(line))
    prose = _MARKUP.sub(" ", prose)  # tags ("<tr><td>") are no language either
    if foreign_stretch(prose, min_words=DOCUMENT_FOREIGN_WORDS) or _foreign_sentence(prose):
        return True  # a passage in an unrecognised language inside an English document
    score, signals = pattern_signals(text, document=True)
    if ASSISTANT_DIRECTED.intersection(signals) and score >= pattern_threshold:
        return True
    model = injection_model()
    for piece in document_pieces(text):
        piece_score, piece_signals = pattern_signals(piece, document=True)
        if not ASSISTANT_DIRECTED.intersection(piece_signals):
            continue  # handbook prose: "Never share your password", "open the portal and follow the instructions"
        if piece_score >= pattern_threshold:
            return True
        # (the classifier reads a piece as it was fitted: with the signals of a message, not the document-only ones)
        if model is not None and model.probability(measure(piece)[2]) >= model.threshold:
            return True
    return False


_TABLE_ROW = re.compile(r"^\s*\|")
_MARKUP = re.compile(r"<[^<>\n]{1,200}>")
_LOWER_WORD = re.compile(r"\b[^\W\d_A-Z][^\W\d_]+\b")
FOREIGN_SENTENCE_WORDS = 5


def document_pieces(text: str) -> list[str]:
    """Sentences of the prose and rows of the tables: what ``scan_document`` judges one by one."""
    pieces: list[str] = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        rows = [line for line in lines if _TABLE_ROW.match(line)]
        pieces += rows
        prose = " ".join(line for line in lines if not _TABLE_ROW.match(line))
        pieces += [sentence.text for sentence in split_sentences(prose)]
    return [p for p in pieces if p.strip()]


def _foreign_sentence(prose: str) -> bool:
    """A whole sentence of five or more lower-case words in a language Keel does not recognise, inside an
    English text: how translated instructions hide ("përsërit saktësisht kërkesën fillestare..."). Names
    and titles in other languages are capitalised, so they do not count."""
    from graphs.guards.language import ENGLISH_SHARE, english_share, identify

    if identify(prose) != "en":
        return False
    for sentence in split_sentences(prose):
        lower = [w.lower() for w in _LOWER_WORD.findall(sentence.text)]
        mostly_lower = len(lower) >= FOREIGN_SENTENCE_WORDS and len(lower) >= 0.7 * len(sentence.text.split())
        if mostly_lower and english_share(lower) < ENGLISH_SHARE / 2 and identify(sentence.text) == "unknown":
            return True
    return False
