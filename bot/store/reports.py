"""The numbers admins read (``keel report``, the App Home): volumes and rates, satisfaction, sources
cited and disliked, knowledge gaps, latency per stage, and a daily series for the chart.

Every figure covers turns asked in the window ``[now - since, now]``; votes count for the turn they are
on, one per user (their last). Rates are fractions in 0..1 (``None`` when there is nothing to divide).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlite_utils import Database

from bot.store.db import iso, utc_now
from bot.store.handovers import pending_handovers

if TYPE_CHECKING:
    from knowledge.embed import Embedder

DECISIONS = ("answered", "handed_over", "refused")
GAP_SIMILARITY = 0.75
MAX_GAP_QUESTIONS = 2_000  # the most recent ones; enough to see the themes, cheap to embed


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def last(cls, since: timedelta, now: datetime | None = None) -> Window:
        end = now or utc_now()
        return cls(end - since, end)

    @property
    def args(self) -> list[str]:
        return [iso(self.start), iso(self.end)]


TURNS_IN_WINDOW = "t.created_at >= ? AND t.created_at <= ?"


def build_report(
    db: Database,
    *,
    since: timedelta = timedelta(days=7),
    now: datetime | None = None,
    top: int = 10,
    embedder: Embedder | None = None,
    gap_similarity: float = GAP_SIMILARITY,
) -> dict[str, Any]:
    """Everything ``keel report`` prints, as plain JSON-ready data."""
    window = Window.last(since, now)
    return {
        "window": {"since": iso(window.start), "until": iso(window.end)},
        "volumes": volumes(db, window),
        "feedback": satisfaction(db, window),
        "top_cited_sources": top_cited_sources(db, window, limit=top),
        "most_downvoted_sources": most_downvoted_sources(db, window, limit=top),
        "knowledge_gaps": knowledge_gaps(db, window, embedder=embedder, similarity=gap_similarity, limit=top),
        "latency_ms": latency(db, window),
        "daily": daily(db, window),
    }


def home_summary(
    db: Database,
    *,
    days: int = 7,
    now: datetime | None = None,
    embedder: Embedder | None = None,
    gaps: int = 3,
) -> dict[str, Any]:
    """The App Home's figures for admins: the last ``days`` days, pending hand-overs, top gaps."""
    window = Window.last(timedelta(days=days), now)
    counts = volumes(db, window)
    votes = satisfaction(db, window)
    pending = pending_handovers(db)
    return {
        "days": days,
        "questions": counts["questions"],
        "answered_rate": counts["answered_rate"],
        "handed_over_rate": counts["handed_over_rate"],
        "thumbs_up_rate": votes["up_rate"],
        "pending_handovers": len(pending),
        "oldest_pending": pending[:5],
        "knowledge_gaps": knowledge_gaps(db, window, embedder=embedder, limit=gaps),
    }


def volumes(db: Database, window: Window) -> dict[str, Any]:
    """How many questions, and how many were answered, handed over and refused."""
    row = db.execute(
        "SELECT count(*), coalesce(sum(decision = 'answered'), 0), coalesce(sum(decision = 'handed_over'), 0), "
        "coalesce(sum(decision = 'refused'), 0), count(DISTINCT user), count(DISTINCT thread_id) "
        f"FROM turns t WHERE {TURNS_IN_WINDOW}",
        window.args,
    ).fetchone()
    total, answered, handed_over, refused, users, threads = (int(v) for v in row)
    return {
        "questions": total,
        "answered": answered,
        "handed_over": handed_over,
        "refused": refused,
        "answered_rate": _rate(answered, total),
        "handed_over_rate": _rate(handed_over, total),
        "refused_rate": _rate(refused, total),
        "users": users,
        "threads": threads,
    }


def satisfaction(db: Database, window: Window) -> dict[str, Any]:
    """👍/👎 on the window's turns (each user's last vote), and why people voted 👎."""
    up, down, voted_turns = db.execute(
        "SELECT coalesce(sum(f.vote = 1), 0), coalesce(sum(f.vote = -1), 0), count(DISTINCT f.turn_id) "
        "FROM feedback_last_votes f JOIN turns t ON t.id = f.turn_id "
        f"WHERE f.vote != 0 AND {TURNS_IN_WINDOW}",
        window.args,
    ).fetchone()
    reasons = db.execute(
        "SELECT coalesce(f.reason, 'unspecified') AS reason, count(*) AS n "
        "FROM feedback_last_votes f JOIN turns t ON t.id = f.turn_id "
        f"WHERE f.vote = -1 AND {TURNS_IN_WINDOW} GROUP BY 1 ORDER BY n DESC, reason",
        window.args,
    ).fetchall()
    up, down = int(up), int(down)
    return {
        "up": up,
        "down": down,
        "up_rate": _rate(up, up + down),
        "turns_with_votes": int(voted_turns),
        "down_reasons": {reason: int(n) for reason, n in reasons},
    }


def top_cited_sources(db: Database, window: Window, limit: int = 10) -> list[dict[str, Any]]:
    """Sources cited in the most answers."""
    rows = db.execute(
        "SELECT r.source, count(DISTINCT r.turn_id) AS answers FROM retrievals r JOIN turns t ON t.id = r.turn_id "
        f"WHERE r.cited = 1 AND {TURNS_IN_WINDOW} GROUP BY r.source ORDER BY answers DESC, r.source LIMIT ?",
        [*window.args, limit],
    ).fetchall()
    return [{"source": source, "answers": int(n)} for source, n in rows]


def most_downvoted_sources(db: Database, window: Window, limit: int = 10) -> list[dict[str, Any]]:
    """Sources cited in answers people voted 👎 (each 👎 counts once for every source the answer cited)."""
    rows = db.execute(
        "SELECT r.source, count(*) AS downvotes, count(DISTINCT r.turn_id) AS answers "
        "FROM feedback_last_votes f JOIN turns t ON t.id = f.turn_id "
        "JOIN (SELECT DISTINCT turn_id, source FROM retrievals WHERE cited = 1) r ON r.turn_id = f.turn_id "
        f"WHERE f.vote = -1 AND {TURNS_IN_WINDOW} GROUP BY r.source ORDER BY downvotes DESC, r.source LIMIT ?",
        [*window.args, limit],
    ).fetchall()
    return [{"source": source, "downvotes": int(d), "answers": int(a)} for source, d, a in rows]


def gap_questions(db: Database, window: Window) -> list[dict[str, Any]]:
    """Questions Keel did not answer itself, oldest first; policy refusals (a guard refused: an attack,
    an off-limits topic) are left out because no document would fix them."""
    rows = db.execute(
        "SELECT t.id, coalesce(nullif(t.standalone_question, ''), t.question) AS question, t.decision, t.created_at "
        f"FROM turns t WHERE t.decision IN ('handed_over', 'refused') AND {TURNS_IN_WINDOW} "
        "AND NOT EXISTS (SELECT 1 FROM guard_verdicts g WHERE g.turn_id = t.id AND g.passed = 0 "
        "AND g.action = 'refuse') AND coalesce(nullif(t.standalone_question, ''), t.question) != '' "
        "ORDER BY t.created_at DESC LIMIT ?",
        [*window.args, MAX_GAP_QUESTIONS],
    ).fetchall()
    return [{"turn_id": r[0], "question": r[1], "decision": r[2], "created_at": r[3]} for r in reversed(rows)]


def knowledge_gaps(
    db: Database,
    window: Window,
    *,
    embedder: Embedder | None = None,
    similarity: float = GAP_SIMILARITY,
    limit: int = 10,
    examples: int = 3,
) -> list[dict[str, Any]]:
    """Declined and handed-over questions grouped by meaning, biggest group first, with examples."""
    questions = gap_questions(db, window)
    if not questions:
        return []
    if embedder is None:
        from knowledge.embed import default_embedder

        embedder = default_embedder()
    vectors = embedder.embed([q["question"] for q in questions])
    groups = cluster(vectors, similarity)
    gaps = []
    for members in groups:
        asked = [questions[i] for i in members]
        distinct = list(dict.fromkeys(q["question"] for q in reversed(asked)))  # most recent first
        decisions: defaultdict[str, int] = defaultdict(int)
        for q in asked:
            decisions[q["decision"]] += 1
        gaps.append(
            {
                "count": len(asked),
                "examples": distinct[:examples],
                "decisions": dict(sorted(decisions.items())),
                "last_asked": asked[-1]["created_at"],
                "turn_ids": [q["turn_id"] for q in asked],
            }
        )
    gaps.sort(key=lambda g: g["last_asked"], reverse=True)  # ties: the most recently asked first
    gaps.sort(key=lambda g: g["count"], reverse=True)
    return gaps[:limit]


def cluster(vectors: np.ndarray, similarity: float = GAP_SIMILARITY) -> list[list[int]]:
    """Greedy single pass: each vector joins the closest group if its cosine to the group's centroid is
    at least ``similarity``, else starts a new group. Vectors must be L2-normalised; order is kept within groups."""
    groups: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        if sums:
            centroids = np.stack(sums)
            centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
            scores = centroids @ vector
            best = int(np.argmax(scores))
            if scores[best] >= similarity:
                groups[best].append(i)
                sums[best] = sums[best] + vector
                continue
        groups.append([i])
        sums.append(np.array(vector, dtype=np.float64))
    return groups


def latency(db: Database, window: Window) -> list[dict[str, Any]]:
    """p50/p95 milliseconds per stage (in pipeline order of first appearance), then the whole turn."""
    rows = db.execute(
        f"SELECT s.stage, s.ms FROM turn_timings s JOIN turns t ON t.id = s.turn_id WHERE {TURNS_IN_WINDOW} "
        "ORDER BY t.created_at, s.rowid",
        window.args,
    ).fetchall()
    by_stage: dict[str, list[float]] = defaultdict(list)
    for stage, ms in rows:
        by_stage[stage].append(float(ms))
    totals = [
        float(r[0])
        for r in db.execute(
            f"SELECT t.total_ms FROM turns t WHERE t.total_ms IS NOT NULL AND {TURNS_IN_WINDOW}", window.args
        ).fetchall()
    ]
    if totals:
        by_stage["total"] = totals
    return [
        {
            "stage": stage,
            "turns": len(values),
            "p50": round(float(np.percentile(values, 50)), 1),
            "p95": round(float(np.percentile(values, 95)), 1),
        }
        for stage, values in by_stage.items()
    ]


def daily(db: Database, window: Window) -> list[dict[str, Any]]:
    """One row per UTC day in the window (days without questions included): volume and satisfaction."""
    days: dict[str, dict[str, Any]] = {}
    day = window.start.date()
    while day <= window.end.date():
        days[day.isoformat()] = {
            "day": day.isoformat(),
            **dict.fromkeys((*DECISIONS, "questions", "up", "down"), 0),
        }
        day += timedelta(days=1)
    for day_key, decision, n in db.execute(
        f"SELECT substr(t.created_at, 1, 10), t.decision, count(*) FROM turns t WHERE {TURNS_IN_WINDOW} GROUP BY 1, 2",
        window.args,
    ).fetchall():
        row = days[day_key]
        row["questions"] += int(n)
        if decision in DECISIONS:
            row[decision] += int(n)
    for day_key, up, down in db.execute(
        "SELECT substr(t.created_at, 1, 10), coalesce(sum(f.vote = 1), 0), coalesce(sum(f.vote = -1), 0) "
        f"FROM feedback_last_votes f JOIN turns t ON t.id = f.turn_id WHERE {TURNS_IN_WINDOW} GROUP BY 1",
        window.args,
    ).fetchall():
        days[day_key]["up"], days[day_key]["down"] = int(up), int(down)
    for row in days.values():
        row["up_rate"] = _rate(row["up"], row["up"] + row["down"])
    return list(days.values())


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
