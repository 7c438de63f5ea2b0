"""Shared console output for the command line: rich for people, plain JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

from rich.console import Console

console = Console()
errors = Console(stderr=True)


def print_json(data: Any) -> None:
    """JSON on stdout with nothing else mixed in, so ``| jq`` works."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def fail(message: str, code: int = 1) -> NoReturn:
    """A short error for the user (details belong in the log), then exit non-zero."""
    import typer
    from rich.markup import escape

    errors.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code)
