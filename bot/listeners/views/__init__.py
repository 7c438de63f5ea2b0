"""Modal submissions. None yet: issue 7 registers the 👎 reason modal (``ids.FEEDBACK_REASON_VIEW``) here."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    return None
