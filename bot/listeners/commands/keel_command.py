"""``/keel``: for now every subcommand shows the help (issue 7 adds add, sources, remove, status, pause)."""

from __future__ import annotations

from slack_bolt import Ack

from bot.blocks import help_message


def handle_keel_command(ack: Ack) -> None:
    ack(**help_message().as_kwargs())  # an ephemeral reply to whoever ran the command
