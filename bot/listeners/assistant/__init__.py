"""The Slack assistant panel (split view): suggested prompts when a thread opens, answers with a status."""

from __future__ import annotations

from slack_bolt import App, Assistant

from bot.listeners.assistant.thread_started import start_thread
from bot.listeners.assistant.user_message import answer_in_assistant_thread


def register(app: App) -> None:
    assistant = Assistant()
    assistant.thread_started(start_thread)
    assistant.user_message(answer_in_assistant_thread)
    app.use(assistant)
