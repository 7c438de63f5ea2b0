"""The first visible sign that Keel is working: 👀 on the question, or the assistant panel's status.

Progress is shown right after the ack, before the question waits for a worker, so the asker sees it
within a second even when Keel is busy. It is best effort: a failed reaction or status never stops
the answer (the error goes to the log).
"""

from __future__ import annotations

import logging
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.blocks import LOADING_MESSAGES, WORKING_STATUS

FAILED_STATUS = "could not reply here; please ask again in a moment"

log = logging.getLogger(__name__)


class Progress(Protocol):
    shown: bool  # the sign is up (a worker in another process is told, so that it takes it down)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def fail(self) -> None:
        """Nothing could be posted in the thread: leave a sign on the question instead of silence."""


class Reaction:
    """👀 on the question while Keel works; removed once the reply is posted."""

    def __init__(self, client: WebClient, channel: str, ts: str) -> None:
        self.client, self.channel, self.ts = client, channel, ts
        self.shown = False

    def start(self) -> None:
        try:
            self.client.reactions_add(channel=self.channel, timestamp=self.ts, name=ids.WORKING_REACTION)
            self.shown = True
        except SlackApiError as exc:
            self.shown = exc.response.get("error") == "already_reacted"
            log.warning("could not add the working reaction: %s", exc.response.get("error"))
        except Exception:
            log.warning("could not add the working reaction", exc_info=True)

    def stop(self) -> None:
        if not self.shown:
            return
        try:
            self.client.reactions_remove(channel=self.channel, timestamp=self.ts, name=ids.WORKING_REACTION)
        except Exception:
            log.warning("could not remove the working reaction", exc_info=True)

    def fail(self) -> None:
        try:
            self.client.reactions_add(channel=self.channel, timestamp=self.ts, name=ids.FAILED_REACTION)
        except Exception:
            log.warning("could not add the failure reaction", exc_info=True)


class AssistantStatus:
    """The assistant panel's "is looking through the knowledge base…" line; cleared when done."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.shown = False

    def start(self) -> None:
        self.shown = self._set(WORKING_STATUS, LOADING_MESSAGES)

    def stop(self) -> None:
        self._set("", None)  # Slack clears it on the reply too; an explicit clear also covers failures

    def fail(self) -> None:
        self._set(FAILED_STATUS, None)

    def _set(self, status: str, loading_messages: list[str] | None) -> bool:
        try:
            self.client.assistant_threads_setStatus(
                channel_id=self.channel,
                thread_ts=self.thread_ts,
                status=status,
                loading_messages=loading_messages,
            )
            return True
        except Exception:
            log.warning("could not set the assistant status", exc_info=True)
            return False
