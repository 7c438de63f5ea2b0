"""``/keel``: help for everyone; ``add``, ``sources``, ``remove``, ``status``, ``pause`` and ``resume`` for
admins (everyone else is refused; every attempt is audited). Acked at once; anything slow runs on the
admin worker and answers through ``respond`` (an ephemeral message to whoever ran the command)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.admin_blocks import full_help_message
from bot.blocks import help_message
from bot.listeners.commands.admin_commands import ADMIN_COMMANDS, run_admin_command
from bot.runtime import KeelRuntime


def handle_keel_command(
    ack: Ack, command: dict[str, Any], respond: Respond, keel: KeelRuntime, client: WebClient
) -> None:
    name, _, args = (command.get("text") or "").strip().partition(" ")
    name = name.lower()
    if name not in ADMIN_COMMANDS:
        message = full_help_message() if name in ("help", "") else help_message()
        ack(**message.as_kwargs())  # an ephemeral reply to whoever ran the command
        if name not in ("help", ""):
            respond(text=f"I don't know `/keel {name}`; the commands are above.")
        return
    ack()
    keel.admin.pool.submit(run_admin_command, keel, client, respond, command["user_id"], name, args.strip())
