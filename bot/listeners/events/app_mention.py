"""@Keel in a channel: answer in the message's thread."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.triage import from_a_person, thread_of


def handle_app_mention(body: dict[str, Any], event: dict[str, Any], context: BoltContext, client: WebClient) -> None:
    # Events are acked by Bolt before this runs; another bot mentioning Keel is not a question.
    if from_a_person(event):
        context["keel"].take(body, event, client, thread_ts=thread_of(event))
