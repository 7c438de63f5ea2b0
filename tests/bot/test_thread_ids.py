"""One format for a Slack thread's id: the log's rows, hand-overs and the graph's memory all key on it."""

from __future__ import annotations

from bot.service import Question
from bot.store.turns import thread_id_for
from bot.thread_ids import slack_thread_id


def test_a_slack_thread_has_the_id_stored_in_existing_logs_and_checkpoints() -> None:
    # Changing it would cut every open thread off from its memory and its pending hand-over.
    assert slack_thread_id("C0HELP", "1700000000.000100") == "slack:C0HELP:1700000000.000100"
    assert Question("q", "U1", "C0HELP", "1700000000.000100").thread_id == "slack:C0HELP:1700000000.000100"
    assert thread_id_for("C0HELP", "1700000000.000100", "t1") == "slack:C0HELP:1700000000.000100"
    assert thread_id_for("C0HELP", None, "t1") == "local:t1"  # not in a thread: one per turn
