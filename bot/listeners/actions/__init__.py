from __future__ import annotations

from slack_bolt import App

from bot import ids
from bot.listeners.actions.ask_human import handle_ask_human
from bot.listeners.actions.feedback import handle_feedback
from bot.listeners.actions.handover import handle_accept_offer, handle_mark_resolved
from bot.listeners.actions.learning import (
    handle_add_to_knowledge,
    handle_remove_from_knowledge,
    handle_share_learned,
)


def register(app: App) -> None:
    app.action(ids.FEEDBACK)(handle_feedback)
    app.action(ids.ASK_HUMAN)(handle_ask_human)
    app.action(ids.MARK_RESOLVED)(handle_mark_resolved)
    app.action(ids.ACCEPT_HUMAN_OFFER)(handle_accept_offer)
    app.action(ids.ADD_TO_KNOWLEDGE)(handle_add_to_knowledge)
    app.action(ids.REMOVE_FROM_KNOWLEDGE)(handle_remove_from_knowledge)
    app.action(ids.SHARE_LEARNED)(handle_share_learned)
