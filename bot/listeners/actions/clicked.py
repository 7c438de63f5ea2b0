"""Where a click on one of Keel's messages came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.mrkdwn import valid_unicode


@dataclass(frozen=True)
class Click:
    user: str
    channel: str
    thread_ts: str | None  # the thread of the clicked message
    value: str


def clicked(body: dict[str, Any], action: dict[str, Any]) -> Click:
    container = body.get("container") or {}
    message = body.get("message") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
    thread_ts = container.get("thread_ts") or message.get("thread_ts") or container.get("message_ts")
    return Click(body["user"]["id"], channel, thread_ts, valid_unicode(str(action.get("value") or "")))
