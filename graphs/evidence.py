"""The evidence judge: do the retrieved passages actually answer the question, and which sentences do?

A passage can be on the right topic and still not say what was asked ("when does Rick Grimes die in
the comic?" next to a passage about Rick Grimes that gives no date). So the judge looks at sentences:
1. split the top passages into sentences, with their vectors: computed at ingestion from the chunk's
   own token vectors (knowledge/sentence_vectors.py), or embedded here with their title and heading
   as context when a chunk has none stored;
2. score each sentence: similarity to the question, coverage of the question's key terms that the
   title does not already explain (the *focus*), and whether it holds the kind of expression the
   question asks for (a date for "when", a number for "how many", a name for "who"...);
3. combine the best sentence's features with the retrieval scores in a logistic model whose
   coefficients live in :mod:`graphs.evidence_model` (fitted by ``benchmarks/fit_evidence.py`` on a
   declared tuning split of ClapNQ, reported on the other half: docs/answering.md). Its output is the
   probability that an answer built from these sentences is right;
4. cap that probability when a "when" or "how many" question meets sentences with no date or number.
When the evidence falls short, ``reasons`` say why in words a person can check against the passages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from graphs import evidence_model
from graphs.extractive_choice import section_match
from graphs.question import (
    QUESTION_TYPES,
    TYPED,
    QuestionProfile,
    analyse_question,
    mentions_answer_type,
    stem,
    stems,
)
from knowledge.embed import Embedder, default_embedder
from knowledge.sentence_vectors import EMBED_CHARS, sentence_in_context
from knowledge.sentences import Sentence, split_sentences
from knowledge.store import TITLE_POSITION, StoredSentence
from knowledge.types import Hit

# The judge reads the top two passages and, of each, the three sentences sharing most words with the
# question (reading every sentence was no better in cross-validation on the tuning half). When the two
# leave out a key term of the question ("london") that a lower passage names, that passage is read too:
# a table of rates is a poor match for a question as a whole, but it is where the city's row sits. So is
# a lower passage with a table row about a key term ("| Toronto | CAD 100 |") when the top two have none
# (they may name Toronto only in passing). Retrieval looks DEEPER_HITS further for a passage naming a key
# term that none of the top k names, and keeps the best such one as well.
HITS_CONSIDERED = 2
SENTENCES_PER_HIT = 3
EVIDENCE_KEPT = 8
DEEPER_HITS = 5
# How a candidate sentence is ranked (hand-set; see docs/answering.md): similarity first, then the
# question's focus terms, the expected answer type, and a small preference for better-ranked passages.
FOCUS_WEIGHT = 0.2
ANSWER_TYPE_WEIGHT = 0.1
KEYED_ROW_WEIGHT = 0.1  # a table row whose first cell names a focus term: the row about the asked thing
RANK_PENALTY = 0.03
LOOSE_SIMILARITY = 0.45
# A hand-set rule on top of the model: a "when" or "how many" question whose sentences hold no date or
# number at all is not answered, however close the passages are to it (checked on the tuning half:
# it catches unanswerable questions without costing answerable ones; docs/answering.md).
MUST_HOLD_ANSWER_TYPE = ("date", "number")
MISSING_ANSWER_TYPE_CAP = 0.25  # below this the best passage is reported as only loosely related
# And one for tables, which ClapNQ (the model's data) has none of: when the best sentence is the row
# about the thing asked ("Destination: Boston; Per diem per day: USD 95" for "per diem in Boston?"),
# holds the kind of answer asked, and with its title and heading names at least 3 in 4 key terms, the
# evidence counts as sufficient (a similarity to a terse row is low, which the model reads as weak).
KEYED_ROW_FLOOR = 0.6
KEYED_ROW_COVERAGE = 0.75

_ASKED = {
    "date": "when",
    "number": "how many or how much",
    "who": "who",
    "place": "where",
    "cause": "why",
}


class SupportsSearch(Protocol):
    def search(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]: ...


@dataclass(frozen=True)
class Evidence:
    """A candidate answer sentence from a retrieved chunk, with its ranking score."""

    hit: Hit
    sentence: str
    score: float
    keyed: bool = False  # the table row about what the question names


@dataclass(frozen=True)
class Judgement:
    sufficient: bool
    confidence: float  # probability that an answer from this evidence is right
    evidence: list[Evidence]  # best first
    reasons: list[str]  # why it is not sufficient, for a person to read
    question_type: str


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    rank: int  # of the hit, 0 = best retrieved
    sentence: Sentence
    similarity: float
    topic_similarity: float  # of the question and the passage's document title alone
    coverage: float  # share of the question's key terms in the sentence, its heading or its title
    focus_coverage: float  # share of the key terms the title does not contain, found in the sentence
    answer_type: bool | None  # holds an expression of the asked type (None: untyped question)
    score: float
    keyed: bool = False  # a table row whose first cell names a focus term ("Destination: Boston; ...")


def judge_evidence(
    question: str | QuestionProfile,
    hits: Sequence[Hit],
    *,
    embedder: Embedder | None = None,
    threshold: float | None = None,
    stored: Mapping[str, Sequence[StoredSentence]] | None = None,
) -> Judgement:
    """Decide whether ``hits`` hold enough to answer ``question`` alone, and pick the sentences.

    ``stored`` holds the chunks' sentence vectors from ingestion (``KnowledgeBase.sentences_of``);
    whatever is missing there is embedded here with ``embedder`` (the bundled MiniLM by default: the
    model was fitted on its vectors). ``question`` may come analysed (with the collection's word
    statistics, :func:`graphs.question.analyse_question`)."""
    profile = question if isinstance(question, QuestionProfile) else analyse_question(question)
    candidates = gather_candidates(profile, hits, embedder or default_embedder(), stored or {})
    evidence = [Evidence(c.hit, c.sentence.text, round(c.score, 4), c.keyed) for c in candidates[:EVIDENCE_KEPT]]
    if not candidates:
        reason = "nothing in the knowledge base matches the question"
        return Judgement(False, 0.0, [], [reason], profile.question_type)
    confidence = judged_probability(profile, candidates, answer_probability(features(profile, hits, candidates)))
    bar = evidence_model.THRESHOLD if threshold is None else threshold
    sufficient = confidence >= bar
    reasons = [] if sufficient else explain(profile, hits, candidates, confidence)
    return Judgement(sufficient, round(confidence, 4), evidence, reasons, profile.question_type)


def gather_candidates(
    profile: QuestionProfile,
    hits: Sequence[Hit],
    embedder: Embedder,
    stored: Mapping[str, Sequence[StoredSentence]] | None = None,
) -> list[Candidate]:
    """The sentences read from the top passages, scored and sorted best first."""
    pending: list[tuple[int, Hit, Sentence, float, float, bool]] = []
    read = passages_to_read(profile, hits)
    for rank, hit in enumerate(read):
        context_stems = stems(f"{hit.title} {hit.section}")
        focus = profile.key_stems - context_stems
        for sentence in _readable_sentences(hit, profile):
            sentence_stems = stems(sentence.text) | stems(sentence.heading)
            coverage = _share(profile.key_stems, sentence_stems | context_stems)
            focus_coverage = _share(focus, sentence_stems) if focus else 1.0
            keyed = _keyed_by(sentence, focus, profile.key_stems)
            pending.append((rank, hit, sentence, coverage, focus_coverage, keyed))
    if not pending:
        return []
    # the document's title is its topic (a section heading is often the very question, so it is left out)
    known = _stored_vectors(read, stored or {})
    topics = [t for t in dict.fromkeys(hit.title for _, hit, *_ in pending) if t]
    wanted: list[tuple[VectorKey, str]] = [(("title", t), t[:EMBED_CHARS]) for t in topics]
    wanted += [
        ((hit.chunk_id, s.position, s.text), sentence_in_context(hit.title, hit.section, s))
        for _, hit, s, *_ in pending
    ]
    missing = [(key, text) for key, text in wanted if key not in known]
    vectors = embedder.embed([profile.text[:EMBED_CHARS], *(text for _, text in missing)])
    known.update(zip((key for key, _ in missing), vectors[1:], strict=True))
    question_vector = vectors[0]
    topic_similarity = {t: float(known[("title", t)] @ question_vector) for t in topics}
    candidates = []
    for rank, hit, sentence, coverage, focus_coverage, keyed in pending:
        similarity = float(known[(hit.chunk_id, sentence.position, sentence.text)] @ question_vector)
        answer_type = mentions_answer_type(profile.question_type, sentence.text, profile.text)
        score = (
            float(similarity)
            + FOCUS_WEIGHT * focus_coverage
            + (ANSWER_TYPE_WEIGHT if answer_type else 0.0)
            + (KEYED_ROW_WEIGHT if keyed else 0.0)
            - RANK_PENALTY * rank
        )
        candidates.append(
            Candidate(
                hit,
                rank,
                sentence,
                float(similarity),
                float(topic_similarity.get(hit.title, 0.0)),
                coverage,
                focus_coverage,
                answer_type,
                score,
                keyed,
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.rank, c.sentence.position))
    return candidates


def features(profile: QuestionProfile, hits: Sequence[Hit], candidates: Sequence[Candidate]) -> dict[str, float]:
    """The judge model's inputs, named as in :mod:`graphs.evidence_model`."""
    best = candidates[0]
    dense = sorted((h.dense_score for h in hits), reverse=True) + [0.0, 0.0]
    passage_stems = stems(f"{best.hit.title} {best.hit.section} {best.hit.text}")
    values = {
        "top_similarity": dense[0],
        "similarity_margin": dense[0] - dense[1],
        "sentence_similarity": best.similarity,
        "topic_similarity": best.topic_similarity,
        "sentence_score": best.score,
        "coverage": best.coverage,
        "focus_coverage": best.focus_coverage,
        "passage_coverage": _share(profile.key_stems, passage_stems),
        "answer_type_found": float(best.answer_type is True),
        "answer_type_missing": float(best.answer_type is False),
        "key_terms": float(len(profile.key_stems)),
        "from_top_hit": float(best.rank == 0),
        "informative_coverage": informative_share(profile, passage_stems, when_empty=1.0),
        "unseen_terms": informative_share(profile, profile.unseen),
        "retrievers_agree": float(best.hit.dense_rank == 1 and best.hit.bm25_rank == 1),
        "top_standout": dense[0] - float(np.mean(dense[1:5])),
        "keyword_rank": 1.0 / best.hit.bm25_rank if best.hit.bm25_rank else 0.0,
        "dense_rank": 1.0 / best.hit.dense_rank if best.hit.dense_rank else 0.0,
    }
    values.update({f"type_{kind}": float(profile.question_type == kind) for kind in QUESTION_TYPES})
    return values


def informative_share(profile: QuestionProfile, found: set[str] | frozenset[str], when_empty: float = 0.0) -> float:
    """Share of the question's key terms in ``found`` (stems), each weighted by how informative it is in
    the collection (``QuestionProfile.weights``; alike when the profile has none)."""
    if not profile.key_terms:
        return when_empty
    weights = profile.weights or (1.0,) * len(profile.key_terms)
    total = sum(weights)
    hit = sum(w for t, w in zip(profile.key_terms, weights, strict=True) if stem(t) in found)
    return hit / total if total > 0 else 0.0


def answer_probability(values: dict[str, float]) -> float:
    model = evidence_model
    z = model.INTERCEPT + sum(
        weight * (values[name] - mean) / scale
        for name, weight, mean, scale in zip(model.FEATURES, model.WEIGHTS, model.MEANS, model.SCALES, strict=True)
    )
    return 1.0 / (1.0 + math.exp(-z))


def judged_probability(profile: QuestionProfile, candidates: Sequence[Candidate], probability: float) -> float:
    """The model's probability, capped when the question asks for a date or a number none of the
    sentences read contains, and raised when the best sentence is the table row about what is asked."""
    if profile.question_type in MUST_HOLD_ANSWER_TYPE and not any(c.answer_type for c in candidates):
        return min(probability, MISSING_ANSWER_TYPE_CAP)
    best = candidates[0]
    if best.keyed and best.answer_type is not False and best.coverage >= KEYED_ROW_COVERAGE:
        return max(probability, KEYED_ROW_FLOOR)
    return probability


def explain(
    profile: QuestionProfile, hits: Sequence[Hit], candidates: Sequence[Candidate], confidence: float
) -> list[str]:
    """Why the evidence falls short, in words a person can check against the passages."""
    read = passages_to_read(profile, hits)
    seen = set().union(*(_passage_stems(h) for h in read))
    missing = [t for t in profile.key_terms if stem(t) not in seen]
    topics = ", ".join(dict.fromkeys(h.title or h.source for h in read[:2]))
    reasons = []
    if missing:
        reasons.append("no passage mentions " + ", ".join(f"'{t}'" for t in missing[:4]))
    if profile.question_type in TYPED and not any(c.answer_type for c in candidates[:EVIDENCE_KEPT]):
        reasons.append(f"the passages are about {topics} but none says {_ASKED[profile.question_type]}")
    if max(h.dense_score for h in read) < LOOSE_SIMILARITY:
        reasons.append(f"the closest passages ({topics}) are only loosely related to the question")
    reasons.append(f"the evidence is too weak to answer alone (confidence {confidence:.2f})")
    return reasons


def search_for_judging(
    kb: SupportsSearch, question: QuestionProfile | str, k: int, collections: Sequence[str] | None = None
) -> list[Hit]:
    """The top ``k`` passages for ``question``, plus (from ``DEEPER_HITS`` further down) the best one
    naming a key term none of them names: what the graph, the benchmark and the fitting script read."""
    text = question.text if isinstance(question, QuestionProfile) else question
    return hits_to_keep(question, kb.search(text, k=k + DEEPER_HITS, collections=collections), k)


def hits_to_keep(profile: QuestionProfile | str, hits: Sequence[Hit], k: int) -> list[Hit]:
    """The top ``k`` of ``hits`` (retrieved ``k + DEEPER_HITS`` deep), plus the best-ranked deeper one
    naming a key term that none of the top ``k`` names ("boston" in a rates table ranked 8th)."""
    if isinstance(profile, str):
        profile = analyse_question(profile)
    kept = list(hits[:k])
    missing = _unnamed(profile, kept)
    extra = _first_naming(missing, hits[k:]) if missing else None
    return kept + ([extra] if extra is not None else [])


def passages_to_read(profile: QuestionProfile | str, hits: Sequence[Hit]) -> list[Hit]:
    """The top passages, plus the best-ranked lower one naming a key term the top ones leave out, or
    else holding a table row about a key term when the top ones hold none; and the lower section of the
    best passage's document that the question names ("Connecting" for "How do I connect to the VPN?"
    when the page's introduction ranks first: the steps are what the extractive answer quotes)."""
    if isinstance(profile, str):
        profile = analyse_question(profile)
    read = list(hits[:HITS_CONSIDERED])
    lower = hits[HITS_CONSIDERED:]
    missing = _unnamed(profile, read)
    if missing:
        extra = _first_naming(missing, lower)
    elif not any(_has_keyed_row(h, profile) for h in read):
        extra = next((h for h in lower if _has_keyed_row(h, profile)), None)
    else:
        extra = None
    read += [extra] if extra is not None else []
    named = (
        section_match(profile, read[0], lower) if read and not any(_names_section(profile, h) for h in read) else None
    )
    return read + ([named] if named is not None and named not in read else [])


def _names_section(profile: QuestionProfile, hit: Hit) -> bool:
    """The passage's own heading names a key term (it is the section the question is about)."""
    return bool(hit.section) and bool(profile.key_stems & stems(hit.section.split(" > ")[-1]))


def _passage_stems(hit: Hit) -> set[str]:
    return stems(f"{hit.title} {hit.section} {hit.text}")


def _unnamed(profile: QuestionProfile, hits: Sequence[Hit]) -> frozenset[str]:
    """The question's key terms that none of ``hits`` names."""
    return profile.key_stems - set().union(*(_passage_stems(h) for h in hits))


def _first_naming(terms: frozenset[str], hits: Sequence[Hit]) -> Hit | None:
    return next((h for h in hits if terms & _passage_stems(h)), None)


def _has_keyed_row(hit: Hit, profile: QuestionProfile) -> bool:
    if "|" not in hit.text:
        return False
    focus = profile.key_stems - stems(f"{hit.title} {hit.section}")
    return any(_keyed_by(sentence, focus, profile.key_stems) for sentence in split_sentences(hit.text))


def _keyed_by(sentence: Sentence, focus: frozenset[str] | set[str], asked: frozenset[str]) -> bool:
    """A table row about a focus term (its first cell names it) whose other cells or headers name
    another term of the question, the thing asked about it: "Destination: Boston; Per diem per day:
    USD 95" for "per diem in Boston?", not "Benefit: Meal allowance; Interns: Yes" for "What is the
    meal allowance?"."""
    if not sentence.key:
        return False
    key = stems(sentence.key)
    rest = sentence.text.split("; ", 1)[1] if "; " in sentence.text else ""
    return bool(focus & key) and bool((asked - key) & stems(rest))


def _readable_sentences(hit: Hit, profile: QuestionProfile) -> list[Sentence]:
    sentences = split_sentences(hit.text)
    if len(sentences) <= SENTENCES_PER_HIT:
        return sentences
    overlap = {s.position: len(profile.key_stems & stems(s.text)) for s in sentences}
    kept = sorted(sentences, key=lambda s: (-overlap[s.position], s.position))[:SENTENCES_PER_HIT]
    return sorted(kept, key=lambda s: s.position)


VectorKey = tuple[str, str] | tuple[str, int, str]  # ("title", title) or (chunk id, position, sentence)


def _stored_vectors(hits: Sequence[Hit], stored: Mapping[str, Sequence[StoredSentence]]) -> dict[VectorKey, np.ndarray]:
    """Stored vectors keyed as the judge asks for them: a sentence by chunk, position and text (a
    chunk stored by an older sentence splitter simply misses), a title by its text."""
    known: dict[VectorKey, np.ndarray] = {}
    for hit in hits:
        for item in stored.get(hit.chunk_id, ()):
            if item.position == TITLE_POSITION:
                known[("title", item.text)] = item.vector
            else:
                known[(hit.chunk_id, item.position, item.text)] = item.vector
    return known


def _share(wanted: frozenset[str] | set[str], found: set[str]) -> float:
    return len(wanted & found) / len(wanted) if wanted else 1.0


def feature_matrix(rows: Sequence[dict[str, float]], names: Sequence[str]) -> np.ndarray:
    """Rows of feature dicts as a matrix in ``names`` order (used by the fitting script)."""
    return np.array([[row[name] for name in names] for row in rows], dtype=float)
