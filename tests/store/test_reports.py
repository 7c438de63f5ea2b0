"""Report figures against a seeded log whose answers are known (see helpers.SEED)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.store import Database, build_report, home_summary, open_handover
from tests.store.helpers import EXPENSES, LAPTOP, NOW, TRAVEL, seed_log


@pytest.fixture
def seeded(db: Database) -> dict[str, str]:
    return seed_log(db)


@pytest.fixture
def report(db: Database, seeded: dict[str, str]) -> dict:
    return build_report(db, since=timedelta(days=7), now=NOW)


def test_volumes_and_rates(report: dict) -> None:
    assert report["volumes"] == {
        "questions": 11,
        "answered": 4,
        "handed_over": 5,
        "refused": 2,
        "answered_rate": 0.3636,
        "handed_over_rate": 0.4545,
        "refused_rate": 0.1818,
        "users": 11,
        "threads": 11,
    }
    assert report["window"] == {
        "since": "2025-03-03T12:00:00.000000+00:00",
        "until": "2025-03-10T12:00:00.000000+00:00",
    }


def test_feedback_counts_each_users_last_vote(report: dict) -> None:
    assert report["feedback"] == {
        "up": 3,
        "down": 3,
        "up_rate": 0.5,
        "turns_with_votes": 4,
        "down_reasons": {"outdated": 1, "unspecified": 1, "wrong": 1},
    }


def test_top_cited_and_most_downvoted_sources(report: dict) -> None:
    assert report["top_cited_sources"] == [
        {"source": EXPENSES, "answers": 2},
        {"source": TRAVEL, "answers": 2},
        {"source": LAPTOP, "answers": 1},
    ]
    assert report["most_downvoted_sources"] == [
        {"source": EXPENSES, "downvotes": 2, "answers": 2},
        {"source": TRAVEL, "downvotes": 1, "answers": 1},
        {"source": LAPTOP, "downvotes": 1, "answers": 1},
    ]


def test_knowledge_gaps_group_declined_questions_by_meaning(report: dict, seeded: dict[str, str]) -> None:
    gaps = report["knowledge_gaps"]
    assert [(g["count"], g["decisions"]) for g in gaps] == [
        (3, {"handed_over": 2, "refused": 1}),
        (2, {"handed_over": 2}),
        (1, {"handed_over": 1}),
    ]
    assert gaps[0]["examples"] == [
        "Can I claim my taxi fare as an expense?",
        "Can I expense taxi rides?",
        "How do I expense a taxi ride?",
    ]
    assert gaps[0]["turn_ids"] == [seeded["H1"], seeded["H2"], seeded["H3"]]
    assert set(gaps[1]["examples"]) == {
        "What is the guest wifi password?",
        "What is the wifi password for the guest network?",
    }
    assert gaps[2]["examples"] == ["When is the next payroll date?"]
    everything = " ".join(q for g in gaps for q in g["examples"])
    assert "system prompt" not in everything  # a guard's refusal is not a knowledge gap


def test_latency_percentiles_per_stage(report: dict) -> None:
    # check_input: 10, 20, ... 110 ms; retrieve: 100..400 ms (answered only); total: ten at 1 s, one at 3 s.
    assert report["latency_ms"] == [
        {"stage": "check_input", "turns": 11, "p50": 60.0, "p95": 105.0},
        {"stage": "retrieve", "turns": 4, "p50": 250.0, "p95": 385.0},
        {"stage": "total", "turns": 11, "p50": 1000.0, "p95": 2000.0},
    ]


def test_daily_series_covers_every_day_of_the_window(report: dict) -> None:
    daily = {row["day"]: row for row in report["daily"]}
    assert list(daily) == [f"2025-03-{d:02d}" for d in range(3, 11)]
    assert daily["2025-03-03"]["questions"] == 0 and daily["2025-03-03"]["up_rate"] is None
    assert {k: daily["2025-03-04"][k] for k in ("questions", "answered", "up", "down", "up_rate")} == {
        "questions": 2, "answered": 2, "up": 2, "down": 2, "up_rate": 0.5,
    }  # fmt: skip
    assert {k: daily["2025-03-07"][k] for k in ("questions", "handed_over", "refused")} == {
        "questions": 3, "handed_over": 1, "refused": 2,
    }  # fmt: skip
    assert sum(row["questions"] for row in report["daily"]) == 11


def test_a_shorter_window_counts_only_its_turns(db: Database, seeded: dict[str, str]) -> None:
    short = build_report(db, since=timedelta(days=2), now=NOW)
    assert short["volumes"]["questions"] == 2  # H5 (2 days ago, on the boundary) and H6
    assert short["feedback"]["up"] == 0 and short["top_cited_sources"] == []


def test_the_app_home_summary(db: Database, seeded: dict[str, str]) -> None:
    open_handover(db, turn_id=seeded["H6"], thread_id="t", channel="C1", thread_ts="1.1", question="When is payday?")
    home = home_summary(db, now=NOW, gaps=2)
    assert (home["questions"], home["answered_rate"], home["handed_over_rate"], home["thumbs_up_rate"]) == (
        11,
        0.3636,
        0.4545,
        0.5,
    )
    assert home["pending_handovers"] == 1 and home["oldest_pending"][0]["question"] == "When is payday?"
    assert [g["count"] for g in home["knowledge_gaps"]] == [3, 2]


def test_an_empty_log_reports_zeros_not_errors(db: Database) -> None:
    empty = build_report(db, since=timedelta(days=7), now=NOW)
    assert empty["volumes"]["questions"] == 0 and empty["volumes"]["answered_rate"] is None
    assert empty["feedback"]["up_rate"] is None
    assert empty["knowledge_gaps"] == [] and empty["latency_ms"] == []
    assert len(empty["daily"]) == 8
