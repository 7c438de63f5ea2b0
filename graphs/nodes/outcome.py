"""Ending a turn: the decision (answered, handed over, refused), then the turn's result and its place in
the thread's history."""

from __future__ import annotations

from langgraph.runtime import Runtime

from graphs.context import KeelContext
from graphs.drafting import fallback_note
from graphs.nodes.base import Update
from graphs.nodes.search import WEAK_EVIDENCE
from graphs.result import Decision, TurnResult
from graphs.state import State
from graphs.thread import Turn

HAND_OVER_TEXT = "I couldn't find a reliable answer in our knowledge base, so I'm handing this to a person."
REFUSE_TEXT = "I can't help with that request."
NOT_ALLOWED = "the request is not allowed"
DECISIONS: dict[str, Decision] = {"answered": "answered", "handed_over": "handed_over", "refused": "refused"}


def deliver(state: State) -> Update:
    return {"decision": "answered"}


def hand_over(state: State) -> Update:
    return {"decision": "handed_over", "reasons": [] if state.get("reasons") else [WEAK_EVIDENCE]}


def refuse(state: State) -> Update:
    return {"decision": "refused", "reasons": [] if state.get("reasons") else [NOT_ALLOWED]}


def finish(state: State, runtime: Runtime[KeelContext]) -> Update:
    """Assemble the turn's result and remember the turn in the thread's history."""
    result = build_result(state)
    turn = Turn(
        question=result.question,
        standalone=state.get("standalone") or result.question,
        answer=result.answer,
        decision=result.decision,
        sources=[c.chunk_id for c in result.citations],
    )
    history = [*state.get("history", []), turn][-runtime.context.max_history :]
    return {"result": result, "history": history}


def build_result(state: State) -> TurnResult:
    decision = DECISIONS[state["decision"]]  # every ending node sets one
    written = state.get("draft")
    judgement = state.get("judgement")
    reasons = list(dict.fromkeys(state.get("reasons", [])))
    answered = decision == "answered"
    if answered:
        assert written is not None  # only a checked draft is delivered
        answer = written.answer
        if written.fallback:
            answer += "\n\n" + fallback_note(written.fallback_kind)
    elif decision == "handed_over":
        answer = HAND_OVER_TEXT
    else:
        answer = reasons[0] if reasons else REFUSE_TEXT
    citations = list(written.citations) if answered and written else []
    cited = {c.chunk_id for c in citations}
    hits = state.get("hits", [])
    confidence = written.confidence if written else (judgement.confidence if judgement else 0.0)
    return TurnResult(
        decision=decision,
        answer=answer,
        citations=citations,
        confidence=float(confidence),
        reasons=reasons,
        model=written.model if written else "extractive",
        route=written.route if written else ("extractive" if hits else "none"),
        timings_ms=dict(state.get("timings_ms", {})),
        question=state.get("safe_question", ""),
        standalone_question=state.get("standalone", ""),
        searched=[q.to_json() for q in state.get("queries", [])],
        verdicts=list(state.get("verdicts", [])),
        retrieved=[
            {"chunk_id": h.chunk_id, "source": h.source, "score": h.score, "rank": rank, "cited": h.chunk_id in cited}
            for rank, h in enumerate(hits, start=1)
        ],
        fallback=bool(written and written.fallback),
        draft=written.answer if written and decision == "handed_over" else "",
    )
