from __future__ import annotations

from slack_bolt import App

from bot.listeners.events.app_home import handle_app_home_opened
from bot.listeners.events.app_mention import handle_app_mention
from bot.listeners.events.files import handle_file_share, handle_file_shared, is_file_share_in_dm
from bot.listeners.events.message import handle_message
from bot.listeners.events.reactions import handle_reaction


def register(app: App) -> None:
    app.event("app_mention")(handle_app_mention)
    # Before the catch-all message listener: Bolt runs the first listener that matches.
    app.event({"type": "message", "subtype": "file_share"}, matchers=[lambda event: is_file_share_in_dm(event)])(
        handle_file_share
    )
    # Every message event, subtypes included: an unhandled event would be answered 404 and redelivered.
    app.event("message")(handle_message)
    app.event("reaction_added")(handle_reaction)
    app.event("reaction_removed")(handle_reaction)
    app.event("app_home_opened")(handle_app_home_opened)
    app.event("file_shared")(handle_file_shared)
