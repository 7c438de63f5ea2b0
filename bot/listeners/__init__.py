"""Every Slack listener, registered by kind. Handlers are thin: ack, pick out the question, hand it on.

A handler that needs Keel takes a ``keel: KeelRuntime`` argument: the middleware below puts the runtime
in every request's context under ``keel``, and Bolt passes context values to listeners by name, as it
passes ``client`` or ``ack``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext

from bot.listeners import actions, assistant, commands, events, views
from bot.runtime import KeelRuntime

KEEL = "keel"  # the context key, and so the name of the handlers' argument


def attach_runtime(app: App, keel: KeelRuntime) -> None:
    """Put ``keel`` in every request's context, for the handlers that take it. Call it before
    :func:`register_listeners`: Bolt runs middleware in order, and the assistant's runs listeners."""

    def attach_keel(context: BoltContext, next: Callable[[], Any]) -> Any:  # noqa: A002 - Bolt's name
        context[KEEL] = keel
        return next()

    app.use(attach_keel)


def register_listeners(app: App) -> None:
    assistant.register(app)  # first: it claims assistant-thread messages before the plain message listener
    events.register(app)
    actions.register(app)
    commands.register(app)
    views.register(app)
