from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.message import handle_message


def register(app: App) -> None:
    app.event("app_mention")(handle_app_mention)
    # Every message event, subtypes included: an unhandled event would be answered 404 and redelivered.
    app.event("message")(handle_message)
