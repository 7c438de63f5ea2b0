"""The emulated workspace: tokens, people, channels, files and the messages posted so far.

Everything here is guarded by one re-entrant lock (``Workspace.lock``): the HTTP threads, the Socket
Mode threads and the test thread all read and write it.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from . import ids


class ApiError(Exception):
    """A Slack error answer: {"ok": false, "error": error, **extra}."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass(frozen=True)
class TokenInfo:
    kind: str  # "bot" (xoxb-), "user" (xoxp-) or "app" (xapp-)
    user_id: str | None  # who acts with it (reactions, ...)


def token_kind(token: str) -> str:
    if token.startswith("xapp-"):
        return "app"
    if token.startswith("xoxp-"):
        return "user"
    return "bot"


def text_block(text: str) -> dict[str, Any]:
    """The rich_text block Slack attaches to a message posted with text only."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "block_id": ids.new_id("", 5), "elements": [section]}


@dataclass
class Workspace:
    bot_token: str
    app_token: str
    strict_channels: bool = False  # True: unknown channel ids answer channel_not_found
    lock: threading.RLock = field(default_factory=threading.RLock)
    tokens: dict[str, TokenInfo] = field(default_factory=dict)
    invalid_tokens: set[str] = field(default_factory=set)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    messages: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # channel -> ts -> message
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    # (channel, ts) -> {"state": "streaming" or the error later calls get, recipients, non-text chunks}
    streams: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)  # user id -> view id
    assistant_threads: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    socket_tickets: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.tokens[self.bot_token] = TokenInfo("bot", ids.BOT_USER_ID)
        self.tokens[self.app_token] = TokenInfo("app", None)
        self.add_user(ids.BOT_USER_ID, name=ids.BOT_NAME, is_bot=True)

    # ---- configuration -------------------------------------------------------------------------

    def add_user(self, user_id: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        name = name or user_id.lower()
        real_name = fields.pop("real_name", name.replace(".", " ").title())
        flags = {
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "deleted": False,
        }
        flags.update({k: fields.pop(k) for k in list(fields) if k in flags})
        profile = {
            "real_name": real_name,
            "display_name": name,
            "email": fields.pop("email", None if flags["is_bot"] else f"{name}@example.com"),
            "team": ids.TEAM_ID,
        }
        user = {
            "id": user_id,
            "team_id": ids.TEAM_ID,
            "name": name,
            "real_name": real_name,
            "tz": fields.pop("tz", "Europe/London"),
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": profile,
            **flags,
            "updated": 1700000000,
            **fields,
        }
        if flags["is_bot"]:
            profile["bot_id"] = ids.BOT_ID if user_id == ids.BOT_USER_ID else ids.new_id("B")
        with self.lock:
            self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        is_im = fields.pop("is_im", channel_id.startswith("D"))
        is_private = fields.pop("is_private", channel_id.startswith("G") or is_im)
        channel: dict[str, Any] = {"id": channel_id, "created": 1700000000, "is_im": is_im}
        if is_im:
            channel.update({"is_org_shared": False, "user": fields.pop("user", None), "is_user_deleted": False})
        else:
            name = name or f"channel-{channel_id.lower()}"
            channel.update(
                {
                    "name": name,
                    "name_normalized": name,
                    "is_channel": not is_private,
                    "is_group": is_private,
                    "is_mpim": False,
                    "is_private": is_private,
                    "is_archived": False,
                    "is_general": False,
                    "is_shared": False,
                    "is_ext_shared": False,
                    "is_org_shared": False,
                    "is_member": True,
                    "creator": "U0CREATOR",
                    "topic": {"value": "", "creator": "", "last_set": 0},
                    "purpose": {"value": "", "creator": "", "last_set": 0},
                    "num_members": 2,
                }
            )
        channel.update(fields)
        with self.lock:
            self.channels[channel_id] = channel
        return channel

    def add_usergroup(
        self, usergroup_id: str, handle: str, users: list[str], name: str | None, disabled: bool
    ) -> dict[str, Any]:
        group = {
            "id": usergroup_id,
            "team_id": ids.TEAM_ID,
            "is_usergroup": True,
            "is_subteam": True,
            "name": name or handle.replace("-", " ").title(),
            "description": "",
            "handle": handle,
            "is_external": False,
            "date_create": 1700000000,
            "date_update": 1700000000,
            "date_delete": 1700000001 if disabled else 0,
            "auto_type": None,
            "created_by": "U0CREATOR",
            "updated_by": "U0CREATOR",
            "deleted_by": None,
            "prefs": {"channels": [], "groups": []},
            "users": list(users),
            "user_count": len(users),
        }
        with self.lock:
            self.usergroups.append(group)
        return group

    def add_file(self, url: str, file_id: str, content: bytes, name: str, mimetype: str, user: str) -> dict[str, Any]:
        meta = {
            "id": file_id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1],
            "pretty_type": mimetype,
            "user": user,
            "user_team": ids.TEAM_ID,
            "editable": False,
            "size": len(content),
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": True,
            "public_url_shared": False,
            "url_private": url,
            "url_private_download": f"{url}?download=1",
            "permalink": f"https://{ids.TEAM_DOMAIN}.slack.com/files/{user}/{file_id}/{name}",
        }
        with self.lock:
            self.files[file_id] = (meta, content)
        return meta

    # ---- lookups used by the methods -----------------------------------------------------------

    def channel(self, channel_id: Any) -> dict[str, Any]:
        """The channel, created on first use unless ``strict_channels``; a user id means the bot's DM."""
        if not channel_id or not isinstance(channel_id, str):
            raise ApiError("channel_not_found")
        with self.lock:
            if channel_id[0] in "UW":  # posting to a user id lands in the app's DM with them
                dm_id = "D" + channel_id[1:]
                return self.channels.get(dm_id) or self.add_channel(dm_id, user=channel_id)
            if channel_id in self.channels:
                return self.channels[channel_id]
            if self.strict_channels or channel_id[0] not in "CGD":
                raise ApiError("channel_not_found")
            return self.add_channel(channel_id)

    def user(self, user_id: Any) -> dict[str, Any]:
        with self.lock:
            if user_id not in self.users:
                raise ApiError("user_not_found")
            return self.users[user_id]

    def message(self, channel_id: str, ts: Any) -> dict[str, Any]:
        with self.lock:
            found = self.messages.get(channel_id, {}).get(ts) if isinstance(ts, str) else None
            if found is None:
                raise ApiError("message_not_found")
            return found

    # ---- messages ------------------------------------------------------------------------------

    def store_message(self, channel_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Store a message (a reply updates its parent's thread fields) and return it."""
        with self.lock:
            self.messages.setdefault(channel_id, {})[message["ts"]] = message
            thread_ts = message.get("thread_ts")
            if thread_ts and thread_ts != message["ts"]:
                parent = self.messages[channel_id].get(thread_ts)
                message.setdefault("parent_user_id", parent.get("user") if parent else None)
                self.refresh_thread(channel_id, thread_ts)
            return message

    def delete_message(self, channel_id: str, ts: str) -> dict[str, Any]:
        with self.lock:
            message = self.messages.get(channel_id, {}).pop(ts)
            thread_ts = message.get("thread_ts")
            if thread_ts and thread_ts != ts:
                self.refresh_thread(channel_id, thread_ts)
            return message

    def refresh_thread(self, channel_id: str, thread_ts: str) -> None:
        """Recompute a parent's reply_count / reply_users / latest_reply, as Slack shows them."""
        channel_messages = self.messages.get(channel_id, {})
        parent = channel_messages.get(thread_ts)
        if parent is None:
            return
        replies = self.thread_replies(channel_id, thread_ts)
        if not replies:
            for key in ("reply_count", "reply_users", "reply_users_count", "latest_reply"):
                parent.pop(key, None)
            return
        users = list(dict.fromkeys(r.get("user") for r in replies if r.get("user")))
        parent.update(
            {
                "thread_ts": thread_ts,
                "reply_count": len(replies),
                "reply_users": users,
                "reply_users_count": len(users),
                "latest_reply": replies[-1]["ts"],
            }
        )

    def thread_replies(self, channel_id: str, thread_ts: str) -> list[dict[str, Any]]:
        with self.lock:
            found = [
                m
                for ts, m in self.messages.get(channel_id, {}).items()
                if m.get("thread_ts") == thread_ts and ts != thread_ts
            ]
            return sorted(found, key=lambda m: float(m["ts"]))

    def snapshot_messages(self, channel_id: str | None, thread_ts: str | None) -> list[dict[str, Any]]:
        """Copies of stored messages (each with its "channel"), oldest first."""
        with self.lock:
            found = []
            for cid, by_ts in self.messages.items():
                if channel_id is not None and cid != channel_id:
                    continue
                for ts, message in by_ts.items():
                    if thread_ts is not None and thread_ts not in (ts, message.get("thread_ts")):
                        continue
                    found.append({**copy.deepcopy(message), "channel": cid})
            return sorted(found, key=lambda m: float(m["ts"]))

    def bot_message(self, text: str, blocks: list[dict[str, Any]] | None, ts: str) -> dict[str, Any]:
        """A message as Slack stores one the bot posted."""
        return {
            "type": "message",
            "user": ids.BOT_USER_ID,
            "bot_id": ids.BOT_ID,
            "app_id": ids.APP_ID,
            "text": text,
            "ts": ts,
            "team": ids.TEAM_ID,
            "blocks": blocks if blocks else ([text_block(text)] if text else []),
            "bot_profile": {
                "id": ids.BOT_ID,
                "app_id": ids.APP_ID,
                "name": ids.BOT_NAME,
                "deleted": False,
                "team_id": ids.TEAM_ID,
            },
        }
