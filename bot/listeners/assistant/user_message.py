"""A question typed in an assistant thread: answered in that thread, progress shown as its status."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.runtime import KeelRuntime
from bot.triage import from_a_person


def answer_in_assistant_thread(
    body: dict[str, Any], event: dict[str, Any], keel: KeelRuntime, client: WebClient
) -> None:
    if from_a_person(event):
        keel.take(body, event, client, thread_ts=event["thread_ts"], in_assistant_thread=True)
