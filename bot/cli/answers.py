"""Answer commands: ask, chat and eval."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from bot.cli.one_shot import without_garbage_collection
from bot.cli.output import console, fail, print_json
from graphs.result import TurnResult

if TYPE_CHECKING:  # the graph, the guards and the knowledge base load when a command runs, not for --help
    from graphs.agent import Agent, Token

CollectionOption = Annotated[
    list[str] | None, typer.Option("--collection", "-c", help="Search only these collections.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
EXIT_WORDS = {"exit", "quit", ":q", "bye"}


def register(app: typer.Typer) -> None:
    app.command()(ask)
    app.command()(chat)
    app.command(name="eval")(eval_questions)


def _agent(collection: list[str] | None) -> Agent:
    from graphs.agent import Agent
    from graphs.llm import ModelConfigError

    try:
        return Agent.from_settings(collections=collection or None)
    except ModelConfigError as exc:
        fail(str(exc))
        raise  # unreachable: fail() exits


def ask(
    question: Annotated[str, typer.Argument(help="Your question.")],
    thread: Annotated[str | None, typer.Option("--thread", help="Thread id: follow-ups remember it.")] = None,
    collection: CollectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Answer one question from the knowledge base, with sources, or say why not."""
    from bot.cli.render import turn_panel  # rich's Markdown: only when a turn is shown

    with without_garbage_collection():
        agent = _agent(collection)
        try:
            result = agent.ask(question, thread_id=thread)
        finally:
            agent.close()
        if as_json:
            print_json(result.to_json())
        else:
            console.print(turn_panel(result))


def chat(collection: CollectionOption = None) -> None:
    """An interactive session with thread memory: ask, then ask follow-ups."""
    from rich.prompt import Prompt

    from bot.cli.render import turn_panel

    agent = _agent(collection)
    thread_id = f"chat:{uuid.uuid4()}"
    console.print("[bold]Keel[/] — ask about the company's knowledge. Type [bold]exit[/] to leave.\n")
    while True:
        try:
            question = Prompt.ask("[bold cyan]you[/]").strip()
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        if not question:
            continue
        if question.lower() in EXIT_WORDS:
            return
        with console.status("Looking it up…"):
            events = agent.stream(question, thread_id=thread_id)
            first = next(events)
        result = show_streamed_draft(_chain(first, events))
        if result is not None:
            console.print(turn_panel(result))


def show_streamed_draft(events: Iterable[Token | TurnResult]) -> TurnResult | None:
    """Show the model's tokens as they come, then take them off the screen: they are an unchecked draft,
    and the checked answer (printed next, in its panel) may differ, as Slack replaces a streamed message
    with the final answer. Returns the turn's result."""
    from rich.live import Live
    from rich.text import Text

    from graphs.agent import Token

    draft = Text(style="dim")
    result: TurnResult | None = None
    with Live(draft, console=console, transient=True, auto_refresh=False, vertical_overflow="ellipsis") as live:
        for event in events:
            if isinstance(event, Token):
                draft.append(event.text)
                live.refresh()
            else:
                result = event
    return result


def _chain(first: Token | TurnResult, rest: Iterator[Token | TurnResult]) -> Iterator[Token | TurnResult]:
    yield first
    yield from rest


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def eval_table(report: dict[str, Any], name: str = "") -> Table:
    title = f"{name}: {report['questions']} questions" if name else f"{report['questions']} questions"
    table = Table("measure", "value", title=title, title_justify="left")
    rows = [
        ("answered", _pct(report["answered"])),
        ("handed over", _pct(report["handed_over"])),
        ("refused", _pct(report["refused"])),
        ("answerable answered, citing a gold source", _pct(report["answered_with_gold"])),
        ("answerable answered right (gold cited, key facts or reference)", _pct(report["answered_right"])),
        ("unanswerable declined or handed over", _pct(report["unanswerable_declined"])),
        ("hand-over precision", _pct(report["handover_precision"])),
        ("hand-over recall", _pct(report["handover_recall"])),
        ("balanced accuracy (right answers, declines)", _pct(report["balanced_accuracy"])),
        ("latency p50 / p95", f"{report['latency_ms']['p50']:.0f} / {report['latency_ms']['p95']:.0f} ms"),
        ("expected calibration error", "–" if report.get("ece") is None else f"{report['ece']:.3f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def reliability_table(report: dict[str, Any]) -> Table:
    table = Table("confidence", "count", "mean confidence", "accuracy", title="Reliability", title_justify="left")
    for row in report.get("reliability", []):
        if row["count"]:
            table.add_row(row["bin"], str(row["count"]), _pct(row["mean_confidence"]), _pct(row["accuracy"]))
    return table


def eval_questions(
    questions: Annotated[
        list[Path],
        typer.Argument(
            help="JSONL files, one per question set: question, optional answerable, gold_sources, key_facts or "
            "reference_answer, thread."
        ),
    ],
    collection: CollectionOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run question sets through Keel and report, per set, answers, hand-overs and calibration."""
    from graphs.evaluate import evaluate, load_questions

    sets = {}
    for path in questions:
        try:
            sets[path.stem] = load_questions(path)
        except (OSError, ValueError) as exc:
            fail(str(exc))
    agent = _agent(collection)
    reports = {
        name: evaluate(items, lambda q: agent.ask(q), in_thread=lambda q, thread: agent.ask(q, thread_id=thread))
        for name, items in sets.items()
    }
    if as_json:
        print_json(next(iter(reports.values())) if len(reports) == 1 else reports)
        return
    for name, report in reports.items():
        console.print(eval_table(report, name))
        console.print(reliability_table(report))
