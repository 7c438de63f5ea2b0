"""Drafting the answer (extractive, or a model's with the extractive answer as its fallback) and
checking the draft with the output guard."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.drafting import DraftFailure, draft_with_model, is_complex
from graphs.extractive import compose_answer
from graphs.nodes.base import Update, route_for, timed
from graphs.result import Citation, GuardVerdict
from graphs.state import Draft, State
from knowledge.types import Hit

if TYPE_CHECKING:
    from graphs.guards.types import NumberedSource


@timed("draft")
def draft(state: State, runtime: Runtime[KeelContext]) -> Update:
    ctx = runtime.context
    question = state["standalone"]
    llm = ctx.llm
    if llm is None:
        return {"draft": extractive_draft(state)}
    sources = [h.to_json() for h in state["hits"]]  # the prompt's numbered sources
    strong = ctx.strong_llm if ctx.strong_llm is not None and is_complex(question, sources) else None
    model, name = (llm, ctx.llm_name) if strong is None else (strong, ctx.strong_llm_name)
    route = "llm" if strong is None else "llm-strong"
    channel = state.get("channel")
    try:
        attribute = partial(ctx.attribute, channel=channel)
        answer = draft_with_model(
            model, question, sources, name=name, limits=ctx.llm_limits, attribute=attribute, tone=ctx.tone(channel)
        )
    except DraftFailure as failure:
        return _fallback(state, failure, route)
    if answer is None:  # the extractive draft goes to the people the question is handed to, marked unverified
        return {
            "draft": replace(extractive_draft(state), model=name, route=route),
            "pending_action": "hand_over",
            "reasons": ["the model found no answer in the passages"],
        }
    judgement = state["judgement"]
    assert judgement is not None  # the judge runs before every draft
    reasons = []
    if not judgement.sufficient:
        reasons.append(f"{name} answered from evidence the judge found weak (confidence {judgement.confidence:.2f})")
    if dropped := answer.get("dropped", 0):
        reasons.append(f"{dropped} sentence(s) of the model's answer that no source supports were left out")
    citations = [Citation(**c) for c in answer["citations"]]
    written = Draft(answer["answer"], citations, judgement.confidence, model=name, route=route)
    return {"draft": written, "reasons": reasons}


def _fallback(state: State, failure: DraftFailure, route: str) -> Update:
    """The model's draft cannot be used: the extractive answer stands in, marked, when the evidence is
    strong enough to answer from alone; weak evidence (it went to the model only) is handed over."""
    fallback = replace(extractive_draft(state), fallback=True, fallback_kind=failure.kind, route=f"{route}-fallback")
    judgement = state["judgement"]
    if judgement is not None and judgement.sufficient:
        return {"draft": fallback, "reasons": [f"{failure.reason}; answered from the passages instead"]}
    reason = f"{failure.reason}; the passages are too weak to answer from without it"
    return {"draft": fallback, "pending_action": "hand_over", "reasons": [reason]}


def extractive_draft(state: State) -> Draft:
    """The answer put together from the judged evidence, quoting the passages it cites."""
    judgement = state["judgement"]
    assert judgement is not None  # the judge runs before every draft
    passages = list({h.chunk_id: h for h in state["hits"]}.values())
    answer, citations = compose_answer(state["standalone"], judgement, passages=passages)
    return Draft(answer, list(citations), judgement.confidence)


@timed("check_output")
def check_output(state: State, runtime: Runtime[KeelContext]) -> Update:
    written = state["draft"]
    assert written is not None  # check_output follows a draft
    sources = numbered_sources(state["hits"], written.citations)
    report = runtime.context.check_output(
        written.answer, sources, question=state["standalone"], channel=state.get("channel")
    )
    text = report["text"]
    citations = [c for c in written.citations if f"[{c.n}]" in text]
    action = route_for(report["action"])
    update: Update = {
        "draft": replace(written, answer=text, citations=citations),
        "verdicts": [GuardVerdict(**{**v, "stage": "output"}) for v in report["verdicts"]],
        "pending_action": action,
    }
    if action == "continue" and not citations:  # a fix removed every supported sentence
        update["pending_action"] = "hand_over"
        update["reasons"] = ["no sentence of the draft was supported by the sources"]
    if report.get("user_message"):  # what the guard tells the asker is the reason given (not both)
        update["reasons"] = [report["user_message"]]
    return update


def numbered_sources(hits: list[Hit], citations: list[Citation]) -> list[NumberedSource]:
    """The sources as the draft numbers them: an LLM's draft cites the prompt's numbering (hit order), the
    extractive answer numbers citations in order of first use. Each citation says which chunk its number
    stands for, so ``[n]`` is checked against the passage it really quotes."""
    by_number = {n: h for n, h in enumerate(hits, start=1)}
    by_chunk = {h.chunk_id: h for h in hits}
    by_number.update({c.n: by_chunk[c.chunk_id] for c in citations if c.chunk_id in by_chunk})
    return [{"n": n, "text": h.text, "source": h.source} for n, h in sorted(by_number.items())]
