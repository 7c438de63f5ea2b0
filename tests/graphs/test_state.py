"""The graph's typed state on the real SQLite checkpointer: a thread comes back after a restart with its
typed fields, per-turn reasons and verdicts do not leak into the next turn, and a thread written before
the state was typed (plain dict blobs) still takes a follow-up."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import END, START, StateGraph

from config.settings import Settings, get_settings
from graphs.agent import Agent
from graphs.checkpoint import open_checkpointer
from graphs.evidence import Judgement
from graphs.result import GuardVerdict, TurnResult
from graphs.state import Draft
from graphs.thread import Query
from knowledge.base import KnowledgeBase
from knowledge.types import Hit

THREAD = "slack:C1:1700000000.000900"


def stored_state(settings: Settings, thread_id: str) -> dict[str, Any]:
    """The thread's state as a new process reads it from the checkpoint file."""
    checkpointer = open_checkpointer(settings.checkpoint_path)
    try:
        return checkpointer.get_tuple({"configurable": {"thread_id": thread_id}}).checkpoint["channel_values"]
    finally:
        checkpointer.conn.close()


def test_the_typed_state_is_stored_and_a_restarted_process_continues_the_thread(kb: KnowledgeBase) -> None:
    settings = get_settings()
    first = Agent.from_settings(settings, kb=kb)
    assert first.ask("How many vacation days do employees get?", thread_id=THREAD).decision == "answered"
    first.checkpointer.conn.close()  # the process ends: nothing stays open

    stored = stored_state(settings, THREAD)
    assert isinstance(stored["judgement"], Judgement) and stored["judgement"].sufficient
    assert all(isinstance(h, Hit) for h in stored["hits"]) and stored["hits"]
    assert all(isinstance(q, Query) for q in stored["queries"])
    assert isinstance(stored["draft"], Draft) and "25" in stored["draft"].answer
    assert all(isinstance(v, GuardVerdict) for v in stored["verdicts"])
    assert isinstance(stored["result"], TurnResult) and stored["result"].decision == "answered"
    assert stored["history"][-1]["question"] == "How many vacation days do employees get?"

    restarted = Agent.from_settings(settings, kb=kb)
    try:
        follow_up = restarted.ask("and for contractors?", thread_id=THREAD)
    finally:
        restarted.checkpointer.conn.close()
    assert follow_up.decision == "answered" and "15" in follow_up.answer
    assert "vacation" in follow_up.standalone_question.lower()
    assert [t["question"] for t in stored_state(settings, THREAD)["history"]] == [
        "How many vacation days do employees get?",
        "and for contractors?",
    ]


def one_verdict(text: str, **_: Any) -> dict[str, Any]:
    verdict = {"check": "probe", "passed": True, "action": "pass", "reason": "", "ms": 0.1}
    return {"action": "pass", "text": text, "verdicts": [verdict], "user_message": None}


def test_reasons_verdicts_and_timings_belong_to_their_own_turn(kb: KnowledgeBase) -> None:
    agent = Agent.from_settings(get_settings(), kb=kb, check_input=one_verdict)
    handed_over = agent.ask("What is the company car policy for sales staff?", thread_id=THREAD)
    answered = agent.ask("How long is parental leave?", thread_id=THREAD)
    assert handed_over.decision == "handed_over" and handed_over.reasons
    assert answered.decision == "answered" and answered.reasons == []  # the reducer was reset, not appended to
    assert [v.check for v in answered.verdicts if v.stage == "input"] == ["probe"]
    assert answered.timings_ms["judge"] < 60_000 and set(answered.timings_ms) >= {"check_input", "judge", "draft"}


class PreviousState(TypedDict, total=False):
    """The state as Keel stored it before it was typed: every working field a plain dict or list."""

    question: str
    history: list[dict[str, Any]]
    safe_question: str
    standalone: str
    queries: list[dict[str, Any]]
    hits: list[dict[str, Any]]
    judgement: dict[str, Any]
    draft: dict[str, Any]
    decision: str
    reasons: list[str]
    verdicts: list[dict[str, Any]]
    timings_ms: dict[str, float]
    pending_action: str
    result: dict[str, Any]


QUESTION = "How many vacation days do employees get?"
ANSWER = "Employees get 25 vacation days per calendar year. [1]"
HIT = {
    "chunk_id": "7c9d50b728a2714ba89eb631",
    "text": "Employees get 25 vacation days per calendar year. Contractors get 15 vacation days.",
    "source": "/kb/leave.md",
    "title": "Leave policy",
    "section": "Vacation",
    "collection": "default",
    "score": 1.0,
    "dense_score": 0.75,
    "dense_rank": 1,
    "bm25_rank": 1,
    "flags": "",
}
CITATION = {
    "n": 1,
    "source": "/kb/leave.md",
    "title": "Leave policy",
    "section": "Vacation",
    "chunk_id": HIT["chunk_id"],
}
VERDICT = {"check": "pii", "passed": True, "action": "pass", "reason": "", "ms": 0.4, "stage": "input"}


def previous_turn(state: PreviousState) -> dict[str, Any]:
    """One turn as the dict-blob graph stored it (field shapes copied from a checkpoint it wrote)."""
    return {
        "history": [{"question": QUESTION, "standalone": QUESTION, "answer": ANSWER, "decision": "answered"}],
        "safe_question": QUESTION,
        "standalone": QUESTION,
        "queries": [{"query": QUESTION, "weight": 1.0, "why": "the question as asked"}],
        "hits": [HIT],
        "judgement": {
            "sufficient": True,
            "confidence": 0.95,
            "reasons": [],
            "question_type": "number",
            "evidence": [{"chunk_id": HIT["chunk_id"], "sentence": ANSWER[:-4], "score": 1.1, "keyed": False}],
        },
        "draft": {"answer": ANSWER, "citations": [{**CITATION, "score": 1.0}], "confidence": 0.95, "fallback": False},
        "decision": "answered",
        "reasons": ["a reason from the previous turn"],
        "verdicts": [VERDICT],
        "timings_ms": {"judge": 12.5},
        "pending_action": "continue",
        "result": {"decision": "answered", "answer": ANSWER, "citations": [{**CITATION, "score": 1.0}]},
    }


def test_a_thread_stored_as_dict_blobs_before_the_upgrade_takes_a_follow_up(kb: KnowledgeBase) -> None:
    settings = get_settings()
    checkpointer = open_checkpointer(settings.checkpoint_path)
    builder = StateGraph(PreviousState)
    builder.add_node("turn", previous_turn)
    builder.add_edge(START, "turn")
    builder.add_edge("turn", END)
    builder.compile(checkpointer=checkpointer).invoke({"question": QUESTION}, {"configurable": {"thread_id": THREAD}})
    checkpointer.conn.close()

    upgraded = Agent.from_settings(settings, kb=kb, check_input=one_verdict)
    try:
        follow_up = upgraded.ask("and for contractors?", thread_id=THREAD)
        history = upgraded.history(THREAD)
    finally:
        upgraded.checkpointer.conn.close()
    assert follow_up.decision == "answered" and "15" in follow_up.answer
    assert "vacation" in follow_up.standalone_question.lower()  # read with the remembered turn
    assert "a reason from the previous turn" not in follow_up.reasons
    assert [v.check for v in follow_up.verdicts if v.stage == "input"] == ["probe"]  # not the stored "pii"
    assert [t["question"] for t in history] == [QUESTION, "and for contractors?"]
