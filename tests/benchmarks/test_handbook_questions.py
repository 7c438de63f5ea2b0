"""The handbook question set (benchmarks/data/handbook_questions.jsonl) stays valid: every key fact is in
its source as Keel ingests it, the counts the benchmark relies on hold, and keel eval can read it."""

from __future__ import annotations

from benchmarks.data.check_handbook_questions import QUESTIONS, main
from graphs.evaluate import load_questions


def test_the_handbook_question_set_checks_out(capsys):
    assert main(QUESTIONS) == 0, capsys.readouterr().out


def test_keel_eval_reads_the_handbook_question_set():
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 150
    assert sum(q.answerable is False for q in questions) >= 40
    assert sum(bool(q.thread) for q in questions) >= 15
    assert all(q.key_facts and q.gold_sources for q in questions if q.answerable)
