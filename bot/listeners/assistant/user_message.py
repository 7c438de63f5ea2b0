"""A question typed in an assistant thread: answered in that thread, progress shown as its status."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.triage import from_a_person


def answer_in_assistant_thread(
    body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient
) -> None:
    if from_a_person(event):
        context["keel"].take(body, event, client, thread_ts=event["thread_ts"], in_assistant_thread=True)
