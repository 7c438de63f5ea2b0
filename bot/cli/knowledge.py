"""Knowledge commands: ingest, search, sources, remove, approve."""

from __future__ import annotations

import getpass
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

import knowledge
from bot.cli.one_shot import without_garbage_collection
from bot.cli.output import console, errors, fail, print_json

if TYPE_CHECKING:  # the knowledge base (Chroma, the embedder) loads when a command runs, not for --help
    from knowledge.base import KnowledgeBase
    from knowledge.ingest import IngestReport

SAMPLES = Path(knowledge.__file__).resolve().parent / "samples"

CollectionOption = Annotated[
    str | None,
    typer.Option("--collection", "-c", help="Knowledge collection (default: KEEL_DEFAULT_COLLECTION)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

STATUS_STYLE = {
    "added": "green",
    "updated": "cyan",
    "unchanged": "dim",
    "removed": "yellow",
    "failed": "red",
    "skipped": "yellow",
    "held": "bold red",
}
# Control characters (escape sequences, newlines) and bidi overrides in a file name must not reach the terminal.
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(search)
    app.command()(sources)
    app.command()(remove)
    app.command()(approve)


def ingest(
    inputs: Annotated[
        list[str] | None, typer.Argument(help="Files, folders, http(s) URLs or sitemap.xml URLs.")
    ] = None,
    samples: Annotated[bool, typer.Option("--samples", help="Also ingest the bundled sample handbook.")] = False,
    collection: CollectionOption = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove stored sources that are gone.")] = False,
    follow_links: Annotated[
        bool, typer.Option("--follow-links", help="In folders, also read links to files and folders outside them.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load documents into the knowledge base (incremental: unchanged sources are skipped)."""
    inputs = [*(inputs or []), *([str(SAMPLES)] if samples else [])]
    if not inputs:
        fail("Nothing to ingest: name files, folders or URLs, or pass --samples.", code=2)
    import httpx
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from config.settings import get_settings
    from graphs.context import knowledge_base
    from knowledge.loaders import following_links
    from knowledge.store import StoreUnavailable

    settings = get_settings()
    kb = knowledge_base(settings)  # with the guards' injection scan
    started = datetime.now(UTC)
    try:
        with Progress(
            TextColumn("[bold]Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", style="dim"),
            console=console,
            transient=True,
            disable=as_json,
        ) as bar:
            task = bar.add_task("", total=None)

            def progress(done: int, total: int, source: str) -> None:
                bar.update(task, completed=done, total=total, description=_short(source))

            with following_links(follow_links):
                report = kb.ingest(inputs, collection, prune=prune, progress=progress)
    except (StoreUnavailable, httpx.TransportError) as exc:
        # The store may go away half-way (the Chroma server stopped, the network dropped): what was
        # written stays, and chunk ids are content hashes, so running the command again stores each once.
        reason = str(exc) if isinstance(exc, StoreUnavailable) else f"the knowledge store stopped answering: {exc}"
        fail(f"{reason.rstrip('.')}. Run the same command again once the store is reachable: nothing is stored twice.")
    _log_run(report, inputs, collection or settings.default_collection, started)
    if as_json:
        print_json({"summary": report.summary(), "sources": [o.__dict__ for o in report.outcomes]})
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def search(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many passages.")] = 5,
    collection: Annotated[list[str] | None, typer.Option("--collection", "-c", help="Limit to collections.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Find the passages that best match a query (hybrid: dense + BM25)."""
    from knowledge.store import StoreUnavailable

    try:
        hits = _knowledge_base().search(query, k=k, collections=collection or None)
    except StoreUnavailable as exc:
        fail(str(exc))
    if as_json:
        print_json(
            [{k_: h.to_json()[k_] for k_ in ("source", "title", "section", "chunk_id", "score", "text")} for h in hits]
        )
        return
    if not hits:
        console.print("No matching passages. Is the knowledge base empty? Try [bold]keel ingest PATH[/].")
        return
    for rank, hit in enumerate(hits, start=1):
        where = " > ".join(p for p in (hit.title, hit.section) if p)
        console.rule(f"[bold]{rank}. {where}[/]  [dim]{hit.score:.4f}[/]", align="left")
        console.print(f"[dim]{safe(hit.source)}[/]")
        console.print(hit.text if len(hit.text) < 700 else hit.text[:700] + " …", highlight=False)


def sources(as_json: JsonOption = False) -> None:
    """List the stored sources with their collection and chunk count."""
    from knowledge.store import StoreUnavailable

    try:
        with without_garbage_collection():  # read only: nothing to close first
            stored = _knowledge_base().sources()
    except StoreUnavailable as exc:
        fail(str(exc))
    if as_json:
        print_json([s.__dict__ for s in stored])
        return
    table = Table("collection", "source", "title", "chunks", "ingested", "state", title=f"{len(stored)} sources")
    for s in stored:
        values = (s.collection, s.source, s.title, str(s.chunks), s.ingested_at)
        state = "[bold red]held for review[/]" if s.held else "[green]answering[/]"
        table.add_row(*(safe(value) for value in values), state)
    console.print(table)
    held = sum(1 for s in stored if s.held)
    if held:
        console.print(
            f"[bold red]{held} held for review:[/] a passage reads like instructions to an assistant, so Keel does "
            "not answer from them. Read them, then [bold]keel approve SOURCE[/] (or [bold]keel remove SOURCE[/])."
        )


def remove(
    source: Annotated[str, typer.Argument(help="The source (path or URL) as listed by `keel sources`.")],
) -> None:
    """Remove a source and all its chunks."""
    from knowledge.store import StoreUnavailable

    try:
        removed = _knowledge_base().remove(source)
    except StoreUnavailable as exc:
        fail(str(exc))
    if not removed:
        fail(f"No stored source {source!r}. See `keel sources`.")
    console.print(f"Removed {safe(source)} ({removed} chunks).")


def approve(
    source: Annotated[str, typer.Argument(help="A source held for review, as listed by `keel sources`.")],
) -> None:
    """Release a source held for review: Keel answers from it from now on."""
    from knowledge.ingest import IngestReport, SourceOutcome
    from knowledge.store import StoreUnavailable

    started = datetime.now(UTC)
    kb = _knowledge_base()
    try:
        found = kb.find(source)
        if found is None:
            fail(f"No stored source {source!r}. See `keel sources`.")
        released = kb.approve(found.source)
    except StoreUnavailable as exc:
        fail(str(exc))
    if not released:
        fail(f"{safe(found.source)} is not held for review; Keel already answers from it.")
    report = IngestReport([SourceOutcome(found.source, "approved", chunks=released)])
    _log_run(report, [found.source], found.collection, started, trigger="cli_approve")
    console.print(f"Approved {safe(found.source)}: Keel answers from its {released} passages from now on.")


def _knowledge_base() -> KnowledgeBase:
    from knowledge.base import KnowledgeBase

    return KnowledgeBase()


def _print_report(report: IngestReport) -> None:
    for outcome in report.outcomes:
        if outcome.status in ("unchanged",):
            continue
        style = STATUS_STYLE.get(outcome.status, "")
        reason = f" — {outcome.reason}" if outcome.reason else ""
        console.print(f"[{style}]{outcome.status:>9}[/] {safe(outcome.source)}{safe(reason)}", highlight=False)
    if report.held:
        console.print(
            f"[bold red]{len(report.held)} held for review:[/] stored, but Keel does not answer from them until "
            "you have read them and run [bold]keel approve SOURCE[/]."
        )
    summary = report.summary()
    console.print(
        "[bold]Summary:[/] "
        + ", ".join(f"[{STATUS_STYLE.get(k, '')}]{v} {k}[/]" for k, v in summary.items() if k != "chunks")
        + f" ({summary['chunks']} chunks written)"
    )


def _log_run(report: IngestReport, inputs: list[str], collection: str, started: datetime, trigger: str = "cli") -> None:
    """Record the run in the log, as Slack-triggered ingests are (``/keel status`` reads it)."""
    from bot.store import open_db, record_ingest_run
    from config.settings import get_settings

    try:
        db = open_db(get_settings().log_path)
        try:
            record_ingest_run(
                db,
                report,
                actor=f"cli:{_user()}",
                trigger=trigger,
                collection=collection,
                inputs=inputs,
                started_at=started,
                finished_at=datetime.now(UTC),
            )
        finally:
            db.close()
    except (sqlite3.Error, OSError) as exc:  # the ingest itself is done: say so, do not fail it
        errors.print(f"[yellow]The run was not written to the log ({safe(str(exc))}).[/]")


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "unknown"


def safe(text: str) -> str:
    """``text`` for the terminal: control characters shown as escapes (``\\x1b``, ``\\n``), Rich markup
    escaped, so a file name can neither move the cursor, recolour the screen nor forge a line."""
    return escape(_printable(text))


def _printable(text: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _short(source: str, width: int = 60) -> str:
    """The progress line's source: cut before Rich's escaping, so a cut cannot leave a live ``[/tag]``."""
    shown = _printable(source)
    return escape(shown if len(shown) <= width else "…" + shown[-width + 1 :])
