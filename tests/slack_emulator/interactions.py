"""Interactive payloads (block_actions, view_submission) and slash commands, as Bolt receives them."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from . import ids

_hook_numbers = itertools.count(1)


class InteractionPayloads:
    def __init__(self, response_url_base: str | None = None) -> None:
        self.response_url_base = response_url_base  # None: a Slack-looking URL nothing listens on

    def _response_url(self, kind: str) -> str:
        if self.response_url_base:
            return f"{self.response_url_base}{uuid.uuid4().hex}"
        return f"https://hooks.slack.com/{kind}/{ids.TEAM_ID}/{next(_hook_numbers)}/{uuid.uuid4().hex[:24]}"

    @staticmethod
    def _user(user: str) -> dict[str, Any]:
        name = user.lower()
        return {"id": user, "username": name, "name": name, "team_id": ids.TEAM_ID}

    def block_action(
        self,
        action_id: str,
        value: str,
        user: str,
        channel: str,
        message_ts: str,
        thread_ts: str | None = None,
        trigger_id: str | None = None,
        block_id: str | None = None,
        action_type: str = "button",
        text: str = "Button",
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A click on an element of a message the bot posted (``message``: that message, if known)."""
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        if message is None:
            message = {
                "type": "message",
                "user": ids.BOT_USER_ID,
                "bot_id": ids.BOT_ID,
                "text": "",
                "ts": message_ts,
                "team": ids.TEAM_ID,
                "blocks": [],
            }
            if thread_ts:
                message["thread_ts"] = thread_ts
        action = {
            "action_id": action_id,
            "block_id": block_id or ids.new_id("", 5),
            "value": value,
            "type": action_type,
            "action_ts": f"{time.time():.6f}",
            "text": {"type": "plain_text", "text": text, "emoji": True},
        }
        return {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": ids.APP_ID,
            "token": ids.VERIFICATION_TOKEN,
            "container": container,
            "trigger_id": trigger_id or ids.new_trigger_id(),
            "team": {"id": ids.TEAM_ID, "domain": ids.TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {
                "id": channel,
                "name": "directmessage" if channel.startswith("D") else channel.lower(),
            },
            "message": message,
            "state": {"values": {}},
            "response_url": self._response_url("actions"),
            "actions": [action],
        }

    def feedback_buttons_action(
        self,
        action_id: str,
        value: str,
        user: str,
        channel: str,
        message_ts: str,
        thread_ts: str | None = None,
        trigger_id: str | None = None,
        block_id: str | None = None,
        text: str = "👍",
        message: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A click on a feedback_buttons element (in a context_actions block): ``value`` is the value of
        the button clicked (positive_button's or negative_button's) and ``text`` its label."""
        return self.block_action(
            action_id,
            value,
            user,
            channel,
            message_ts,
            thread_ts,
            trigger_id,
            block_id,
            action_type="feedback_buttons",
            text=text,
            message=message,
        )

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        private_metadata: str = "",
        user: str = "U0ALICE",
        view_id: str | None = None,
        trigger_id: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        title: str = "Keel",
    ) -> dict[str, Any]:
        """A modal submitted. ``values``: {block_id: {action_id: value}}; a plain string value becomes a
        plain_text_input's state, a dict is used as the element's state as given."""
        state = {
            block_id: {
                action_id: v if isinstance(v, dict) else {"type": "plain_text_input", "value": v}
                for action_id, v in actions.items()
            }
            for block_id, actions in values.items()
        }
        view_id = view_id or ids.new_id("V")
        view = {
            "id": view_id,
            "team_id": ids.TEAM_ID,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": ids.APP_ID,
            "external_id": "",
            "app_installed_team_id": ids.TEAM_ID,
            "bot_id": ids.BOT_ID,
        }
        return {
            "type": "view_submission",
            "team": {"id": ids.TEAM_ID, "domain": ids.TEAM_DOMAIN},
            "user": self._user(user),
            "api_app_id": ids.APP_ID,
            "token": ids.VERIFICATION_TOKEN,
            "trigger_id": trigger_id or ids.new_trigger_id(),
            "view": view,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }

    def slash_command(
        self,
        command: str,
        text: str,
        user: str,
        channel: str,
        trigger_id: str | None = None,
        user_name: str | None = None,
        channel_name: str | None = None,
    ) -> dict[str, Any]:
        """A slash command's fields (form-encoded over HTTP, an object over Socket Mode)."""
        return {
            "token": ids.VERIFICATION_TOKEN,
            "team_id": ids.TEAM_ID,
            "team_domain": ids.TEAM_DOMAIN,
            "channel_id": channel,
            "channel_name": channel_name or ("directmessage" if channel.startswith("D") else channel.lower()),
            "user_id": user,
            "user_name": user_name or user.lower(),
            "command": command if command.startswith("/") else f"/{command}",
            "text": text,
            "api_app_id": ids.APP_ID,
            "is_enterprise_install": "false",
            "response_url": self._response_url("commands"),
            "trigger_id": trigger_id or ids.new_trigger_id(),
        }
