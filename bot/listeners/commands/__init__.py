from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.listeners.commands.keel_command import handle_keel_command


def register(app: App) -> None:
    app.command(ids.COMMAND)(handle_keel_command)
