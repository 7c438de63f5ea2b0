"""``keel report`` and ``keel prune`` on a seeded log in KEEL_HOME."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.report import register
from bot.store import open_db, recent_audit
from bot.store.db import utc_now
from tests.store.helpers import seed_log

runner = CliRunner()


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)
    return app


@pytest.fixture
def seeded_home(keel_home: Path) -> dict[str, str]:
    db = open_db()  # KEEL_HOME/keel.db, the path the commands use
    ids = seed_log(db, now=utc_now())
    db.close()
    return ids


def test_report_json_has_the_seeded_figures(cli: typer.Typer, seeded_home: dict[str, str]) -> None:
    result = runner.invoke(cli, ["report", "--since", "7d", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["volumes"]["questions"], data["volumes"]["answered"], data["volumes"]["handed_over"]) == (
        11,
        4,
        5,
    )
    assert (data["feedback"]["up"], data["feedback"]["down"], data["feedback"]["up_rate"]) == (3, 3, 0.5)
    assert [g["count"] for g in data["knowledge_gaps"]] == [3, 2, 1]
    assert data["top_cited_sources"][0] == {"source": "finance/expense-policy.md", "answers": 2}


def test_report_tables_for_people(cli: typer.Typer, seeded_home: dict[str, str]) -> None:
    result = runner.invoke(cli, ["report"])
    assert result.exit_code == 0, result.output
    assert "11 questions from 11 people" in result.stdout
    assert "answered 36%" in result.stdout and "handed over 45%" in result.stdout
    assert "Knowledge gaps" in result.stdout and "taxi" in result.stdout
    assert "Latency" in result.stdout


def test_report_csv_is_one_long_table(cli: typer.Typer, seeded_home: dict[str, str]) -> None:
    result = runner.invoke(cli, ["report", "--csv", "--since", "2w"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    values = {(r["section"], r["item"], r["metric"]): r["value"] for r in rows}
    assert values[("volumes", "", "questions")] == "11"
    assert values[("feedback", "", "up_rate")] == "0.5"
    assert values[("down_reasons", "outdated", "votes")] == "1"
    assert values[("latency_ms", "retrieve", "p50")] == "250.0"


def test_report_chart_writes_a_png(cli: typer.Typer, seeded_home: dict[str, str], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    chart = tmp_path / "out" / "weekly.png"
    result = runner.invoke(cli, ["report", "--json", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 5_000
    json.loads(result.stdout)  # the chart notice does not pollute the JSON


def test_report_chart_without_matplotlib_says_how_to_install_it(
    cli: typer.Typer, keel_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if it were not installed
    result = runner.invoke(cli, ["report", "--chart", str(tmp_path / "c.png")])
    assert result.exit_code == 2
    assert "pip install 'keel[report]'" in " ".join(result.output.split())
    assert not (tmp_path / "c.png").exists()


@pytest.mark.parametrize("bad", ["7", "seven days", "0d", "3y"])
def test_a_bad_duration_is_a_usage_error(cli: typer.Typer, keel_home: Path, bad: str) -> None:
    result = runner.invoke(cli, ["report", "--since", bad])
    assert result.exit_code == 2
    assert "duration" in result.output


def test_prune_older_than_deletes_old_turns_and_is_audited(cli: typer.Typer, seeded_home: dict[str, str]) -> None:
    result = runner.invoke(cli, ["prune", "--older-than", "10d"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 turns older than 10d" in result.stdout
    db = open_db()
    assert db["turns"].count == 11
    assert db["turns"].count_where("id = ?", [seeded_home["OLD"]]) == 0
    assert recent_audit(db, action="prune")[0]["actor"].startswith("cli:")
