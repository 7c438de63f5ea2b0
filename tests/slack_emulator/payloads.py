"""Builders for the payloads Slack sends an app, in the shapes Slack uses (see docs.slack.dev).

Events come wrapped in their ``event_callback`` envelope (event_id, team_id, api_app_id, event_time,
authorizations); interactive payloads and slash commands are the bodies Bolt receives. The same dicts
go over HTTP (``sign_and_post``) or Socket Mode (``SlackEmulator.socket_send``).

Use ``emulator.payloads.<builder>`` in tests: its response_url points at the emulator, so Bolt's
``respond()`` is recorded instead of leaving the machine. The module-level functions use a Slack-looking
response_url and suit pure tests.
"""

from __future__ import annotations

from typing import Any

from .events import EventPayloads, dm_channel, rich_text
from .interactions import InteractionPayloads

__all__ = [
    "Payloads",
    "assistant_thread_started",
    "block_action",
    "dm_channel",
    "envelope_type_for",
    "event_app_mention",
    "event_callback",
    "event_message_channel",
    "event_message_im",
    "feedback_buttons_action",
    "reaction_added",
    "rich_text",
    "slash_command",
    "url_verification",
    "view_submission",
]


def envelope_type_for(payload: dict[str, Any]) -> str:
    """The Socket Mode envelope type Slack uses for this payload."""
    if payload.get("type") == "event_callback":
        return "events_api"
    return "slash_commands" if "command" in payload else "interactive"


class Payloads(EventPayloads, InteractionPayloads):
    """All the builders; ``response_url_base`` is where response_urls in interactive payloads point."""


_default = Payloads()
event_callback = _default.event_callback
event_app_mention = _default.event_app_mention
event_message_im = _default.event_message_im
event_message_channel = _default.event_message_channel
assistant_thread_started = _default.assistant_thread_started
reaction_added = _default.reaction_added
url_verification = _default.url_verification
block_action = _default.block_action
feedback_buttons_action = _default.feedback_buttons_action
view_submission = _default.view_submission
slash_command = _default.slash_command
