"""``keel guard``: run the input (or output) checks on any text, one text or a file of them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.output import console, fail, print_json

if TYPE_CHECKING:  # the guards load when the command runs, not for --help
    from graphs.guards import SourceText


def register(app: typer.Typer) -> None:
    app.command()(guard)


def guard(
    text: Annotated[str | None, typer.Argument(help="The text to check (omit with --file).")] = None,
    output: Annotated[bool, typer.Option("--output", help="Check TEXT as an answer (output checks).")] = False,
    sources: Annotated[
        Path | None,
        typer.Option(
            "--sources",
            help="With --output: JSON list of {n, text, source}, JSON lines, or plain "
            "text with sources separated by blank lines (numbered 1, 2, ...).",
        ),
    ] = None,
    question: Annotated[str, typer.Option("--question", help="With --output: the question answered.")] = "",
    file: Annotated[Path | None, typer.Option("--file", help="Check one text per line ('-' reads stdin).")] = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Slack channel id for its policy.")] = None,
    policy_path: Annotated[Path | None, typer.Option("--policy", help="Policy file (default: KEEL_POLICY).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (one line per input with --file).")] = False,
) -> None:
    """Run Keel's guard checks on TEXT and show every verdict, the overall action and the redacted text."""
    from config.settings import get_settings
    from graphs.guards import PolicyError, check_input, check_output, load_policy

    if (text is None) == (file is None):
        fail("Give either TEXT or --file FILE.", code=2)
    try:
        policy = load_policy(policy_path or get_settings().policy)
    except PolicyError as exc:
        fail(str(exc), code=2)
    numbered: list[SourceText] = _read_sources(sources) if sources else []

    def run(item: str) -> dict[str, object]:
        if output:
            report = check_output(item, numbered, question=question, channel=channel, policy=policy)
        else:
            report = check_input(item, channel=channel, policy=policy)
        return {"input": item, **report.to_dict()}

    if file is not None:
        lines = sys.stdin if str(file) == "-" else _open_lines(file)
        for line in lines:
            item = line.rstrip("\n")
            if not item.strip():
                continue
            result = run(item)
            if as_json:
                sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
                sys.stdout.flush()
            else:
                _show(result)
        return
    result = run(text or "")
    if as_json:
        print_json(result)
    else:
        _show(result)


def _open_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror or exc}.", code=2)
        return []


def _read_sources(path: Path) -> list[SourceText]:
    from graphs.guards import SourceText

    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"Cannot read sources {path}: {exc.strerror or exc}.", code=2)
    stripped = raw.strip()
    items: list[dict[str, Any]] | None = None
    if stripped.startswith("["):
        items = json.loads(stripped)
    elif stripped.startswith("{"):
        items = [json.loads(line) for line in stripped.splitlines() if line.strip()]
    if items is None:
        blocks = [b.strip() for b in stripped.split("\n\n") if b.strip()]
        return [SourceText(n, block, str(path)) for n, block in enumerate(blocks, start=1)]
    return [
        SourceText(int(item.get("n", i)), str(item.get("text", "")), str(item.get("source", "")))
        for i, item in enumerate(items, start=1)
    ]


ACTION_STYLE = {
    "pass": "green",
    "log_only": "cyan",
    "redact": "yellow",
    "fix": "yellow",
    "hand_over": "magenta",
    "refuse": "red",
}


def _show(result: dict[str, Any]) -> None:
    table = Table(show_edge=False, pad_edge=False)
    for column in ("check", "result", "action", "reason", "ms"):
        table.add_column(column, justify="right" if column == "ms" else "left")
    for verdict in result["verdicts"]:
        style = ACTION_STYLE.get(verdict["action"], "")
        table.add_row(
            verdict["check"],
            "passed" if verdict["passed"] else "failed",
            f"[{style}]{verdict['action']}[/]",
            escape(verdict["reason"]),
            f"{verdict['ms']:.1f}",
        )
    console.print(table)
    action = result["action"]
    console.print(f"[bold]action:[/] [{ACTION_STYLE.get(action, '')}]{action}[/]")
    console.print(f"[bold]text:[/] {escape(str(result['text']))}")
    if result.get("user_message"):
        console.print(f"[bold]message to the user:[/] {escape(str(result['user_message']))}")
    console.print()
