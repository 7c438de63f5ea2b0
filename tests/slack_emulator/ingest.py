"""What a payload says happened, applied to the workspace before the app hears of it (as in Slack)."""

from __future__ import annotations

import contextlib
from typing import Any

from . import ids
from .web_chat import add_reaction
from .workspace import ApiError, Workspace

MESSAGE_FIELDS = ("user", "bot_id", "text", "ts", "thread_ts", "team", "blocks", "subtype")


def apply_payload(ws: Workspace, payload: dict[str, Any]) -> None:
    """Store a person's message, apply an edit, deletion or reaction, open an assistant thread."""
    event = payload.get("event") if payload.get("type") == "event_callback" else None
    if not isinstance(event, dict):
        return
    kind, subtype = event.get("type"), event.get("subtype")
    with ws.lock:
        if kind in ("message", "app_mention") and subtype in (None, "bot_message", "thread_broadcast"):
            _store_once(ws, event["channel"], {k: event[k] for k in MESSAGE_FIELDS if k in event})
        elif subtype == "message_changed":
            edited = ws.messages.get(event["channel"], {}).get(event["message"]["ts"])
            if edited is not None:
                new = event["message"]
                edited.update(text=new["text"], blocks=new.get("blocks", []), edited=new.get("edited"))
        elif subtype == "message_deleted":
            if event.get("deleted_ts") in ws.messages.get(event["channel"], {}):
                ws.delete_message(event["channel"], event["deleted_ts"])
        elif kind == "assistant_thread_started":
            thread = event["assistant_thread"]
            root = {"subtype": "assistant_app_thread", "user": thread["user_id"], "text": "New chat"}
            _store_once(ws, thread["channel_id"], {**root, "ts": thread["thread_ts"], "team": ids.TEAM_ID})
        elif kind == "reaction_added":
            item = event.get("item", {})
            target = ws.messages.get(item.get("channel"), {}).get(item.get("ts"))
            if target is not None:
                # Already there: Slack would not have sent a second event either.
                with contextlib.suppress(ApiError):
                    add_reaction(target, event["reaction"], event["user"])


def _store_once(ws: Workspace, channel: str, message: dict[str, Any]) -> None:
    """Store unless present: the same event delivered twice (a retry) is still one message."""
    channel_id = ws.channel(channel)["id"]
    if message["ts"] not in ws.messages.get(channel_id, {}):
        ws.store_message(channel_id, {"type": "message", **message})
