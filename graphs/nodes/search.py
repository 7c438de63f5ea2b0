"""Reading the question: the input guard, the question read in its thread, retrieval, and the judge."""

from __future__ import annotations

import re
from dataclasses import replace

from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.drafting import DraftFailure, condense_with_model
from graphs.evidence import DEEPER_HITS, Judgement, hits_to_keep, judge_evidence, passages_to_read, search_for_judging
from graphs.nodes.base import Update, profile, route_for, timed
from graphs.result import GuardVerdict
from graphs.state import State, fresh_turn
from graphs.thread import (
    LAST_SOURCES_BONUS,
    Query,
    better_reading,
    context_weight,
    ellipsis,
    in_thread,
    is_fragment,
    last_sources,
    without_preface,
)
from graphs.triage import ASKED_FOR_PERSON, asks_for_person
from knowledge.search import fuse_rankings
from knowledge.types import Hit

WEAK_EVIDENCE = "the evidence is too weak"


def begin(state: State) -> Update:
    """A new turn on a thread that may remember earlier ones: clear last turn's working fields."""
    return fresh_turn()


@timed("check_input")
def check_input(state: State, runtime: Runtime[KeelContext]) -> Update:
    kb = runtime.context.kb

    def known_name(name: str) -> bool:  # a name the knowledge base holds is the subject, not personal data
        return kb.vocabulary().names(name)

    report = runtime.context.check_input(state["question"], channel=state.get("channel"), known_name=known_name)
    update: Update = {
        # The raw question leaves the state here: the checkpointer stores the state (thread memory,
        # pending hand-overs), and personal data must not reach storage.
        "question": report["text"],
        "safe_question": report["text"],
        "verdicts": [GuardVerdict(**{**v, "stage": "input"}) for v in report["verdicts"]],
        "pending_action": route_for(report["action"]),
    }
    if report.get("user_message"):
        update["reasons"] = [report["user_message"]]
    if update["pending_action"] == "continue" and asks_for_person(report["text"]):
        # "Can I talk to someone?" is not a question for the knowledge base: bring a person in.
        update["pending_action"] = "hand_over"
        update["reasons"] = [ASKED_FOR_PERSON]
    return update


_PLACEHOLDER = re.compile(r"\s*\[(?:[A-Z_]{2,20})\]")


def without_placeholders(text: str) -> str:
    """Redaction markers like [EMAIL] say nothing about what to look up: search without them."""
    return re.sub(r"\s+([?.!,:;])", r"\1", _PLACEHOLDER.sub("", text)).strip()


@timed("in_thread")
def read_in_thread(state: State, runtime: Runtime[KeelContext]) -> Update:
    """What to search: the question as asked and, in a thread, the question read with the thread
    (folded onto the previous question, or the model's rewrite when an LLM is configured)."""
    question = without_preface(without_placeholders(state["safe_question"]) or state["safe_question"])
    queries = [Query(question, 1.0, "the question as asked")]
    history = state.get("history", [])
    update: Update = {"standalone": question}
    if history:
        ctx = runtime.context
        previous = history[-1]["question"]
        fragment = is_fragment(question)  # "what about Lisbon?": its reading in the thread replaces it
        contextual = None
        if ctx.llm is not None:
            try:
                rewrite = condense_with_model(ctx.llm, question, history[-ctx.max_history :])
                why = f"the question rewritten with the thread by {ctx.llm_name}"
                contextual = Query(rewrite, float(fragment), why, fragment)
            except DraftFailure as failure:
                update["reasons"] = [f"thread read without the model: {failure.reason}"]
        if contextual is None and (read := ellipsis(question, previous, ctx.kb.phrase_similarity)) is not None:
            contextual = Query(read, 1.0, "the fragment put in place of its like in the previous question", True)
        if contextual is None:
            folded = in_thread(question, previous, ctx.kb.phrase_similarity)
            contextual = Query(folded, 0.0, "the question with the previous one in this thread")
        if contextual.text.strip().lower() != question.strip().lower():
            queries.append(contextual)
    update["queries"] = queries
    return update


@timed("retrieve")
def retrieve(state: State, runtime: Runtime[KeelContext]) -> Update:
    ctx = runtime.context
    queries = state["queries"]
    asked = profile(queries[0].text, runtime)
    if len(queries) == 1:
        hits = search_for_judging(ctx.kb, asked, ctx.k, ctx.collections)
    elif queries[1].replaces_question:  # "what about Lisbon?" is searched as "When is payday in Lisbon?"
        hits = search_for_judging(ctx.kb, profile(queries[1].text, runtime), ctx.k, ctx.collections)
        queries = [replace(queries[0], weight=0.0), queries[1]]
    else:
        depth = max(ctx.k + DEEPER_HITS, ctx.kb.retriever.params.candidates)
        alone = ctx.kb.search(asked.text, k=depth, collections=ctx.collections)
        weight = context_weight(alone, len(asked.key_terms))
        queries = [queries[0], replace(queries[1], weight=round(weight, 3))]
        in_context = ctx.kb.search(queries[1].text, k=depth, collections=ctx.collections) if weight > 0 else []
        boost = {chunk_id: LAST_SOURCES_BONUS for chunk_id in last_sources(state.get("history", []))}
        hits = hits_to_keep(asked, fuse_rankings([(alone, 1.0), (in_context, weight)], boost), ctx.k)
    # The retrieval guard is a seam on plain mappings (it reads the chunks' ingest flags).
    kept, verdict = ctx.screen_hits([h.to_json() for h in hits])
    update: Update = {"hits": [Hit(**h) for h in kept], "queries": queries}
    if verdict is not None:
        update["verdicts"] = [GuardVerdict(**{**verdict, "stage": "retrieval"})]
    return update


@timed("judge")
def judge(state: State, runtime: Runtime[KeelContext]) -> Update:
    """Judge the passages against each reading of the question and keep the one they support best."""
    ctx = runtime.context
    hits = state["hits"]
    asked, *others = state["queries"]
    readings = [asked.text, *(q.text for q in others if q.weight > 0)]
    judgements = []
    for text in readings:
        asked_profile = profile(text, runtime)
        stored = ctx.kb.sentences_of(passages_to_read(asked_profile, hits))
        judgements.append(judge_evidence(asked_profile, hits, threshold=ctx.judge_threshold, stored=stored))
    chosen = better_reading([j.confidence for j in judgements])
    if len(others) == 1 and others[0].replaces_question and judgements[1].sufficient:
        chosen = 1  # the ellipsis read in its thread is the question whenever the evidence supports it
    judgement = plain(judgements[chosen])
    update: Update = {"judgement": judgement, "standalone": readings[chosen]}
    if not judgement.sufficient:
        update["reasons"] = judgement.reasons or ([] if state.get("reasons") else [WEAK_EVIDENCE])
    return update


def plain(judgement: Judgement) -> Judgement:
    """The judgement with Python floats (the judge computes with numpy), as the checkpointer stores it."""
    return replace(
        judgement,
        confidence=float(judgement.confidence),
        evidence=[replace(e, score=float(e.score)) for e in judgement.evidence],
        reasons=list(judgement.reasons),
    )
