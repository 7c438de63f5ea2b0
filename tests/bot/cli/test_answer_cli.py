"""keel ask and keel eval as a user runs them, on a small knowledge base, no LLM."""

import json

from typer.testing import CliRunner

from bot.cli import app
from tests.knowledge.helpers import small_kb_folder

runner = CliRunner()


def test_ask_prints_the_answer_with_its_source(tmp_path):
    assert runner.invoke(app, ["ingest", str(small_kb_folder(tmp_path))]).exit_code == 0
    shown = runner.invoke(app, ["ask", "How long is parental leave?"])
    assert shown.exit_code == 0, shown.output
    assert "20 weeks" in shown.output and "Answered" in shown.output and "leave.md" in shown.output
    data = json.loads(runner.invoke(app, ["ask", "How long is parental leave?", "--json"]).output)
    assert data["decision"] == "answered" and data["citations"][0]["source"].endswith("leave.md")


def test_eval_reports_rates_for_a_question_set(tmp_path):
    assert runner.invoke(app, ["ingest", str(small_kb_folder(tmp_path))]).exit_code == 0
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {
                    "question": "How long is parental leave?",
                    "answerable": True,
                    "gold_sources": [str(tmp_path / "kb" / "leave.md")],
                },
                {"question": "What is the company car policy?", "answerable": False},
            ]
        )
    )
    data = json.loads(runner.invoke(app, ["eval", str(questions), "--json"]).output)
    assert data["questions"] == 2
    assert data["answered_with_gold"] == 1.0 and data["unanswerable_declined"] == 1.0
    table = runner.invoke(app, ["eval", str(questions)])
    assert table.exit_code == 0 and "balanced accuracy" in table.output


def test_eval_names_the_bad_line(tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "ok?"}\nnot json\n')
    result = runner.invoke(app, ["eval", str(questions)])
    assert result.exit_code == 1 and "2" in result.output


def test_eval_reports_each_question_set_with_right_answers_and_calibration(tmp_path):
    assert runner.invoke(app, ["ingest", str(small_kb_folder(tmp_path))]).exit_code == 0
    handbook = tmp_path / "handbook.jsonl"
    handbook.write_text(
        "\n".join(
            json.dumps(q)
            for q in [
                {
                    "question": "How long is parental leave?",
                    "answerable": True,
                    "gold_sources": ["leave.md"],
                    "key_facts": ["20 weeks"],
                },
                {
                    "question": "How long is parental leave?",
                    "answerable": True,
                    "gold_sources": ["leave.md"],
                    "key_facts": ["52 weeks"],
                },
            ]
        )
    )
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"question": "What is the company car policy?", "answerable": False}) + "\n")
    data = json.loads(runner.invoke(app, ["eval", str(handbook), str(other), "--json"]).output)
    assert set(data) == {"handbook", "other"}
    assert (
        data["handbook"]["answered_with_gold"] == 1.0 and data["handbook"]["answered_right"] == 0.5
    )  # one fact is wrong
    assert data["other"]["unanswerable_declined"] == 1.0 and data["other"]["ece"] is not None
    table = runner.invoke(app, ["eval", str(handbook), str(other)])
    assert table.exit_code == 0 and "handbook: 2 questions" in table.output and "other: 1 questions" in table.output
    assert "expected calibration error" in table.output
