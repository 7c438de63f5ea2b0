from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.listeners.actions.ask_human import handle_ask_human
from bot.listeners.actions.feedback import handle_feedback


def register(app: App) -> None:
    app.action(ids.FEEDBACK)(handle_feedback)
    app.action(ids.ASK_HUMAN)(handle_ask_human)
