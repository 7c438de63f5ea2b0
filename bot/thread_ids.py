"""The graph's thread id for a Slack thread, built in one place.

Follow-ups in one Slack thread share the answer graph's memory (its checkpointer keys on this id), and
the log's ``threads``, ``turns`` and ``handovers`` rows carry it: every builder must agree, so there is
one. The graphs never build Slack ids themselves (they take the id they are given), so this lives in bot/.
"""

from __future__ import annotations

SLACK_PREFIX = "slack:"


def slack_thread_id(channel: str, thread_ts: str | None) -> str:
    """``slack:{channel}:{thread_ts}``: the id of a Slack thread, as stored and as the graph keys it."""
    return f"{SLACK_PREFIX}{channel}:{thread_ts}"
