"""@Keel in a channel: answer in the message's thread."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.runtime import KeelRuntime
from bot.triage import from_a_person, thread_of


def handle_app_mention(body: dict[str, Any], event: dict[str, Any], keel: KeelRuntime, client: WebClient) -> None:
    # Events are acked by Bolt before this runs; another bot mentioning Keel is not a question.
    if from_a_person(event):
        keel.take(body, event, client, thread_ts=thread_of(event))
