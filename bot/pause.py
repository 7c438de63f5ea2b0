"""The kill switch (``/keel pause`` / ``/keel resume``): while paused, Keel answers nobody and hands
every question to people instead.

Kept in Keel's Slack state file under ``KEEL_HOME``, so it survives restarts and every process serving
the app sees it at once.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.handover.desk import Handovers
from bot.reply import post_notice
from bot.service import KeelService, Question
from bot.store.slack_state import read_switch, set_switch
from bot.store.state import StateDB
from graphs.result import unanswered_turn

log = logging.getLogger(__name__)

PAUSED = "paused"  # the switch's name in the state file

PAUSED_NOTICE = (
    "I'm paused by the team that runs me, so I'm not answering questions right now. "
    "I've passed yours on to a person{experts}; they will reply here in this thread."
)


@dataclass(frozen=True)
class PauseState:
    paused: bool
    by: str = ""  # who set it (a Slack user id)
    since: float = 0.0  # when (epoch seconds)


class PauseSwitch:
    def __init__(self, db: StateDB) -> None:
        self._state = db

    def state(self) -> PauseState:
        switch = read_switch(self._state, PAUSED)
        return PauseState(switch.on, switch.set_by, switch.set_at) if switch else PauseState(False)

    @property
    def paused(self) -> bool:
        return self.state().paused

    def set(self, paused: bool, by: str) -> bool:
        """Pause or resume; returns False if it already was in that state."""
        changed = self.paused != paused
        set_switch(self._state, PAUSED, paused, by, time.time())
        return changed


PAUSED_REASON = "I'm paused by the team that runs me, so I'm not answering questions right now"


def hand_over_paused(
    service: KeelService,
    client: WebClient,
    question: Question,
    *,
    handovers: Handovers | None = None,
    question_ts: str | None = None,
) -> None:
    """Keel is paused: log the turn as handed over and bring people in through the hand-over desk (one
    announcement in the thread naming the experts, 🆘, "Mark resolved", reminders), as for any hand-over.
    Without a desk (or if it fails) a pending hand-over is opened and a plain notice posted instead."""
    # Not through the input guard: the raw text may hold PII, so the logged turn does not keep it.
    result = unanswered_turn(
        PAUSED_NOTICE.format(experts=""), "keel is paused", thread_id=question.thread_id, route="paused"
    )
    turn_id = None
    try:
        turn_id = service.turn_log.record_turn(
            result, channel=question.channel, user=question.user, thread_ts=question.thread_ts
        )
    except Exception:  # the asker still hears back
        log.exception("could not log the question handed over while paused")
    if handovers is not None and turn_id is not None:
        try:
            handovers.start(
                turn_id=turn_id,
                channel=question.channel,
                thread_ts=question.thread_ts,
                asker=question.user,
                question="",  # the question is right above in the thread; its raw text was not guarded
                reason=PAUSED_REASON,
                question_ts=question_ts,
                thread_id=question.thread_id,
            )
            return
        except Exception:
            log.exception("the hand-over desk could not take the question asked while paused")
    try:
        if turn_id is not None:
            service.request_human(turn_id, question.user, question.channel, question.thread_ts)
    except Exception:
        log.exception("could not open a hand-over for the question asked while paused")
    experts = service.channel_policy(question.channel).experts
    named = " (" + ", ".join(_mention(e) for e in experts) + ")" if experts else ""
    post_notice(client, question.channel, question.thread_ts, PAUSED_NOTICE.format(experts=named))


def _mention(expert: str) -> str:
    return f"<!subteam^{expert}>" if expert.startswith("S") else f"<@{expert}>"
