"""Putting Keel's reply in the question's thread: one message, or a stream while the model writes.

Streaming and guardrails: tokens stream to Slack (``chat.startStream``/``appendStream``) while the model
writes, before the output guard has checked the whole answer. When the turn ends, the checked answer is
compared with what was streamed. Equal: the stream is stopped with the sources and buttons appended.
Different (the guard fixed a citation, redacted something, or refused / handed over): the stream is
stopped and the message is replaced (``chat.update``) by the checked answer, so what stays in Slack is
always the checked text. Streamed text is defused of mentions (``<!here>``, ``<@U…>``) as it goes, so an
unchecked draft can never ping anyone, even for the moment before it is replaced.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.chat_stream import ChatStream

from bot.blocks import Message, answer_footer, answer_message, notice_message
from bot.mrkdwn import defuse_mentions
from bot.service import Answer

log = logging.getLogger(__name__)

STREAM_BUFFER = 200  # characters gathered before each chat.appendStream (Slack rate-limits the calls)


def post_message(client: WebClient, channel: str, thread_ts: str, message: Message) -> str:
    """Post in the thread; returns the new message's ts. Links in answers are not unfurled (sources
    would otherwise fill the thread with previews)."""
    response = client.chat_postMessage(
        channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **message.as_kwargs()
    )
    return str(response["ts"])


def post_notice(client: WebClient, channel: str, thread_ts: str, text: str) -> str:
    return post_message(client, channel, thread_ts, notice_message(text))


def replace_draft(client: WebClient, channel: str, thread_ts: str, draft_ts: str, text: str) -> None:
    """Put ``text`` where a half-streamed, unchecked draft was. A draft Slack will not let Keel replace is
    deleted and ``text`` posted instead: the draft was never checked by the output guard, so it must go."""
    try:
        client.chat_update(channel=channel, ts=draft_ts, text=text, blocks=[])
        return
    except Exception:
        log.warning("could not replace the unchecked draft %s in %s; deleting it", draft_ts, channel, exc_info=True)
    client.chat_delete(channel=channel, ts=draft_ts)
    post_notice(client, channel, thread_ts, text)


def reply_message(answer: Answer) -> Message:
    """A failed turn gets a plain notice (nothing to rate); every other turn the full answer message."""
    if answer.failed:
        return notice_message(answer.result.answer)
    return answer_message(answer.result, answer.turn_id)


class ReplyStream:
    """The model's tokens streamed into one message in the thread; :meth:`finish` settles it."""

    def __init__(
        self, client: WebClient, channel: str, thread_ts: str, team_id: str | None, user_id: str | None
    ) -> None:
        self.client = client
        self.channel = channel
        self.streamed = ""  # every token, as the model wrote it
        self._pending = ""  # tokens not yet handed to the stream (an unfinished word)
        self._broken = False
        self._stream: ChatStream = client.chat_stream(
            channel=channel,
            thread_ts=thread_ts,
            recipient_team_id=team_id,
            recipient_user_id=user_id,
            buffer_size=STREAM_BUFFER,
        )

    @property
    def ts(self) -> str | None:
        """The streamed message's ts, once Slack has started it (None while the text is buffered)."""
        return self._stream.ts

    def append(self, text: str) -> None:
        self.streamed += text
        if self._broken:
            return
        # Whole words only: a mention split over two tokens ("<!" + "here>") is still defused.
        self._pending += text
        cut = max(self._pending.rfind(" "), self._pending.rfind("\n")) + 1
        if cut:
            ready, self._pending = self._pending[:cut], self._pending[cut:]
            self._call(self._stream.append, markdown_text=defuse_mentions(ready))

    def finish(self, answer: Answer) -> str | None:
        """Settle the streamed message with the checked answer; returns its ts, or None when nothing
        reached Slack yet (the caller then posts the answer as one message)."""
        if self.ts is None:
            return None
        if not self._broken and self._matches(answer):
            footer = [b.to_dict() for b in answer_footer(answer.result, answer.turn_id)]
            if self._call(self._stream.stop, markdown_text=defuse_mentions(self._pending), blocks=footer):
                return self.ts
        else:
            self._call(self._stream.stop)  # end the stream as it is; the update below replaces it
        message = reply_message(answer)
        self.client.chat_update(channel=self.channel, ts=self.ts, **message.as_kwargs())
        return self.ts

    def _matches(self, answer: Answer) -> bool:
        result = answer.result
        return not answer.failed and result.decision == "answered" and self.streamed.strip() == result.answer.strip()

    def _call(self, method: Any, **kwargs: Any) -> bool:
        if self._broken:
            return False
        try:
            method(**kwargs)
            return True
        except SlackApiError as exc:  # e.g. the stream timed out, or the user stopped it
            log.warning(
                "streaming the answer failed (%s); the final answer will replace it",
                exc.response.get("error"),
            )
        except Exception:
            log.warning("streaming the answer failed; the final answer will replace it", exc_info=True)
        self._broken = True
        return False
