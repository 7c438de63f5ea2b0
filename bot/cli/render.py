"""How a turn looks in the terminal (rich). Pure functions of a TurnResult."""

from __future__ import annotations

from pathlib import PurePath

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from graphs.result import TurnResult

DECISION_STYLE = {"answered": "green", "handed_over": "yellow", "refused": "red"}
DECISION_LABEL = {"answered": "Answered", "handed_over": "Handed over to a person", "refused": "Refused"}


def short_source(source: str) -> str:
    """URLs as they are; files by their name (the full path is in --json)."""
    return source if source.startswith(("http://", "https://")) else PurePath(source).name


def turn_panel(result: TurnResult) -> Panel:
    style = DECISION_STYLE.get(result.decision, "white")
    parts: list[RenderableType] = [Markdown(result.answer)]
    if result.citations:
        sources = Table.grid(padding=(0, 1))
        for c in result.citations:
            where = " > ".join(p for p in (c.title, c.section) if p)
            sources.add_row(Text(f"[{c.n}]", style="bold"), Text(where), Text(short_source(c.source), style="dim"))
        parts += [Text("\nSources", style="bold"), sources]
    if result.reasons and result.decision != "answered":
        parts += [Text("\nWhy: " + "; ".join(result.reasons), style="dim")]
    footer = (
        f"{DECISION_LABEL.get(result.decision, result.decision)} · confidence {result.confidence:.0%} · "
        f"{result.model} ({result.route}) · {sum(result.timings_ms.values()):.0f} ms"
    )
    return Panel(Group(*parts), title=Text(footer, style=style), title_align="left", border_style=style)
