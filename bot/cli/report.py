"""Log commands: ``keel report`` (what Keel did and what people thought of it) and ``keel prune``."""

from __future__ import annotations

import csv
import getpass
import re
import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.output import console, fail, print_json
from bot.cli.report_chart import ChartUnavailable, ensure_chart_support, write_chart

DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def register(app: typer.Typer) -> None:
    app.command()(report)
    app.command()(prune)


def parse_duration(text: str) -> timedelta:
    """``7d``, ``24h``, ``2w`` -> a timedelta; anything else is a usage error."""
    match = DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise typer.BadParameter(f"{text!r} is not a duration: use a number and h, d or w, e.g. 7d, 24h, 2w.")
    return timedelta(**{UNITS[match.group(2).lower()]: int(match.group(1))})


def report(
    since: Annotated[str, typer.Option("--since", help="How far back: e.g. 24h, 7d, 4w.")] = "7d",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (section,item,metric,value).")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also draw daily volume and satisfaction to this PNG.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="Rows in each top list.")] = 10,
) -> None:
    """Volumes and rates, 👍/👎, top and most-disliked sources, knowledge gaps, latency per stage."""
    window = parse_duration(since)
    if as_json and as_csv:
        fail("Choose one of --json and --csv.", code=2)
    if chart is not None:
        try:
            ensure_chart_support()
        except ChartUnavailable as exc:
            fail(str(exc), code=2)
    from bot.store import open_db  # the log (sqlite-utils) opens when the command runs, not for --help
    from bot.store.reports import build_report

    db = open_db()
    try:
        data = build_report(db, since=window, top=top)
    finally:
        db.close()
    if as_json:
        print_json(data)
    elif as_csv:
        write_csv(data)
    else:
        print_tables(data, since)
    if chart is not None:
        written = write_chart(data["daily"], chart)
        (console.print if not (as_json or as_csv) else _stderr)(f"Chart written to {written}")


def prune(
    older_than: Annotated[str, typer.Option("--older-than", help="Delete turns older than this, e.g. 90d.")] = "90d",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Delete logged turns (with their sources, verdicts, feedback, hand-overs) older than a cut-off."""
    cutoff = parse_duration(older_than)
    from bot.store import open_db
    from bot.store.retention import prune as prune_log

    db = open_db()
    try:
        deleted = prune_log(db, cutoff, actor=f"cli:{_login()}")
    finally:
        db.close()
    if as_json:
        print_json({"older_than": older_than, "deleted": deleted})
        return
    console.print(
        f"Deleted {deleted['turns']} turns older than {older_than} "
        f"({deleted['feedback']} votes, {deleted['handovers']} hand-overs, {deleted['threads']} threads)."
    )


# -- output -----------------------------------------------------------------------------------------
def print_tables(data: dict[str, Any], since: str) -> None:
    v, f = data["volumes"], data["feedback"]
    console.print(f"[bold]Keel, last {since}[/] ({data['window']['since'][:16]} → {data['window']['until'][:16]} UTC)")
    console.print(
        f"{v['questions']} questions from {v['users']} people · answered {_pct(v['answered_rate'])} · "
        f"handed over {_pct(v['handed_over_rate'])} · refused {_pct(v['refused_rate'])}"
    )
    reasons = ", ".join(f"{k} {n}" for k, n in f["down_reasons"].items()) or "none"
    console.print(f"👍 {f['up']} · 👎 {f['down']} · 👍 rate {_pct(f['up_rate'])} · 👎 reasons: {reasons}\n")
    _table("Top cited sources", ("source", "answers"), data["top_cited_sources"])
    _table("Sources with the most 👎", ("source", "downvotes", "answers"), data["most_downvoted_sources"])
    gaps = [{"count": g["count"], "examples": "\n".join(g["examples"])} for g in data["knowledge_gaps"]]
    _table("Knowledge gaps (declined or handed over, grouped by meaning)", ("count", "examples"), gaps)
    _table("Latency (ms)", ("stage", "turns", "p50", "p95"), data["latency_ms"])


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print(f"[bold]{title}[/]: none\n")
        return
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column, justify="right" if column not in ("source", "examples", "stage") else "left")
    for row in rows:
        table.add_row(*(escape(str(row[c])) for c in columns))  # sources and questions are not markup
    console.print(table)


def write_csv(data: dict[str, Any]) -> None:
    """One long table (section, item, metric, value): every figure of the report, easy to pivot."""
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("section", "item", "metric", "value"))
    for section in ("volumes", "feedback"):
        for metric, value in data[section].items():
            if metric == "down_reasons":
                out.writerows(("down_reasons", reason, "votes", n) for reason, n in value.items())
            else:
                out.writerow((section, "", metric, "" if value is None else value))
    for row in data["top_cited_sources"]:
        out.writerow(("top_cited_sources", row["source"], "answers", row["answers"]))
    for row in data["most_downvoted_sources"]:
        out.writerow(("most_downvoted_sources", row["source"], "downvotes", row["downvotes"]))
        out.writerow(("most_downvoted_sources", row["source"], "answers", row["answers"]))
    for gap in data["knowledge_gaps"]:
        out.writerow(("knowledge_gaps", gap["examples"][0], "count", gap["count"]))
    for row in data["latency_ms"]:
        out.writerows(("latency_ms", row["stage"], m, row[m]) for m in ("turns", "p50", "p95"))
    for row in data["daily"]:
        out.writerows(
            ("daily", row["day"], m, "" if row[m] is None else row[m])
            for m in ("questions", "answered", "handed_over", "refused", "up", "down", "up_rate")
        )


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.0%}"


def _stderr(message: str) -> None:
    sys.stderr.write(message + "\n")


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
