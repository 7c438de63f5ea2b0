"""The knowledge commands as a user runs them (typer's runner, real Chroma under a temp KEEL_HOME)."""

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli import app
from tests.knowledge.helpers import small_kb_folder

runner = CliRunner()


def keel(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_ingest_search_sources_remove(tmp_path):
    folder = small_kb_folder(tmp_path)
    first = keel("ingest", str(folder), "--collection", "hr")
    assert first.exit_code == 0, first.output
    assert "3 added" in first.output

    again = keel("ingest", str(folder), "--collection", "hr", "--json")
    assert json.loads(again.output)["summary"]["unchanged"] == 3

    found = json.loads(keel("search", "how long is parental leave", "-k", "2", "--json").output)
    assert len(found) == 2
    assert set(found[0]) == {"source", "title", "section", "chunk_id", "score", "text"}
    assert Path(found[0]["source"]).name == "leave.md" and found[0]["section"] == "Parental leave"

    listed = json.loads(keel("sources", "--json").output)
    assert {Path(s["source"]).name for s in listed} == {"leave.md", "expenses.md", "vpn.md"}
    assert {s["collection"] for s in listed} == {"hr"}

    removed = keel("remove", str(folder / "vpn.md"))
    assert removed.exit_code == 0 and "Removed" in removed.output
    missing = runner.invoke(app, ["remove", str(folder / "vpn.md")])
    assert missing.exit_code == 1 and "No stored source" in missing.output


def test_a_failed_file_makes_the_exit_code_non_zero_and_names_the_file(tmp_path):
    folder = small_kb_folder(tmp_path)
    (folder / "notes.txt").write_bytes(b"\x00\x01\x02binary")
    result = runner.invoke(app, ["ingest", str(folder)])
    assert result.exit_code == 1
    assert "notes.txt" in result.output and "failed" in result.output
    assert "3 added" in result.output


def test_ingest_without_inputs_is_a_usage_error():
    result = runner.invoke(app, ["ingest"])
    assert result.exit_code == 2 and "Nothing to ingest" in result.output


def test_search_on_an_empty_knowledge_base_says_what_to_do():
    result = keel("search", "anything")
    assert result.exit_code == 0 and "keel ingest" in result.output
