"""A new assistant thread: greet once and offer a few questions to start with."""

from __future__ import annotations

from typing import Any

from slack_bolt import Say, SetSuggestedPrompts

from bot.blocks import GREETING, SUGGESTED_PROMPTS
from bot.dedupe import delivery_keys
from bot.runtime import KeelRuntime


def start_thread(body: dict[str, Any], keel: KeelRuntime, say: Say, set_suggested_prompts: SetSuggestedPrompts) -> None:
    if keel.ledger.claim(delivery_keys(body.get("event_id"))):
        say(GREETING)
        set_suggested_prompts(prompts=SUGGESTED_PROMPTS, title="Try asking")
