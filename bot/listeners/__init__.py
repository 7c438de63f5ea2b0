"""Every Slack listener, registered by kind. Handlers are thin: ack, pick out the question, hand it on."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, assistant, commands, events, views


def register_listeners(app: App) -> None:
    assistant.register(app)  # first: it claims assistant-thread messages before the plain message listener
    events.register(app)
    actions.register(app)
    commands.register(app)
    views.register(app)
