"""The ``keel`` command line. Each command group lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from bot.cli import answers as answer_commands
from bot.cli import guard as guard_commands
from bot.cli import handovers as handover_commands
from bot.cli import knowledge as knowledge_commands
from bot.cli import report as report_commands
from bot.cli import serve as serve_commands

app = typer.Typer(
    name="keel",
    help="Keel: answers employees' questions from your company's knowledge, with guardrails.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

knowledge_commands.register(app)
answer_commands.register(app)
report_commands.register(app)
guard_commands.register(app)
serve_commands.register(app)
handover_commands.register(app)


def main() -> None:  # pragma: no cover - console entry
    app()
