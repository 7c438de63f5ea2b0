"""What the evidence judge sees for each labelled question of a data set, and whether an answer built from
it would be right: the rows benchmarks/fit_evidence.py fits on and reports with.

For each question the retrieval and the judge's own feature code run as in the graph (the question
analysed with the collection's word statistics, ``search_for_judging``, ``gather_candidates``,
``features``); a question asked in a thread is read in it as the graph reads it without a model
(``graphs.thread``). The label is whether the extractive answer composed from the candidates cites a
gold passage and says what was asked (graphs/evaluate.py: key facts, or the reference's words).
Rows are cached per set under benchmarks/.cache/ and recomputed with ``--refresh``.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from benchmarks.judge_sets import CACHE, JudgeSet
from graphs.evaluate import REFERENCE_RECALL, facts_found, reference_recall
from graphs.evidence import (
    EVIDENCE_KEPT,
    KEYED_ROW_COVERAGE,
    MUST_HOLD_ANSWER_TYPE,
    Evidence,
    Judgement,
    features,
    gather_candidates,
    passages_to_read,
    search_for_judging,
)
from graphs.extractive import compose_answer
from graphs.question import analyse_question
from graphs.thread import ellipsis
from knowledge.embed import default_embedder

TOP_K = 5


@dataclass
class Row:
    set_name: str
    qid: str
    question: str
    answerable: bool
    right: bool  # an answer from this evidence would cite gold and say what was asked
    cites_gold: bool
    top_cosine: float
    features: dict[str, float]
    capped: bool  # the "when"/"how many" rule caps its probability (no date or number in the sentences)
    keyed: bool  # the best sentence is the table row about what was asked (the keyed-row floor applies)
    answer: str = ""
    recall: float | None = None  # of the reference answer's content words, when the question has one


def judged_text(judge_set: JudgeSet, qid: str, question: str) -> str:
    """The question as the graph reads it without a model: a fragment in place, else the question
    alone (the graph fuses the fold with it; the fold alone is a weaker stand-in, so it is not used)."""
    earlier = judge_set.threads.get(qid) or []
    if not earlier:
        return question
    read = ellipsis(question, earlier[-1], judge_set.kb.phrase_similarity)
    return read or question


def rows_for(judge_set: JudgeSet, refresh: bool = False) -> list[Row]:
    path = CACHE / f"judge-rows-{judge_set.name}.pkl"
    if path.is_file() and not refresh:
        return pickle.loads(path.read_bytes())
    kb, embedder = judge_set.kb, default_embedder()
    vocabulary = kb.vocabulary()
    rows = []
    for n, item in enumerate(judge_set.questions, start=1):
        text = judged_text(judge_set, item.id, item.question)
        profile = analyse_question(text, vocabulary)
        hits = search_for_judging(kb, profile, TOP_K)
        candidates = gather_candidates(profile, hits, embedder, kb.sentences_of(passages_to_read(profile, hits)))
        if not candidates:
            continue
        evidence = [Evidence(c.hit, c.sentence.text, c.score, c.keyed) for c in candidates[:EVIDENCE_KEPT]]
        answer, citations = compose_answer(
            text, Judgement(True, 1.0, evidence, [], profile.question_type), passages=hits
        )
        gold = any(judge_set.is_gold(item, c.source, c.chunk_id) for c in citations)
        recall = reference_recall(answer, item.reference_answer) if item.reference_answer else None
        says = facts_found(answer, item.key_facts) if item.key_facts else recall is None or recall >= REFERENCE_RECALL
        capped = profile.question_type in MUST_HOLD_ANSWER_TYPE and not any(c.answer_type for c in candidates)
        best = candidates[0]
        rows.append(
            Row(
                judge_set.name,
                item.id,
                text,
                bool(item.answerable),
                bool(item.answerable) and gold and says,
                bool(item.answerable) and gold,
                max(h.dense_score for h in hits),
                features(profile, hits, candidates),
                capped,
                best.keyed and best.answer_type is not False and best.coverage >= KEYED_ROW_COVERAGE,
                answer,
                recall,
            )
        )
        if n % 200 == 0:
            print(f"    {judge_set.name}: {n}/{len(judge_set.questions)}", flush=True)
    path.write_bytes(pickle.dumps(rows))
    return rows
