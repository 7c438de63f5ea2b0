"""graphs/evaluate.py: question files, decision rates, gold citations, hand-over quality, calibration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphs.evaluate import EvalQuestion, evaluate, load_questions
from graphs.result import Citation, TurnResult


def _answered(source: str, confidence: float) -> TurnResult:
    citation = Citation(1, source, "Title", "", f"{source}-0", 0.5)
    return TurnResult("answered", "An answer. [1]", [citation], confidence=confidence)


def _declined(confidence: float, decision: str = "handed_over") -> TurnResult:
    return TurnResult(decision, "", confidence=confidence, reasons=["the evidence is too weak"])  # type: ignore[arg-type]


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_load_questions_reads_labels_and_skips_blank_lines(tmp_path):
    path = _write(
        tmp_path / "q.jsonl",
        [
            json.dumps({"question": "How many vacation days?", "answerable": True, "gold_sources": ["leave.md"]}),
            "",
            json.dumps({"question": "Is there a company car?", "answerable": False}),
            json.dumps({"question": "Where is the office?", "id": "q3"}),
        ],
    )
    questions = load_questions(path)
    assert questions == [
        EvalQuestion("How many vacation days?", True, ["leave.md"]),
        EvalQuestion("Is there a company car?", False, []),
        EvalQuestion("Where is the office?", None, [], id="q3"),
    ]


@pytest.mark.parametrize(
    "bad_line, problem",
    [
        ("{not json", "Expecting"),
        (json.dumps({"answerable": True}), "'question'"),
        (json.dumps({"question": "Q?", "answerable": "yes"}), "'answerable'"),
        (json.dumps({"question": "Q?", "gold_sources": "leave.md"}), "'gold_sources'"),
        (json.dumps(["a list"]), "JSON object"),
    ],
)
def test_a_bad_line_is_reported_with_its_number(tmp_path, bad_line, problem):
    path = _write(tmp_path / "q.jsonl", [json.dumps({"question": "Fine?"}), "", bad_line])
    with pytest.raises(ValueError, match=r"line 3") as error:
        load_questions(path)
    assert problem in str(error.value)


def test_rates_gold_citations_and_hand_over_quality():
    questions = [
        EvalQuestion("a1", True, ["leave.md"]),  # answered, cites gold
        EvalQuestion("a2", True, ["vpn.md"]),  # answered, cites the wrong document
        EvalQuestion("a3", True, ["expenses.md"]),  # handed over: a missed answer
        EvalQuestion("u1", False),  # handed over: right
        EvalQuestion("u2", False),  # refused: right
        EvalQuestion("u3", False),  # answered: wrong
    ]
    turns = {
        "a1": _answered("leave.md", 0.9),
        "a2": _answered("leave.md", 0.8),
        "a3": _declined(0.3),
        "u1": _declined(0.2),
        "u2": _declined(0.1, "refused"),
        "u3": _answered("leave.md", 0.7),
    }
    m = evaluate(questions, lambda q: turns[q])
    assert m["questions"] == 6
    assert m["answered"] == pytest.approx(3 / 6)
    assert m["handed_over"] == pytest.approx(2 / 6)
    assert m["refused"] == pytest.approx(1 / 6)
    assert m["answerable_answered"] == pytest.approx(2 / 3)
    assert m["answered_with_gold"] == pytest.approx(1 / 3)
    assert m["unanswerable_declined"] == pytest.approx(2 / 3)
    # declined: a3, u1, u2 -> two of three should not have been answered; two of three such were caught
    assert m["handover_precision"] == pytest.approx(2 / 3)
    assert m["handover_recall"] == pytest.approx(2 / 3)
    assert m["balanced_accuracy"] == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert m["decision_balanced_accuracy"] == pytest.approx((2 / 3 + 2 / 3) / 2)
    assert set(m["latency_ms"]) == {"p50", "p95", "mean"}
    assert m["latency_ms"]["p95"] >= m["latency_ms"]["p50"] >= 0


def test_gold_sources_make_a_question_answerable_and_no_gold_means_any_answer_counts():
    questions = [EvalQuestion("g", None, ["leave.md"]), EvalQuestion("n", True)]
    m = evaluate(questions, lambda q: _answered("other.md", 0.9))
    assert m["answerable_questions"] == 2
    assert m["answered_with_gold"] == pytest.approx(1 / 2)  # "n" names no gold, so any answer counts


def test_calibration_compares_decision_confidence_with_correctness():
    # confidence is the probability that an answer is right; for a decline, 1 - confidence is the
    # probability that declining is right.
    questions = [EvalQuestion(f"a{i}", True, ["leave.md"]) for i in range(4)]
    questions += [EvalQuestion(f"u{i}", False) for i in range(4)]
    turns = {
        "a0": _answered("leave.md", 0.95),  # right, decision confidence 0.95
        "a1": _answered("leave.md", 0.95),  # right
        "a2": _answered("vpn.md", 0.95),  # wrong source: wrong
        "a3": _declined(0.35),  # wrong, decision confidence 0.65
        "u0": _declined(0.35),  # right, 0.65
        "u1": _declined(0.05),  # right, 0.95
        "u2": _declined(0.05),  # right, 0.95
        "u3": _answered("leave.md", 0.65),  # wrong, 0.65
    }
    m = evaluate(questions, lambda q: turns[q])
    table = {row["bin"]: row for row in m["reliability"]}
    assert len(m["reliability"]) == 10
    assert table["0.9-1.0"] == {"bin": "0.9-1.0", "count": 5, "mean_confidence": 0.95, "accuracy": 0.8}
    assert table["0.6-0.7"]["count"] == 3 and table["0.6-0.7"]["accuracy"] == pytest.approx(1 / 3, abs=1e-3)
    assert table["0.0-0.1"]["count"] == 0 and table["0.0-0.1"]["accuracy"] is None
    expected = 5 / 8 * abs(0.8 - 0.95) + 3 / 8 * abs(1 / 3 - 0.65)
    assert m["ece"] == pytest.approx(expected, abs=1e-3)


def test_unlabelled_questions_count_in_rates_but_not_in_quality():
    m = evaluate([EvalQuestion("free question")], lambda q: _answered("leave.md", 0.9))
    assert m["answered"] == 1.0
    assert m["answered_with_gold"] is None and m["unanswerable_declined"] is None
    assert m["handover_precision"] is None and m["ece"] is None


# -- right answers: key facts, reference answers, threads ------------------------------------------------------


def _said(text: str, source: str = "kb/finance/payroll-calendar.md") -> TurnResult:
    citation = Citation(1, source, "Payroll", "", f"{source}-0", 0.5)
    return TurnResult("answered", text, [citation], confidence=0.9)


def test_an_answer_citing_gold_is_right_only_when_it_says_the_key_facts():
    paid = EvalQuestion("When is payday in Lisbon?", True, ["payroll-calendar.md"], key_facts=["25th"])
    answers = iter(
        [_said("Employees in Lisbon are paid **monthly, on the 25TH**. [1]"), _said("This page lists pay days. [1]")]
    )
    m = evaluate(
        [paid, EvalQuestion(paid.question, True, ["payroll-calendar.md"], key_facts=["25th"])], lambda q: next(answers)
    )
    assert m["answered_with_gold"] == 1.0  # both cite the file (a path ending in the gold file name)
    assert m["answered_right"] == 0.5  # only one says the date
    assert m["right_among_answered_with_gold"] == 0.5


def test_a_long_reference_counts_by_the_share_of_its_words_the_answer_holds():
    reference = (
        "Spousal support is a payment made by a higher earning spouse to a lower earning spouse after separation."
    )
    item = EvalQuestion(
        "What is spousal support?", True, ["kb/finance/payroll-calendar.md"], reference_answer=reference
    )
    close = _said("Spousal support is a payment made by a higher earning spouse to a lower earning spouse. [1]")
    off = _said("Child support is calculated by a program. [1]")
    assert evaluate([item], lambda q: close)["answered_right"] == 1.0
    assert evaluate([item], lambda q: off)["answered_right"] == 0.0


def test_a_question_of_a_thread_is_asked_after_its_earlier_questions_in_one_thread():
    asked: list[tuple[str, str | None]] = []

    def in_thread(question: str, thread: str) -> TurnResult:
        asked.append((question, thread))
        return _said("Employees in Toronto are paid on the 15th. [1]")

    item = EvalQuestion(
        "and toronto?", True, ["payroll-calendar.md"], key_facts=["15th"], thread=["when is payday in lisbon"]
    )
    m = evaluate([item], lambda q: _declined(0.1), in_thread=in_thread)
    assert [q for q, _ in asked] == ["when is payday in lisbon", "and toronto?"]
    assert asked[0][1] == asked[1][1]  # one thread
    assert m["answered_right"] == 1.0


def test_key_facts_and_threads_are_read_from_the_question_file(tmp_path):
    row = {
        "question": "and toronto?",
        "answerable": True,
        "gold_sources": ["payroll-calendar.md"],
        "key_facts": ["15th"],
        "thread": ["when is payday in lisbon"],
    }
    (item,) = load_questions(_write(tmp_path / "q.jsonl", [json.dumps(row)]))
    assert item.key_facts == ["15th"] and item.thread == ["when is payday in lisbon"]
    with pytest.raises(ValueError, match="'key_facts'"):
        load_questions(_write(tmp_path / "bad.jsonl", [json.dumps({**row, "key_facts": "15th"})]))
