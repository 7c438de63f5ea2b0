"""Messages nobody @mentioned Keel in: DMs, follow-ups in Keel's threads, auto-answer channels."""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from bot.listeners.events.handover_reply import resolve_from_reply
from bot.runtime import KeelRuntime
from bot.triage import looks_like_question, message_kind, thread_of


def handle_message(body: dict[str, Any], event: dict[str, Any], keel: KeelRuntime, client: WebClient) -> None:
    kind = message_kind(event, keel.bot_user_id)
    text = event.get("text") or ""
    if kind == "dm":
        keel.take(body, event, client, thread_ts=thread_of(event))
    elif kind == "thread_reply":
        if resolve_from_reply(keel, body, event, client):  # a hand-over's thread: answered, solved or talk
            return
        if (event["channel"], event["thread_ts"]) in keel.threads and looks_like_question(text):
            keel.take(body, event, client, thread_ts=event["thread_ts"])
    elif kind == "top_level" and keel.service.auto_answers(event["channel"]) and looks_like_question(text):
        keel.take(body, event, client, thread_ts=event["ts"])
