"""The answer graph: a deterministic state machine around a (possibly absent) language model.

    begin → check_input ─┬─ in_thread → retrieve → judge ┬─ draft ─┬─ check_output ─┬─ deliver ─┐
                         ├─ refuse ───────────────────────┼─────────┼────────────────┼─ refuse ──┼─ finish
                         └─ hand_over ────────────────────┴─────────┴────────────────┴─ hand_over┘

This module only wires the graph. The state is :mod:`graphs.state`, the nodes (plain functions
returning partial state) are :mod:`graphs.nodes`, the routing functions :mod:`graphs.routing`; settings
and dependencies come from ``runtime.context`` (:class:`graphs.context.KeelContext`).
"""

from __future__ import annotations

from langgraph.graph import END, START, StateGraph

from graphs import nodes
from graphs.context import KeelContext
from graphs.routing import route_after_draft, route_after_input, route_after_judge, route_after_output
from graphs.state import InputState, State


def build_graph() -> StateGraph[State, KeelContext, InputState, State]:
    builder = StateGraph(State, context_schema=KeelContext, input_schema=InputState)
    builder.add_node("begin", nodes.begin)
    builder.add_node("check_input", nodes.check_input)
    builder.add_node("in_thread", nodes.read_in_thread)
    builder.add_node("retrieve", nodes.retrieve)
    builder.add_node("judge", nodes.judge)
    builder.add_node("draft", nodes.draft)
    builder.add_node("check_output", nodes.check_output)
    builder.add_node("deliver", nodes.deliver)
    builder.add_node("hand_over", nodes.hand_over)
    builder.add_node("refuse", nodes.refuse)
    builder.add_node("finish", nodes.finish)

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
