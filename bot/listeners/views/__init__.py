"""Modal submissions: the 👎 reason modal."""

from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.listeners.views.feedback_reason import handle_feedback_reason


def register(app: App) -> None:
    app.view(ids.FEEDBACK_REASON_VIEW)(handle_feedback_reason)
