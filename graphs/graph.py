"""The answer graph: a deterministic state machine around a (possibly absent) language model.

    begin → check_input ─┬─ in_thread → retrieve → judge ┬─ draft ─┬─ check_output ─┬─ deliver ─┐
                         ├─ refuse ───────────────────────┼─────────┼────────────────┼─ refuse ──┼─ finish
                         └─ hand_over ────────────────────┴─────────┴────────────────┴─ hand_over┘

Nodes are plain functions returning partial state; routing lives in the ``route_*`` functions;
settings and dependencies come from ``runtime.context`` (:class:`graphs.context.KeelContext`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.drafting import (
    LLM_MIN_CONFIDENCE,
    DraftFailure,
    condense_with_model,
    draft_with_model,
    fallback_note,
    is_complex,
)
from graphs.evidence import (
    DEEPER_HITS,
    Evidence,
    Judgement,
    hits_to_keep,
    judge_evidence,
    passages_to_read,
    search_for_judging,
)
from graphs.extractive import compose_answer
from graphs.question import QuestionProfile, analyse_question
from graphs.result import Citation, GuardVerdict, TurnResult
from graphs.state import InputState, State
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

Node = Callable[[State, Runtime[KeelContext]], dict[str, Any]]

PER_TURN_RESET: dict[str, Any] = {
    "safe_question": "",
    "standalone": "",
    "queries": [],
    "hits": [],
    "judgement": {},
    "draft": {},
    "decision": "",
    "reasons": [],
    "verdicts": [],
    "timings_ms": {},
    "pending_action": "continue",
    "result": {},
}

HAND_OVER_TEXT = "I couldn't find a reliable answer in our knowledge base, so I'm handing this to a person."
REFUSE_TEXT = "I can't help with that request."


def timed(name: str) -> Callable[[Node], Node]:
    """Record the node's wall time in ``timings_ms`` (the log keeps timings per stage)."""

    def wrap(node: Node) -> Node:
        @wraps(node)
        def run(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
            started = time.perf_counter()
            update = node(state, runtime)
            elapsed = round((time.perf_counter() - started) * 1000, 2)
            timings = {**state.get("timings_ms", {}), **update.get("timings_ms", {})}
            timings[name] = round(timings.get(name, 0.0) + elapsed, 2)
            return {**update, "timings_ms": timings}

        return run

    return wrap


# -- nodes -------------------------------------------------------------------------------------------
def begin(state: State) -> dict[str, Any]:
    """A new turn on a thread that may remember earlier ones: clear last turn's working fields."""
    return dict(PER_TURN_RESET)


@timed("check_input")
def check_input(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    kb = runtime.context.kb

    def known_name(name: str) -> bool:  # a name the knowledge base holds is the subject, not personal data
        return kb.vocabulary().names(name)

    report = runtime.context.check_input(state["question"], channel=state.get("channel"), known_name=known_name)
    update: dict[str, Any] = {
        # The raw question leaves the state here: the checkpointer stores the state (thread memory,
        # pending hand-overs), and personal data must not reach storage.
        "question": report["text"],
        "safe_question": report["text"],
        "verdicts": [{**v, "stage": "input"} for v in report["verdicts"]],
        "pending_action": _route_for(report["action"]),
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
def read_in_thread(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    """What to search: the question as asked and, in a thread, the question read with the thread
    (folded onto the previous question, or the model's rewrite when an LLM is configured)."""
    question = without_preface(without_placeholders(state["safe_question"]) or state["safe_question"])
    queries = [Query(question, 1.0, "the question as asked")]
    history = state.get("history", [])
    update: dict[str, Any] = {"standalone": question}
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
                update["reasons"] = [*state.get("reasons", []), f"thread read without the model: {failure.reason}"]
        if contextual is None and (read := ellipsis(question, previous, ctx.kb.phrase_similarity)) is not None:
            contextual = Query(read, 1.0, "the fragment put in place of its like in the previous question", True)
        if contextual is None:
            folded = in_thread(question, previous, ctx.kb.phrase_similarity)
            contextual = Query(folded, 0.0, "the question with the previous one in this thread")
        if contextual.text.strip().lower() != question.strip().lower():
            queries.append(contextual)
    update["queries"] = [q.to_json() for q in queries]
    return update


@timed("retrieve")
def retrieve(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    ctx = runtime.context
    queries = state["queries"]
    asked = _profile(queries[0]["query"], runtime)
    if len(queries) == 1:
        hits = search_for_judging(ctx.kb, asked, ctx.k, ctx.collections)
    elif queries[1].get("replaces_question"):  # "what about Lisbon?" is searched as "When is payday in Lisbon?"
        hits = search_for_judging(ctx.kb, _profile(queries[1]["query"], runtime), ctx.k, ctx.collections)
        queries = [{**queries[0], "weight": 0.0}, queries[1]]
    else:
        depth = max(ctx.k + DEEPER_HITS, ctx.kb.retriever.params.candidates)
        alone = ctx.kb.search(asked.text, k=depth, collections=ctx.collections)
        weight = context_weight(alone, len(asked.key_terms))
        queries = [queries[0], {**queries[1], "weight": round(weight, 3)}]
        in_context = ctx.kb.search(queries[1]["query"], k=depth, collections=ctx.collections) if weight > 0 else []
        boost = {chunk_id: LAST_SOURCES_BONUS for chunk_id in last_sources(state.get("history", []))}
        hits = hits_to_keep(asked, fuse_rankings([(alone, 1.0), (in_context, weight)], boost), ctx.k)
    kept, verdict = ctx.screen_hits([h.to_json() for h in hits])
    update: dict[str, Any] = {"hits": kept, "queries": queries}
    if verdict is not None:
        update["verdicts"] = [*state.get("verdicts", []), {**verdict, "stage": "retrieval"}]
    return update


@timed("judge")
def judge(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    """Judge the passages against each reading of the question and keep the one they support best."""
    ctx = runtime.context
    hits = [Hit(**h) for h in state["hits"]]
    asked, *others = state["queries"]
    readings = [asked["query"], *(q["query"] for q in others if q["weight"] > 0)]
    judgements = []
    for text in readings:
        profile = _profile(text, runtime)
        stored = ctx.kb.sentences_of(passages_to_read(profile, hits))
        judgements.append(judge_evidence(profile, hits, threshold=ctx.judge_threshold, stored=stored))
    chosen = better_reading([j.confidence for j in judgements])
    if len(others) == 1 and others[0].get("replaces_question") and judgements[1].sufficient:
        chosen = 1  # the ellipsis read in its thread is the question whenever the evidence supports it
    judgement = judgements[chosen]
    update: dict[str, Any] = {"judgement": _judgement_to_state(judgement), "standalone": readings[chosen]}
    if not judgement.sufficient:
        update["reasons"] = [*state.get("reasons", []), *judgement.reasons] or ["the evidence is too weak"]
    return update


def _profile(question: str, runtime: Runtime[KeelContext]) -> QuestionProfile:
    """The question analysed with the collection's word statistics (filler words set apart)."""
    return analyse_question(question, runtime.context.kb.vocabulary())


@timed("draft")
def draft(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    ctx = runtime.context
    question, hits = state["standalone"], state["hits"]
    if ctx.llm is None:
        return {"draft": _extractive_draft(state)}
    use_strong = ctx.strong_llm is not None and is_complex(question, hits)
    model, name = (ctx.strong_llm, ctx.strong_llm_name) if use_strong else (ctx.llm, ctx.llm_name)
    route = "llm-strong" if use_strong else "llm"
    reasons = list(state.get("reasons", []))
    try:
        attribute = partial(ctx.attribute, channel=state.get("channel"))
        answer = draft_with_model(model, question, hits, name=name, limits=ctx.llm_limits, attribute=attribute)
    except DraftFailure as failure:
        return _fallback(state, failure, route)
    if answer is None:  # the extractive draft goes to the people the question is handed to, marked unverified
        return {
            "draft": {**_extractive_draft(state), "model": name, "route": route},
            "pending_action": "hand_over",
            "reasons": [*reasons, "the model found no answer in the passages"],
        }
    judgement = state["judgement"]
    if not judgement.get("sufficient"):
        reasons.append(f"{name} answered from evidence the judge found weak (confidence {judgement['confidence']:.2f})")
    if dropped := answer.pop("dropped", 0):
        reasons.append(f"{dropped} sentence(s) of the model's answer that no source supports were left out")
    confidence = judgement.get("confidence", 0.0)
    return {"draft": {**answer, "confidence": confidence, "model": name, "route": route}, "reasons": reasons}


def _fallback(state: State, failure: DraftFailure, route: str) -> dict[str, Any]:
    """The model's draft cannot be used: the extractive answer stands in, marked, when the evidence is
    strong enough to answer from alone; weak evidence (it went to the model only) is handed over."""
    fallback = {
        **_extractive_draft(state),
        "fallback": True,
        "fallback_kind": failure.kind,
        "route": f"{route}-fallback",
    }
    if state["judgement"].get("sufficient"):
        reason = f"{failure.reason}; answered from the passages instead"
        return {"draft": fallback, "reasons": [*state.get("reasons", []), reason]}
    reason = f"{failure.reason}; the passages are too weak to answer from without it"
    return {"draft": fallback, "pending_action": "hand_over", "reasons": [*state.get("reasons", []), reason]}


@timed("check_output")
def check_output(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    draft_ = state["draft"]
    sources = _numbered_sources(state["hits"], draft_.get("citations", []))
    report = runtime.context.check_output(
        draft_["answer"], sources, question=state["standalone"], channel=state.get("channel")
    )
    text = report["text"]
    citations = [c for c in draft_.get("citations", []) if f"[{c['n']}]" in text]
    action = _route_for(report["action"])
    update: dict[str, Any] = {
        "draft": {**draft_, "answer": text, "citations": citations},
        "verdicts": [*state.get("verdicts", []), *({**v, "stage": "output"} for v in report["verdicts"])],
        "pending_action": action,
    }
    if action == "continue" and not citations:  # a fix removed every supported sentence
        update["pending_action"] = "hand_over"
        update["reasons"] = [*state.get("reasons", []), "no sentence of the draft was supported by the sources"]
    if report.get("user_message"):
        update["reasons"] = [*state.get("reasons", []), report["user_message"]]
    return update


def _numbered_sources(hits: list[dict[str, Any]], citations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sources as the draft numbers them: an LLM's draft cites the prompt's numbering (hit order), the
    extractive answer numbers citations in order of first use. Each citation says which chunk its number
    stands for, so ``[n]`` is checked against the passage it really quotes."""
    by_number = {n: h for n, h in enumerate(hits, start=1)}
    by_chunk = {h["chunk_id"]: h for h in hits}
    by_number.update({c["n"]: by_chunk[c["chunk_id"]] for c in citations if c.get("chunk_id") in by_chunk})
    return [{"n": n, "text": h["text"], "source": h["source"]} for n, h in sorted(by_number.items())]


def deliver(state: State) -> dict[str, Any]:
    return {"decision": "answered"}


def hand_over(state: State) -> dict[str, Any]:
    return {"decision": "handed_over", "reasons": state.get("reasons") or ["the evidence is too weak"]}


def refuse(state: State) -> dict[str, Any]:
    return {"decision": "refused", "reasons": state.get("reasons") or ["the request is not allowed"]}


def finish(state: State, runtime: Runtime[KeelContext]) -> dict[str, Any]:
    """Assemble the turn's result and remember the turn in the thread's history."""
    result = build_result(state)
    turn = {
        "question": result.question,
        "standalone": state.get("standalone") or result.question,
        "answer": result.answer,
        "decision": result.decision,
        "sources": [c.chunk_id for c in result.citations],
    }
    history = [*state.get("history", []), turn][-runtime.context.max_history :]
    return {"result": result.to_json(), "history": history}


# -- routing -----------------------------------------------------------------------------------------
def route_after_input(state: State) -> str:
    return {"refuse": "refuse", "hand_over": "hand_over"}.get(state["pending_action"], "in_thread")


def route_after_judge(state: State, runtime: Runtime[KeelContext]) -> str:
    """Strong evidence is drafted from. With a model configured, weak but on-topic evidence goes to the
    model too (it answers or says NO_ANSWER); only evidence below ``llm_min_confidence`` (off-topic)
    skips it. Without a model, weak evidence is handed over."""
    judgement, ctx = state["judgement"], runtime.context
    if judgement.get("sufficient"):
        return "draft"
    floor = LLM_MIN_CONFIDENCE if ctx.llm_min_confidence is None else ctx.llm_min_confidence
    return "draft" if ctx.llm is not None and judgement.get("confidence", 0.0) >= floor else "hand_over"


def route_after_draft(state: State) -> str:
    return "hand_over" if state["pending_action"] == "hand_over" else "check_output"


def route_after_output(state: State) -> str:
    return {"refuse": "refuse", "hand_over": "hand_over"}.get(state["pending_action"], "deliver")


# -- helpers -----------------------------------------------------------------------------------------
def _route_for(action: str) -> str:
    return action if action in ("refuse", "hand_over") else "continue"


def _judgement_to_state(judgement: Any) -> dict[str, Any]:
    return {
        "sufficient": judgement.sufficient,
        "confidence": float(judgement.confidence),
        "reasons": list(judgement.reasons),
        "question_type": judgement.question_type,
        "evidence": [
            {"chunk_id": e.hit.chunk_id, "sentence": e.sentence, "score": float(e.score), "keyed": e.keyed}
            for e in judgement.evidence
        ],
    }


def _extractive_draft(state: State) -> dict[str, Any]:
    by_id = {h["chunk_id"]: Hit(**h) for h in state["hits"]}
    j = state["judgement"]
    judgement = Judgement(
        sufficient=j["sufficient"],
        confidence=j["confidence"],
        evidence=[
            Evidence(by_id[e["chunk_id"]], e["sentence"], e["score"], e.get("keyed", False)) for e in j["evidence"]
        ],
        reasons=j["reasons"],
        question_type=j["question_type"],
    )
    answer, citations = compose_answer(state["standalone"], judgement, passages=list(by_id.values()))
    return {
        "answer": answer,
        "citations": [c.__dict__ for c in citations],
        "confidence": j["confidence"],
        "model": "extractive",
        "route": "extractive",
        "fallback": False,
    }


def build_result(state: State) -> TurnResult:
    decision = state["decision"]
    draft_ = state.get("draft") or {}
    reasons = list(dict.fromkeys(state.get("reasons", [])))
    if decision == "answered":
        answer = draft_["answer"]
        if draft_.get("fallback"):
            answer += "\n\n" + fallback_note(draft_.get("fallback_kind", ""))
    elif decision == "handed_over":
        answer = HAND_OVER_TEXT
    else:
        answer = reasons[0] if reasons else REFUSE_TEXT
    cited = {c["chunk_id"] for c in draft_.get("citations", [])} if decision == "answered" else set()
    return TurnResult(
        decision=decision,  # type: ignore[arg-type]
        answer=answer,
        citations=[Citation(**c) for c in draft_.get("citations", [])] if decision == "answered" else [],
        confidence=float(draft_.get("confidence", state.get("judgement", {}).get("confidence", 0.0))),
        reasons=reasons,
        model=draft_.get("model", "extractive"),
        route=draft_.get("route", "extractive" if state.get("hits") else "none"),
        timings_ms=dict(state.get("timings_ms", {})),
        question=state.get("safe_question", ""),
        standalone_question=state.get("standalone", ""),
        searched=list(state.get("queries", [])),
        verdicts=[GuardVerdict(**v) for v in state.get("verdicts", [])],
        retrieved=[
            {
                "chunk_id": h["chunk_id"],
                "source": h["source"],
                "score": h["score"],
                "rank": rank,
                "cited": h["chunk_id"] in cited,
            }
            for rank, h in enumerate(state.get("hits", []), start=1)
        ],
        fallback=bool(draft_.get("fallback")),
        draft=draft_.get("answer", "") if decision == "handed_over" else "",
    )


# -- wiring ------------------------------------------------------------------------------------------
def build_graph() -> StateGraph:
    builder = StateGraph(State, context_schema=KeelContext, input_schema=InputState)
    builder.add_node("begin", begin)
    builder.add_node("check_input", check_input)
    builder.add_node("in_thread", read_in_thread)
    builder.add_node("retrieve", retrieve)
    builder.add_node("judge", judge)
    builder.add_node("draft", draft)
    builder.add_node("check_output", check_output)
    builder.add_node("deliver", deliver)
    builder.add_node("hand_over", hand_over)
    builder.add_node("refuse", refuse)
    builder.add_node("finish", finish)

    builder.add_edge(START, "begin")
    builder.add_edge("begin", "check_input")
    builder.add_conditional_edges("check_input", route_after_input, ["in_thread", "refuse", "hand_over"])
    builder.add_edge("in_thread", "retrieve")
    builder.add_edge("retrieve", "judge")
    builder.add_conditional_edges("judge", route_after_judge, ["draft", "hand_over"])
    builder.add_conditional_edges("draft", route_after_draft, ["check_output", "hand_over"])
    builder.add_conditional_edges("check_output", route_after_output, ["deliver", "refuse", "hand_over"])
    for end in ("deliver", "hand_over", "refuse"):
        builder.add_edge(end, "finish")
    builder.add_edge("finish", END)
    return builder
