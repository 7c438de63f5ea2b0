"""Events API payloads as Slack delivers them: each event wrapped in its ``event_callback`` envelope."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from . import ids

MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")


def rich_text(text: str) -> list[dict[str, Any]]:
    """The rich_text block Slack's client attaches to a typed message (mentions become user elements)."""
    elements: list[dict[str, Any]] = []
    position = 0
    for match in MENTION.finditer(text):
        if match.start() > position:
            elements.append({"type": "text", "text": text[position : match.start()]})
        elements.append({"type": "user", "user_id": match.group(1)})
        position = match.end()
    if position < len(text):
        elements.append({"type": "text", "text": text[position:]})
    section = {"type": "rich_text_section", "elements": elements}
    return [{"type": "rich_text", "block_id": ids.new_id("", 5), "elements": [section]}]


def dm_channel(user: str) -> str:
    """The id of the bot's DM with ``user`` (the emulator maps a user id to the same channel)."""
    return "D" + user[1:]


class EventPayloads:
    def event_callback(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """Wrap an event as Slack delivers it."""
        channel = event.get("channel") or event.get("item", {}).get("channel") or ""
        return {
            "token": ids.VERIFICATION_TOKEN,
            "team_id": ids.TEAM_ID,
            "context_team_id": ids.TEAM_ID,
            "context_enterprise_id": None,
            "api_app_id": ids.APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or ids.new_event_id(),
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": ids.TEAM_ID,
                    "user_id": ids.BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{event['type']}-{ids.TEAM_ID}-{channel}",
        }

    def _typed_message(
        self, kind: str, text: str, user: str, channel: str, ts: str | None, thread_ts: str | None
    ) -> dict:
        ts = ts or ids.next_ts()
        event: dict[str, Any] = {
            "type": kind,
            "client_msg_id": str(uuid.uuid4()),
            "text": text,
            "user": user,
            "ts": ts,
            "team": ids.TEAM_ID,
            "blocks": rich_text(text),
            "channel": channel,
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return event

    def event_app_mention(
        self,
        text: str,
        user: str,
        channel: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """An app_mention; the bot's mention is put before ``text`` when missing (Slack's always has it)."""
        if f"<@{ids.BOT_USER_ID}>" not in text:
            text = f"<@{ids.BOT_USER_ID}> {text}"
        return self.event_callback(self._typed_message("app_mention", text, user, channel, ts, thread_ts), event_id)

    def event_message_im(
        self,
        text: str,
        user: str,
        channel: str | None = None,
        ts: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """A message in the bot's DM with ``user`` (also how assistant-thread messages arrive)."""
        event = self._typed_message("message", text, user, channel or dm_channel(user), ts, thread_ts)
        event["channel_type"] = "im"
        return self.event_callback(event, event_id)

    def event_message_channel(
        self,
        text: str,
        user: str,
        channel: str,
        ts: str | None = None,
        thread_ts: str | None = None,
        event_id: str | None = None,
        subtype: str | None = None,
        previous_text: str = "",
        bot_id: str = "B0OTHERBOT",
        channel_type: str = "channel",
    ) -> dict[str, Any]:
        """A message.channels event. ``subtype``: None, "bot_message", "message_changed" (``text`` is the
        new text, ``previous_text`` the old, ``ts`` the edited message's) or "message_deleted" (``ts`` is
        the deleted message's)."""
        if subtype is None:
            event = self._typed_message("message", text, user, channel, ts, thread_ts)
        elif subtype == "bot_message":
            ts = ts or ids.next_ts()
            event = {
                "type": "message",
                "subtype": "bot_message",
                "text": text,
                "ts": ts,
                "bot_id": bot_id,
                "username": "other-bot",
                "channel": channel,
                "event_ts": ts,
            }
            if thread_ts:
                event["thread_ts"] = thread_ts
        elif subtype in ("message_changed", "message_deleted"):
            event = self._edit_event(subtype, text, user, channel, ts, thread_ts, previous_text)
        else:
            raise ValueError(f"unsupported message subtype {subtype!r}")
        event["channel_type"] = channel_type
        return self.event_callback(event, event_id)

    @staticmethod
    def _edit_event(
        subtype: str,
        text: str,
        user: str,
        channel: str,
        ts: str | None,
        thread_ts: str | None,
        previous_text: str,
    ) -> dict[str, Any]:
        if ts is None:
            raise ValueError(f"{subtype} needs the ts of the message it changes")
        now = ids.next_ts()
        previous = {"type": "message", "user": user, "text": previous_text, "ts": ts, "team": ids.TEAM_ID}
        if thread_ts:
            previous["thread_ts"] = thread_ts
        event: dict[str, Any] = {
            "type": "message",
            "subtype": subtype,
            "hidden": True,
            "channel": channel,
            "ts": now,
            "event_ts": now,
            "previous_message": previous,
        }
        if subtype == "message_changed":
            event["message"] = {
                **previous,
                "text": text,
                "blocks": rich_text(text),
                "edited": {"user": user, "ts": now},
            }
        else:
            event["deleted_ts"] = ts
        return event

    def assistant_thread_started(
        self,
        user: str,
        channel: str | None = None,
        thread_ts: str | None = None,
        context_channel: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        """The user opened the assistant container (a new thread in their DM with the bot)."""
        context: dict[str, Any] = {"team_id": ids.TEAM_ID, "enterprise_id": None}
        if context_channel:
            context["channel_id"] = context_channel
        thread = {
            "user_id": user,
            "context": context,
            "channel_id": channel or dm_channel(user),
            "thread_ts": thread_ts or ids.next_ts(),
        }
        return self.event_callback(
            {"type": "assistant_thread_started", "assistant_thread": thread, "event_ts": ids.next_ts()},
            event_id,
        )

    def reaction_added(
        self,
        reaction: str,
        user: str,
        item_channel: str,
        item_ts: str,
        item_user: str = ids.BOT_USER_ID,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        event = {
            "type": "reaction_added",
            "user": user,
            "reaction": reaction,
            "item_user": item_user,
            "item": {"type": "message", "channel": item_channel, "ts": item_ts},
            "event_ts": ids.next_ts(),
        }
        return self.event_callback(event, event_id)

    @staticmethod
    def url_verification(challenge: str = "challenge-token") -> dict[str, Any]:
        return {"token": ids.VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
