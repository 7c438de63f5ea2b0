"""The answer graph's nodes: plain functions of (state, runtime) that return partial state updates.

:mod:`.search` reads the question (input guard, its reading in the thread, retrieval, the judge),
:mod:`.answer` drafts and checks the answer, :mod:`.outcome` ends the turn and builds its result.
"""

from __future__ import annotations

from graphs.nodes.answer import check_output, draft
from graphs.nodes.outcome import build_result, deliver, finish, hand_over, refuse
from graphs.nodes.search import begin, check_input, judge, read_in_thread, retrieve, without_placeholders

__all__ = [
    "begin",
    "build_result",
    "check_input",
    "check_output",
    "deliver",
    "draft",
    "finish",
    "hand_over",
    "judge",
    "read_in_thread",
    "refuse",
    "retrieve",
    "without_placeholders",
]
